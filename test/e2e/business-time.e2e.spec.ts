import { randomUUID } from 'node:crypto';
import { startTestApi, type TestApi } from '../support/api-harness';
import { createLead, openDeal } from '../support/world';

// The test clock says 2026-01-15T09:00Z: "now" for every command below.
const LONG_AGO = '2019-04-01T09:30:00.000Z';

describe('business time: occurredAt beside recordedAt', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const eventsOf = async (streamId: string) => (await api.eventStore.readStream(streamId)).events;

  it("takes a service's occurredAt on any command as when it happened: the events and their dates say so", async () => {
    const created = await api.client
      .as('service')
      .post('/customers', { name: 'Ada', source: 'legacy', occurredAt: LONG_AGO });
    expect(created.status).toBe(201);
    const [lead] = await eventsOf(`customer-${created.body.customerId}`);
    expect(lead).toMatchObject({
      type: 'LeadCreated',
      occurredAt: LONG_AGO,
      data: { createdAt: LONG_AGO },
    });
    expect(lead!.recordedAt > '2026-01-01').toBe(true);

    const deal = await api.client
      .as('service')
      .post(`/customers/${created.body.customerId}/deals`, {
        title: 'Engine',
        amount: 100,
        currency: 'EUR',
        occurredAt: '2019-05-01T10:00:00Z',
      });
    const won = await api.client
      .as('service')
      .post(`/deals/${deal.body.dealId}/won`, { occurredAt: '2019-05-11T10:00:00Z' });
    expect(won.status).toBe(201);
    const [, wonEvent] = await eventsOf(`deal-${deal.body.dealId}`);
    expect(wonEvent).toMatchObject({
      type: 'DealWon',
      occurredAt: '2019-05-11T10:00:00.000Z',
      data: { wonAt: '2019-05-11T10:00:00.000Z' },
    });
  });

  it('gives events of people and services without occurredAt the time they were received', async () => {
    const customerId = await createLead(api.client);
    const [lead] = await eventsOf(`customer-${customerId}`);
    expect(lead!.occurredAt).toBe('2026-01-15T09:00:00.000Z');
    expect(lead!.data).toMatchObject({ createdAt: lead!.occurredAt });
  });

  it('refuses occurredAt from other roles (403), appending nothing', async () => {
    const customerId = await createLead(api.client);
    const dealId = await openDeal(api.client, customerId);
    const head = await api.eventStore.headPosition();
    const response = await api.client
      .as('sales')
      .post(`/deals/${dealId}/won`, { occurredAt: LONG_AGO });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: 'OCCURRED_AT_NOT_ALLOWED' });
    expect(await api.eventStore.headPosition()).toBe(head);
  });

  it("keeps a contact's own occurredAt for users: logged afterwards, it happened then", async () => {
    const customerId = await createLead(api.client);
    const response = await api.client.as('sales').post(`/customers/${customerId}/contacts`, {
      channel: 'call',
      direction: 'outbound',
      subject: 'Yesterday',
      occurredAt: '2026-01-14T16:00:00Z',
    });
    expect(response.status).toBe(201);
    const contact = (await eventsOf(`customer-${customerId}`)).find(
      (e) => e.type === 'ContactLogged',
    );
    expect(contact).toMatchObject({
      occurredAt: '2026-01-14T16:00:00.000Z',
      data: { occurredAt: '2026-01-14T16:00:00.000Z', loggedAt: '2026-01-15T09:00:00.000Z' },
    });
  });

  it('refuses a future occurredAt (422 OCCURRED_AT_IN_FUTURE); a clock up to 5 minutes ahead is taken as now', async () => {
    const head = await api.eventStore.headPosition();
    const future = await api.client
      .as('service')
      .post('/customers', { name: 'Tomorrow', source: 'x', occurredAt: '2026-01-16T09:00:00Z' });
    expect(future.status).toBe(422);
    expect(future.body).toMatchObject({
      code: 'OCCURRED_AT_IN_FUTURE',
      details: { field: 'occurredAt', toleranceMs: 300_000 },
    });
    expect(await api.eventStore.headPosition()).toBe(head);

    const skewed = await api.client
      .as('service')
      .post('/customers', { name: 'Skewed', source: 'x', occurredAt: '2026-01-15T09:03:00Z' });
    expect(skewed.status).toBe(201);
    const [lead] = await eventsOf(`customer-${skewed.body.customerId}`);
    expect(lead!.occurredAt).toBe('2026-01-15T09:00:00.000Z');
  });

  it('refuses an occurredAt that is not a time (400), naming the field', async () => {
    const response = await api.client
      .as('service')
      .post('/customers', { name: 'Ada', source: 'x', occurredAt: 'last spring' });
    expect(response.status).toBe(400);
    expect(response.body.details.fields).toEqual([
      expect.objectContaining({ field: 'occurredAt' }),
    ]);
  });

  it('takes occurredAt and traceparent on ingest messages, and keeps the trace in the metadata', async () => {
    const customerId = randomUUID();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const response = await api.client.as('service').post('/ingest', {
      command: 'CreateLead',
      idempotencyKey: randomUUID(),
      system: 'legacy',
      targetId: customerId,
      occurredAt: LONG_AGO,
      traceparent,
      data: { name: 'Imported', source: 'legacy' },
    });
    expect(response.status).toBe(201);
    const [lead] = await eventsOf(`customer-${customerId}`);
    expect(lead).toMatchObject({ occurredAt: LONG_AGO, metadata: { traceparent } });
  });

  it('keeps a traceparent header of an HTTP command in its events', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const response = await api.client
      .as('sales')
      .post('/customers', { name: 'Traced', source: 'web' }, { headers: { traceparent } });
    const [lead] = await eventsOf(`customer-${response.body.customerId}`);
    expect(lead!.metadata.traceparent).toBe(traceparent);
  });

  it('shows both times in the audit trail', async () => {
    const created = await api.client
      .as('service')
      .post('/customers', { name: 'Ada', source: 'legacy', occurredAt: LONG_AGO });
    const customerId = created.body.customerId as string;
    const trail = await api.client
      .as('auditor')
      .get(`/audit/customers/${customerId}?minPosition=${created.body.position}`, {
        headers: { 'x-purpose': 'test' },
      });
    expect(trail.status).toBe(200);
    const change = trail.body.entries.find((e: { type: string }) => e.type === 'LeadCreated');
    expect(change.occurredAt).toBe(LONG_AGO);
    expect(change.at > '2026-01-01').toBe(true);
  });
});
