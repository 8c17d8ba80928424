import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { SqliteEventStore } from '@rapport/event-store/adapters';
import { startTestApi, TEST_JWT_SECRET, type TestApi } from '../support/api-harness';
import { createLead } from '../support/world';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('the API as a service', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
  });
  afterEach(() => api.close());

  it('reports its health and each dependency', async () => {
    const response = await api.client.anonymous.get('/health');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: 'ok',
      profile: 'embedded',
      dependencies: { eventStore: { status: 'up' }, keyStore: { status: 'up' } },
    });
  });

  it('serves its OpenAPI document and Swagger UI', async () => {
    const document = await api.client.anonymous.get('/docs-json');
    expect(document.status).toBe(200);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining([
        '/customers',
        '/customers/{id}/contacts',
        '/deals/{id}/won',
        '/complaints/{id}/resolve',
      ]),
    );
    expect((await api.client.anonymous.get('/docs')).status).toBe(200);
  });

  it('accepts an HS256 JWT and applies its roles', async () => {
    const sales = jwt.sign({ sub: 'jwt-rep', roles: ['sales'] }, TEST_JWT_SECRET, {
      expiresIn: 60,
    });
    const created = await api.client
      .withToken(sales)
      .post('/customers', { name: 'Jo', source: 'jwt' });
    expect(created.status).toBe(201);
    const stored = await api.eventStore.readStream(`customer-${created.body.customerId}`);
    expect(stored.events[0]!.metadata.actor).toEqual({
      id: 'jwt-rep',
      roles: ['sales'],
      kind: 'user',
    });

    const analyst = jwt.sign({ sub: 'jwt-analyst', roles: ['analyst'] }, TEST_JWT_SECRET, {
      expiresIn: 60,
    });
    expect(
      (await api.client.withToken(analyst).post('/customers', { name: 'Jo', source: 'jwt' }))
        .status,
    ).toBe(403);
  });

  it('ignores a token passed in the query string', async () => {
    const response = await api.client.anonymous.post(
      '/customers?access_token=test-token-sales-0001',
      {
        name: 'Q',
        source: 'query',
      },
    );
    expect(response.status).toBe(401);
  });

  it('refuses malformed, hostile and oversized bodies with a 4xx and records nothing', async () => {
    const sales = api.client.as('sales');
    const cases = [
      { raw: '{"name":', status: 400 },
      { raw: '[1,2,3]', status: 400 },
      { raw: '"just a string"', status: 400 },
      { raw: '{"__proto__":{"admin":true},"name":"x","source":"y"}', status: 400 },
      { raw: '{"constructor":{"prototype":{"admin":true}},"name":"x","source":"y"}', status: 400 },
      { raw: JSON.stringify({ name: 'x'.repeat(70 * 1024), source: 'big' }), status: 413 },
    ];
    for (const { raw, status } of cases) {
      const response = await sales.post('/customers', undefined, { raw });
      expect({ raw: raw.slice(0, 40), status: response.status }).toEqual({
        raw: raw.slice(0, 40),
        status,
      });
      expect(typeof response.body.code).toBe('string');
    }
    const wrongType = await sales.post('/customers', undefined, {
      raw: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrongType.status).toBe(415);
    expect(await api.eventStore.headPosition()).toBe(0);
  });

  it('names the field it refuses for object machinery keys, deep nesting and broken text', async () => {
    const sales = api.client.as('sales');
    const cases = [
      { raw: '{"name":"x","source":"y","toString":1}', field: 'toString' },
      { raw: '{"name":"x","source":"y","company":{"valueOf":1}}', field: 'company.valueOf' },
      { raw: `{"name":"x","source":${'['.repeat(40)}${']'.repeat(40)}}`, field: 'source' },
      { raw: '{"name":"\\ud800x","source":"y"}', field: 'name' },
    ];
    for (const { raw, field } of cases) {
      const response = await sales.post('/customers', undefined, { raw });
      expect({ raw, status: response.status, code: response.body.code }).toEqual({
        raw,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(response.body.details.fields[0].field).toContain(field);
    }
    expect(await api.eventStore.headPosition()).toBe(0);
  });

  it('treats null as a value to validate, not as an absent field', async () => {
    const sales = api.client.as('sales');
    const lead = await sales.post('/customers', {
      name: 'N',
      source: 's',
      company: null,
      ownerId: null,
    });
    expect(lead.status).toBe(400);
    expect(lead.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'company',
      'ownerId',
    ]);
    const created = await sales.post('/customers', { name: 'N', source: 's' });
    const contact = await sales.post(`/customers/${created.body.customerId}/contacts`, {
      channel: 'call',
      direction: 'inbound',
      subject: 'x',
      notes: null,
      occurredAt: '2026-01-01',
    });
    expect(contact.status).toBe(400);
    expect(contact.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'notes',
      'occurredAt',
    ]);
    const ingest = await api.client.as('service').post('/ingest', {
      command: 'ChurnCustomer',
      idempotencyKey: 'k',
      system: 'x',
      targetId: created.body.customerId,
      expectedRevision: null,
      data: { reason: 'r' },
    });
    expect(ingest.status).toBe(400);
    // A correction may remove optional fields with null, but not the name.
    expect(
      (await sales.patch(`/customers/${created.body.customerId}`, { email: null })).status,
    ).toBe(200);
    expect(
      (await sales.patch(`/customers/${created.body.customerId}`, { name: null })).status,
    ).toBe(400);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await api.client.as('admin').get('/no-such-thing');
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('ROUTE_NOT_FOUND');
  });

  it('carries the caller correlation id into the events and back', async () => {
    const response = await api.client
      .as('sales')
      .post(
        '/customers',
        { name: 'C', source: 'x' },
        { headers: { 'x-correlation-id': 'trace-123' } },
      );
    expect(response.headers['x-correlation-id']).toBe('trace-123');
    const [event] = (await api.eventStore.readStream(`customer-${response.body.customerId}`))
      .events;
    expect(event!.metadata.correlationId).toBe('trace-123');
  });

  it('stores no plaintext personal data in any file of the data dir', async () => {
    const customerId = await createLead(api.client, {
      name: 'Zenobia Quartermaine',
      email: 'zenobia.q@example.org',
      phone: '+44 7700 900123',
    });
    await api.client.as('sales').post(`/customers/${customerId}/contacts`, {
      channel: 'meeting',
      direction: 'outbound',
      subject: 'Zenobia lunch',
      notes: 'Prefers tea over coffee',
    });
    await api.client.as('support').post(`/customers/${customerId}/complaints`, {
      category: 'service',
      severity: 'low',
      description: 'Zenobia was kept waiting',
    });
    await api.app.close();
    const needles = [
      'Zenobia',
      'Quartermaine',
      'zenobia.q@example.org',
      '7700 900123',
      'tea over coffee',
    ];
    const files = filesUnder(api.dataDir);
    expect(files.some((f) => f.endsWith('events.db'))).toBe(true);
    for (const file of files) {
      const content = readFileSync(file).toString('latin1');
      for (const needle of needles)
        expect({ file, found: content.includes(needle) }).toEqual({ file, found: false });
    }
    // The facts are there, sealed.
    const store = new SqliteEventStore({ file: join(api.dataDir, 'events.db') });
    const [lead] = (await store.readStream(`customer-${customerId}`)).events;
    expect(lead!.data).toMatchObject({
      name: expect.stringMatching(/^enc:v1:/),
      email: expect.stringMatching(/^enc:v1:/),
    });
    await store.close();
    await api.restart();
  });

  it('keeps every event across a restart', async () => {
    const customerId = await createLead(api.client);
    await api.client.as('sales').post(`/customers/${customerId}/churn`, { reason: 'moved' });
    const before = await api.eventStore.readAll({ after: 0, limit: 100 });
    await api.restart();
    expect(await api.eventStore.readAll({ after: 0, limit: 100 })).toEqual(before);
    const again = await api.client
      .as('sales')
      .post(`/customers/${customerId}/churn`, { reason: 'moved' });
    expect(again.body.code).toBe('CUSTOMER_ALREADY_CHURNED');
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After once a caller exceeds its budget, others unaffected', async () => {
    const api = await startTestApi({ env: { CRM_RATE_LIMIT_PER_MINUTE: '5' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++)
        statuses.push((await api.client.as('analyst').get('/pipeline')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      const limited = await api.client.as('analyst').get('/pipeline');
      expect(limited.body.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await api.client.as('sales').get('/customers')).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes the appends in flight before it stops', async () => {
    const api = await startTestApi();
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const url = await api.app.getUrl();
    // Hold every append at the store's door until shutdown has begun.
    const store = api.eventStore;
    const append = store.append.bind(store);
    let waiting = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    store.append = async (request) => {
      waiting++;
      await gate;
      return append(request);
    };
    const requests = Array.from({ length: 20 }, (_, i) =>
      fetch(`${url}/customers`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer test-token-sales-0001',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: `Lead ${i}`, source: 'shutdown-test' }),
      }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { customerId: string },
      })),
    );
    await until(() => waiting === 20);
    const closing = api.app.close();
    open();
    const answers = await Promise.all(requests);
    await closing;
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    const reopened = new SqliteEventStore({ file: join(api.dataDir, 'events.db') });
    for (const answer of answers) {
      expect((await reopened.readStream(`customer-${answer.body.customerId}`)).revision).toBe(0);
    }
    await reopened.close();
    await api.restart();
    await api.close();
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
