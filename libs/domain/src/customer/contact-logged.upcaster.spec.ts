import { sealed } from '@rapport/testing';
import fixtures from './fixtures/contact-logged.v1.json';
import v2Fixtures from './fixtures/contact-logged.v2.json';
import { upcast } from '../upcasting/upcasters';
import { customerDecider } from './customer.decider';
import type { CustomerEvent } from './customer.events';

describe('ContactLogged v1 → v2 → v3', () => {
  it('presents stored v1 events in the current shape', () => {
    const [call, mail] = fixtures.map((event) => upcast(event));
    expect(call).toMatchObject({
      id: fixtures[0]!.id,
      position: 2,
      schemaVersion: 3,
      data: {
        customerId: '7a0c0f3e-2d4b-4c5a-8e9f-000000000001',
        contactId: 'c0a80101-0000-4000-8000-000000000001',
        channel: 'call',
        direction: 'outbound',
        subject: 'enc:v1:AAAAAAAAAAAAAAAA.c3ViamVjdA',
        notes: 'enc:v1:BBBBBBBBBBBBBBBB.bm90ZXM',
        occurredAt: '2024-03-04T10:00:00.000Z',
        loggedAt: '2024-03-04T10:00:00.000Z',
      },
    });
    expect(call!.metadata).toEqual(fixtures[0]!.metadata);
    expect(mail!.data).not.toHaveProperty('notes');
    expect(mail!.data).toMatchObject({ channel: 'email', occurredAt: '2024-04-01T08:45:00.000Z' });
  });

  it('presents stored v2 events as v3: no outcome, duration or activity, all else as stored', () => {
    const [meeting] = v2Fixtures.map((event) => upcast(event));
    expect(meeting).toEqual({ ...v2Fixtures[0]!, schemaVersion: 3 });
    expect(meeting!.data).not.toHaveProperty('outcome');
  });

  it('leaves current events as they are', () => {
    const current = upcast({ ...fixtures[0]!, schemaVersion: 3, data: { kept: true } });
    expect(current.data).toEqual({ kept: true });
  });

  it('lets the decider fold a history that holds v1 events', () => {
    const history = [
      {
        type: 'LeadCreated',
        schemaVersion: 1,
        data: {
          customerId: 'c',
          name: sealed('n'),
          source: 's',
          createdAt: '2024-01-01T00:00:00.000Z',
        },
      },
      ...fixtures.map((event) =>
        upcast({ type: event.type, schemaVersion: event.schemaVersion, data: event.data }),
      ),
      {
        type: 'CustomerChurned',
        schemaVersion: 1,
        data: {
          customerId: 'c',
          reason: 'r',
          previousStatus: 'lead',
          churnedAt: '2024-05-01T00:00:00.000Z',
        },
      },
    ] as CustomerEvent[];
    const state = history.reduce(customerDecider.evolve, customerDecider.initialState());
    expect(state.status).toBe('churned');
    const events = customerDecider.decide(
      {
        type: 'LogContact',
        now: '2024-06-01T00:00:00.000Z',
        data: {
          customerId: 'c',
          contactId: 'k',
          channel: 'call',
          direction: 'inbound',
          subject: sealed('s'),
        },
      },
      state,
    );
    expect(events.map((e) => [e.type, e.schemaVersion])).toEqual([
      ['ContactLogged', 3],
      ['CustomerReactivated', 1],
    ]);
  });
});
