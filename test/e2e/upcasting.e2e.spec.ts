import { randomUUID } from 'node:crypto';
import { startTestApi, type TestApi } from '../support/api-harness';
import { createLead } from '../support/world';

/** Events stored by an older release, read by this one. */
describe('stored v1 events over HTTP', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('shows v1 contacts in the 360 view, the export and the audit, and decides on them', async () => {
    const customerId = await createLead(api.client);
    const subject = (
      await api.client.as('sales').post(`/customers/${customerId}/contacts`, {
        channel: 'chat',
        direction: 'inbound',
        subject: 'current',
      })
    ).body;
    const [current] = (
      await api.eventStore.readStream(`customer-${customerId}`, { fromRevision: 1 })
    ).events;
    // As the first release wrote it: no direction, "phone", a single time.
    const v1 = await api.eventStore.append({
      streams: [
        {
          streamId: `customer-${customerId}`,
          expectedRevision: subject.revision,
          events: [
            {
              id: randomUUID(),
              type: 'ContactLogged',
              schemaVersion: 1,
              data: {
                customerId,
                contactId: randomUUID(),
                channel: 'phone',
                subject: (current!.data as { subject: string }).subject,
                at: '2026-01-10T08:00:00.000Z',
              },
              metadata: current!.metadata,
            },
          ],
        },
      ],
    });
    const view = await api.client
      .as('sales')
      .get(`/customers/${customerId}?minPosition=${v1.position}`);
    expect(view.body.contacts).toMatchObject({
      total: 2,
      byChannel: { chat: 1, call: 1 },
      inbound: 1,
      outbound: 1,
    });
    expect(
      view.body.contacts.recent.map((c: { channel: string; subject: string }) => [
        c.channel,
        c.subject,
      ]),
    ).toEqual([
      ['chat', 'current'],
      ['call', 'current'],
    ]);
    const exported = await api.client.as('support').get(`/customers/${customerId}/export`);
    expect(exported.body.history[2]).toMatchObject({
      type: 'ContactLogged',
      data: { channel: 'call', direction: 'outbound', occurredAt: '2026-01-10T08:00:00.000Z' },
    });
    // The decider folds the v1 event too: the next command expects the right revision.
    const next = await api.client
      .as('sales')
      .post(
        `/customers/${customerId}/churn`,
        { reason: 'r' },
        { headers: { 'if-match': String(v1.revisions[`customer-${customerId}`]) } },
      );
    expect(next.status).toBe(201);
  });
});
