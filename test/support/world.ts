import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@rapport/domain';
import type { EventStore } from '@rapport/event-store';
import type { HttpClient, HttpResponse } from '@rapport/testing';
import type { TestRole } from './api-harness';
import { eventually } from './webhook-receiver';

/** A client with one open deal and one open complaint, created through the API. */
export interface World {
  customerId: string;
  dealId: string;
  complaintId: string;
}

export function expectCreated(response: HttpResponse, what: string): void {
  if (response.status !== 201) {
    throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
}

export async function createLead(
  client: HttpClient<TestRole>,
  body: Record<string, unknown> = {},
): Promise<string> {
  const response = await client.as('sales').post('/customers', {
    name: 'Grace Hopper',
    source: 'referral',
    email: 'grace@example.com',
    phone: '+1 555 0100',
    company: 'Navy',
    ...body,
  });
  expectCreated(response, 'create lead');
  return response.body.customerId;
}

export async function openDeal(
  client: HttpClient<TestRole>,
  customerId: string,
  body: Record<string, unknown> = {},
): Promise<string> {
  const response = await client.as('sales').post(`/customers/${customerId}/deals`, {
    title: 'Compiler licence',
    amount: 1000,
    currency: 'EUR',
    ...body,
  });
  expectCreated(response, 'open deal');
  return response.body.dealId;
}

export async function raiseComplaint(
  client: HttpClient<TestRole>,
  customerId: string,
  body: Record<string, unknown> = {},
): Promise<string> {
  const response = await client.as('support').post(`/customers/${customerId}/complaints`, {
    category: 'billing',
    severity: 'medium',
    description: 'Invoice sent twice',
    ...body,
  });
  expectCreated(response, 'raise complaint');
  return response.body.complaintId;
}

export async function buildWorld(client: HttpClient<TestRole>): Promise<World> {
  const customerId = await createLead(client);
  return {
    customerId,
    dealId: await openDeal(client, customerId),
    complaintId: await raiseComplaint(client, customerId),
  };
}

export const unknownId = () => randomUUID();

/**
 * Opens a client's 360 view as `role` once it is projected (on a loaded machine a read right
 * after the commands may answer 404, which records nothing) and answers the recorded view.
 */
export async function viewWhenProjected(
  api: { client: HttpClient<TestRole>; eventStore: EventStore },
  role: TestRole,
  customerId: string,
): Promise<EventEnvelope> {
  await eventually(
    () => api.client.as(role).get(`/customers/${customerId}`),
    (read) => read.status === 200,
  );
  const { events } = await api.eventStore.readStream(`audit-${customerId}`);
  const view = events.find((event) => event.type === 'CustomerDataViewed');
  if (!view) throw new Error(`no view of ${customerId} recorded`);
  return view;
}
