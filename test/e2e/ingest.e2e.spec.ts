import { randomUUID } from 'node:crypto';
import { startTestApi, type TestApi } from '../support/api-harness';
import { createLead } from '../support/world';

describe('POST /ingest: commands from internal systems', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const ingest = (body: unknown) => api.client.as('service').post('/ingest', body);

  it('executes a command with the same handler as HTTP, idempotently per system and key', async () => {
    const customerId = await createLead(api.client);
    const message = {
      command: 'LogContact',
      idempotencyKey: `billing-${randomUUID()}`,
      system: 'billing',
      targetId: customerId,
      correlationId: 'invoice-42',
      data: { channel: 'email', direction: 'outbound', subject: 'Invoice sent' },
    };
    const first = await ingest(message);
    expect(first.status).toBe(201);
    expect(first.body.events.map((e: { type: string }) => e.type)).toEqual(['ContactLogged']);
    const retry = await ingest(message);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const [event] = (await api.eventStore.readStream(`customer-${customerId}`, { fromRevision: 1 }))
      .events;
    expect(event!.metadata).toMatchObject({
      source: 'ingest:billing',
      correlationId: 'invoice-42',
      actor: { id: 'service-user', kind: 'service' },
    });
  });

  it('corrects a profile, as PATCH /customers/:id does', async () => {
    const customerId = await createLead(api.client);
    const response = await ingest({
      command: 'CorrectProfile',
      idempotencyKey: randomUUID(),
      system: 'crm-import',
      targetId: customerId,
      data: { company: 'Analytical Engines', phone: null },
    });
    expect(response.status).toBe(201);
    expect(response.body.events.map((e: { type: string }) => e.type)).toEqual([
      'CustomerProfileCorrected',
    ]);
  });

  it("refuses a command the sender's roles may not run (erasure is admin-only), and records the refusal", async () => {
    const customerId = await createLead(api.client);
    const head = await api.eventStore.headPosition();
    const response = await ingest({
      command: 'EraseCustomer',
      idempotencyKey: randomUUID(),
      system: 'crm-import',
      targetId: customerId,
      data: { reason: 'requested by mail' },
    });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({
      code: 'FORBIDDEN',
      details: { permission: 'customer:erase' },
    });
    const appended = await api.eventStore.readAll({ after: head, limit: 10 });
    expect(appended.map((e) => [e.type, e.streamId])).toEqual([
      ['AccessDenied', `audit-${customerId}`],
    ]);
    expect(appended[0]!.data).toMatchObject({
      permission: 'customer:erase',
      path: 'ingest EraseCustomer',
    });
  });

  it('creates a lead with a client-chosen id', async () => {
    const customerId = randomUUID();
    const response = await ingest({
      command: 'CreateLead',
      idempotencyKey: randomUUID(),
      system: 'webshop',
      targetId: customerId,
      data: { name: 'Shop Buyer', source: 'webshop' },
    });
    expect(response.status).toBe(201);
    expect(response.body.customerId).toBe(customerId);
  });

  it('validates the envelope and the command data like HTTP, listing every problem', async () => {
    const before = await api.eventStore.headPosition();
    const envelope = await ingest({
      command: 'Explode',
      idempotencyKey: '',
      system: 'x y',
      data: 'no',
    });
    expect(envelope.status).toBe(400);
    expect(envelope.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'command',
      'data',
      'idempotencyKey',
      'system',
    ]);
    const data = await ingest({
      command: 'OpenDeal',
      idempotencyKey: 'k',
      system: 'erp',
      targetId: randomUUID(),
      data: { title: 't', amount: -1, currency: 'EURO', extra: 1 },
    });
    expect(data.status).toBe(400);
    expect(data.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'data.amount',
      'data.currency',
      'data.extra',
    ]);
    const noTarget = await ingest({
      command: 'WinDeal',
      idempotencyKey: 'k2',
      system: 'erp',
      data: {},
    });
    expect(noTarget.status).toBe(400);
    expect(await api.eventStore.headPosition()).toBe(before);
  });

  it('answers business-rule refusals like HTTP', async () => {
    const unknown = await ingest({
      command: 'ChurnCustomer',
      idempotencyKey: randomUUID(),
      system: 'crm',
      targetId: randomUUID(),
      data: { reason: 'x' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('CUSTOMER_NOT_FOUND');
  });

  it('is for the service role only', async () => {
    expect((await api.client.as('sales').post('/ingest', {})).status).toBe(403);
  });
});
