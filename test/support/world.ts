import { randomUUID } from 'node:crypto';
import type { HttpClient, HttpResponse } from '@rapport/testing';
import type { TestRole } from './api-harness';

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
