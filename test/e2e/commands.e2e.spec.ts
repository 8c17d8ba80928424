import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@rapport/domain';
import { httpSpecification } from '@rapport/testing';
import { startTestApi, type TestApi, type TestRole } from '../support/api-harness';
import { buildWorld, expectCreated, unknownId, type World } from '../support/world';

/**
 * Every command of API.md, each checked the same way: happy path, invalid body, unknown id,
 * rule violation, missing token, wrong role, idempotent retry and If-Match conflict.
 */
interface CommandCase {
  name: string;
  role: TestRole;
  wrongRole: TestRole;
  /** Stream whose revision If-Match refers to. */
  target: (w: World) => string;
  path: (w: World) => string;
  body: (w: World) => Record<string, unknown>;
  events: string[];
  invalid: { body: Record<string, unknown>; fields: string[] };
  /** Path with an id that does not exist (absent for creation). */
  unknownPath?: () => string;
  violation: {
    given: (api: TestApi, w: World) => Promise<void>;
    body?: (w: World) => Record<string, unknown>;
    status: 409 | 422;
    code: string;
  };
}

const customerStream = (w: World) => `customer-${w.customerId}`;
const dealStream = (w: World) => `deal-${w.dealId}`;
const complaintStream = (w: World) => `complaint-${w.complaintId}`;
const nothing = async () => undefined;

async function post(api: TestApi, role: TestRole, path: string, body: unknown) {
  const response = await api.client.as(role).post(path, body);
  expectCreated(response, `${role} POST ${path}`);
  return response;
}

const cases: CommandCase[] = [
  {
    name: 'POST /customers',
    role: 'sales',
    wrongRole: 'support',
    target: () => `customer-${fixedLeadId}`,
    path: () => '/customers',
    body: () => ({
      name: 'Ada Lovelace',
      source: 'web',
      email: 'ada@example.com',
      customerId: fixedLeadId,
    }),
    events: ['LeadCreated'],
    invalid: {
      body: { name: '', email: 'not-an-email', phone: 12, extra: true },
      fields: ['name', 'source', 'email', 'phone', 'extra'],
    },
    violation: {
      given: nothing,
      body: (w) => ({ name: 'Twin', source: 'web', customerId: w.customerId }),
      status: 409,
      code: 'CUSTOMER_ALREADY_EXISTS',
    },
  },
  {
    name: 'POST /customers/:id/contacts',
    role: 'support',
    wrongRole: 'analyst',
    target: customerStream,
    path: (w) => `/customers/${w.customerId}/contacts`,
    body: () => ({
      channel: 'call',
      direction: 'inbound',
      subject: 'Question about invoice',
      notes: 'called at 9',
    }),
    events: ['ContactLogged'],
    invalid: {
      body: { channel: 'pigeon', direction: 'sideways', occurredAt: 'yesterday' },
      fields: ['channel', 'direction', 'subject', 'occurredAt'],
    },
    unknownPath: () => `/customers/${unknownId()}/contacts`,
    violation: {
      given: nothing,
      body: () => ({
        channel: 'email',
        direction: 'outbound',
        subject: 'x',
        occurredAt: '2030-01-01T00:00:00Z',
      }),
      status: 422,
      code: 'TIMESTAMP_IN_FUTURE',
    },
  },
  {
    name: 'POST /customers/:id/deals',
    role: 'sales',
    wrongRole: 'support',
    target: () => `deal-${fixedDealId}`,
    path: (w) => `/customers/${w.customerId}/deals`,
    body: () => ({
      title: 'Support contract',
      amount: 2500.75,
      currency: 'EUR',
      stage: 'proposal',
      dealId: fixedDealId,
    }),
    events: ['DealOpened'],
    invalid: {
      body: { title: 'x', amount: -3, currency: 'EURO', stage: 'won' },
      fields: ['amount', 'currency', 'stage'],
    },
    unknownPath: () => `/customers/${unknownId()}/deals`,
    violation: {
      given: nothing,
      body: () => ({ title: 'Yen deal', amount: 10.5, currency: 'JPY' }),
      status: 422,
      code: 'INVALID_AMOUNT_PRECISION',
    },
  },
  {
    name: 'POST /deals/:id/stage',
    role: 'sales',
    wrongRole: 'analyst',
    target: dealStream,
    path: (w) => `/deals/${w.dealId}/stage`,
    body: () => ({ stage: 'negotiation' }),
    events: ['DealStageChanged'],
    invalid: { body: { stage: 'won' }, fields: ['stage'] },
    unknownPath: () => `/deals/${unknownId()}/stage`,
    violation: {
      given: (api, w) =>
        post(api, 'sales', `/deals/${w.dealId}/lost`, { reason: 'budget' }).then(() => undefined),
      status: 409,
      code: 'DEAL_CLOSED',
    },
  },
  {
    name: 'POST /deals/:id/won',
    role: 'sales',
    wrongRole: 'support',
    target: dealStream,
    path: (w) => `/deals/${w.dealId}/won`,
    body: () => ({ amount: 950 }),
    events: ['DealWon', 'CustomerConverted'],
    invalid: { body: { amount: 'lots' }, fields: ['amount'] },
    unknownPath: () => `/deals/${unknownId()}/won`,
    violation: {
      given: (api, w) =>
        post(api, 'sales', `/deals/${w.dealId}/lost`, { reason: 'budget' }).then(() => undefined),
      status: 409,
      code: 'DEAL_CLOSED',
    },
  },
  {
    name: 'POST /deals/:id/lost',
    role: 'sales',
    wrongRole: 'auditor',
    target: dealStream,
    path: (w) => `/deals/${w.dealId}/lost`,
    body: () => ({ reason: 'went with a competitor' }),
    events: ['DealLost'],
    invalid: { body: { reason: 42 }, fields: ['reason'] },
    unknownPath: () => `/deals/${unknownId()}/lost`,
    violation: {
      given: (api, w) => post(api, 'sales', `/deals/${w.dealId}/won`, {}).then(() => undefined),
      status: 409,
      code: 'DEAL_CLOSED',
    },
  },
  {
    name: 'POST /customers/:id/complaints',
    role: 'support',
    wrongRole: 'sales',
    target: () => `complaint-${fixedComplaintId}`,
    path: (w) => `/customers/${w.customerId}/complaints`,
    body: () => ({
      category: 'delivery',
      severity: 'critical',
      description: 'Parcel lost',
      complaintId: fixedComplaintId,
    }),
    events: ['ComplaintRaised', 'ComplaintEscalated'],
    invalid: {
      body: { category: 'x', severity: 'apocalyptic', description: '' },
      fields: ['severity', 'description'],
    },
    unknownPath: () => `/customers/${unknownId()}/complaints`,
    violation: {
      given: nothing,
      body: (w) => ({
        category: 'again',
        severity: 'low',
        description: 'dup',
        complaintId: w.complaintId,
      }),
      status: 409,
      code: 'COMPLAINT_ALREADY_EXISTS',
    },
  },
  {
    name: 'POST /complaints/:id/resolve',
    role: 'support',
    wrongRole: 'sales',
    target: complaintStream,
    path: (w) => `/complaints/${w.complaintId}/resolve`,
    body: () => ({ resolution: 'Refunded', satisfaction: 4 }),
    events: ['ComplaintResolved'],
    invalid: { body: { resolution: '', satisfaction: 9 }, fields: ['resolution', 'satisfaction'] },
    unknownPath: () => `/complaints/${unknownId()}/resolve`,
    violation: {
      given: (api, w) =>
        post(api, 'support', `/complaints/${w.complaintId}/resolve`, { resolution: 'done' }).then(
          () => undefined,
        ),
      status: 409,
      code: 'COMPLAINT_ALREADY_RESOLVED',
    },
  },
  {
    name: 'POST /customers/:id/churn',
    role: 'sales',
    wrongRole: 'analyst',
    target: customerStream,
    path: (w) => `/customers/${w.customerId}/churn`,
    body: () => ({ reason: 'closed the business' }),
    events: ['CustomerChurned'],
    invalid: { body: { reason: '   ' }, fields: ['reason'] },
    unknownPath: () => `/customers/${unknownId()}/churn`,
    violation: {
      given: (api, w) =>
        post(api, 'sales', `/customers/${w.customerId}/churn`, { reason: 'first' }).then(
          () => undefined,
        ),
      status: 409,
      code: 'CUSTOMER_ALREADY_CHURNED',
    },
  },
  {
    name: 'POST /customers/:id/consents',
    role: 'support',
    wrongRole: 'analyst',
    target: customerStream,
    path: (w) => `/customers/${w.customerId}/consents`,
    body: () => ({ purpose: 'marketing', granted: true }),
    events: ['ConsentGranted'],
    invalid: { body: { purpose: 'has spaces!', granted: 'yes' }, fields: ['purpose', 'granted'] },
    unknownPath: () => `/customers/${unknownId()}/consents`,
    violation: {
      given: (api, w) =>
        post(api, 'admin', `/customers/${w.customerId}/erasure`, { reason: 'request' }).then(
          () => undefined,
        ),
      status: 409,
      code: 'CUSTOMER_ERASED',
    },
  },
  {
    name: 'POST /customers/:id/owner',
    role: 'sales',
    wrongRole: 'support',
    target: customerStream,
    path: (w) => `/customers/${w.customerId}/owner`,
    body: () => ({ ownerId: 'rep-42' }),
    events: ['OwnerAssigned'],
    invalid: { body: {}, fields: ['ownerId'] },
    unknownPath: () => `/customers/${unknownId()}/owner`,
    violation: {
      given: (api, w) =>
        post(api, 'sales', `/customers/${w.customerId}/owner`, { ownerId: 'rep-42' }).then(
          () => undefined,
        ),
      status: 409,
      code: 'OWNER_UNCHANGED',
    },
  },
  {
    name: 'POST /customers/:id/erasure',
    role: 'admin',
    wrongRole: 'sales',
    target: customerStream,
    path: (w) => `/customers/${w.customerId}/erasure`,
    body: () => ({ reason: 'client asked to be forgotten' }),
    events: ['CustomerErased'],
    invalid: { body: { reason: '' }, fields: ['reason'] },
    unknownPath: () => `/customers/${unknownId()}/erasure`,
    violation: {
      given: (api, w) =>
        post(api, 'admin', `/customers/${w.customerId}/erasure`, { reason: 'first' }).then(
          () => undefined,
        ),
      status: 409,
      code: 'CUSTOMER_ALREADY_ERASED',
    },
  },
];

/** The same kind of request with one value changed: what a reused key must not replay. */
function differentBody(body: Record<string, unknown>): Record<string, unknown> {
  for (const field of [
    'reason',
    'subject',
    'title',
    'name',
    'resolution',
    'description',
    'ownerId',
  ]) {
    if (typeof body[field] === 'string')
      return { ...body, [field]: `${String(body[field])} (changed)` };
  }
  if (typeof body.granted === 'boolean') return { ...body, granted: !body.granted };
  if (typeof body.amount === 'number') return { ...body, amount: body.amount + 1 };
  return { ...body, stage: body.stage === 'proposal' ? 'negotiation' : 'proposal' };
}

let fixedLeadId: string;
let fixedDealId: string;
let fixedComplaintId: string;

/** Everything recorded about clients (audit streams excluded: denials are recorded there). */
async function crmEvents(api: TestApi): Promise<EventEnvelope[]> {
  const all = await api.eventStore.readAll({ after: 0, limit: 100_000 });
  return all.filter((event) => !event.streamId.startsWith('audit-'));
}

describe('commands over HTTP (embedded profile)', () => {
  let api: TestApi;
  let world: World;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());
  beforeEach(async () => {
    fixedLeadId = randomUUID();
    fixedDealId = randomUUID();
    fixedComplaintId = randomUUID();
    world = await buildWorld(api.client);
  });

  describe.each(cases)('$name', (command) => {
    it('records the events and answers 201 with ids, revision and position', async () => {
      const before = (await crmEvents(api)).length;
      const response = await api.client
        .as(command.role)
        .post(command.path(world), command.body(world));
      expect(response.status).toBe(201);
      expect(response.body.events.map((e: { type: string }) => e.type)).toEqual(command.events);
      expect(response.body.customerId).toBe(
        command.name === 'POST /customers' ? fixedLeadId : world.customerId,
      );
      expect(response.body.position).toBe(await api.eventStore.headPosition());
      const stored = (await api.eventStore.readStream(command.target(world))).events;
      expect(response.body.revision).toBe(stored[stored.length - 1]!.streamRevision);
      expect(response.headers.etag).toBe(`"${response.body.revision}"`);
      expect((await crmEvents(api)).length).toBe(before + command.events.length);
      for (const event of stored.slice(-1)) {
        expect(event.metadata).toMatchObject({
          customerId: response.body.customerId,
          actor: { id: `${command.role}-user`, roles: [command.role] },
          source: 'api',
        });
        expect(event.metadata.correlationId).toBe(response.headers['x-correlation-id']);
      }
    });

    it('answers 400 listing every invalid field, and records nothing', async () => {
      const before = await crmEvents(api);
      const response = await api.client
        .as(command.role)
        .post(command.path(world), command.invalid.body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      const fields = response.body.details.fields.map((f: { field: string }) => f.field);
      expect(fields.sort()).toEqual([...command.invalid.fields].sort());
      expect(await crmEvents(api)).toEqual(before);
    });

    if (command.unknownPath) {
      const unknownPath = command.unknownPath;
      it('answers 404 for an unknown id, and records nothing', async () => {
        const before = await crmEvents(api);
        const response = await api.client.as(command.role).post(unknownPath(), command.body(world));
        expect(response.status).toBe(404);
        expect(response.body.code).toMatch(/_NOT_FOUND$/);
        expect(await crmEvents(api)).toEqual(before);
        const malformed = await api.client
          .as(command.role)
          .post(unknownPath().replace(/[0-9a-f-]{36}/, 'not-an-id'), command.body(world));
        expect(malformed.status).toBe(404);
      });
    }

    it(`refuses a business-rule violation with ${command.violation.status} ${command.violation.code}, recording nothing`, async () => {
      await command.violation.given(api, world);
      const before = await crmEvents(api);
      const body = (command.violation.body ?? command.body)(world);
      const response = await api.client.as(command.role).post(command.path(world), body);
      expect(response.status).toBe(command.violation.status);
      expect(response.body.code).toBe(command.violation.code);
      expect(await crmEvents(api)).toEqual(before);
    });

    it('answers 401 without a valid token', async () => {
      const before = await crmEvents(api);
      expect(
        (await api.client.anonymous.post(command.path(world), command.body(world))).status,
      ).toBe(401);
      const forged = await api.client
        .withToken('forged-token-000000')
        .post(command.path(world), command.body(world));
      expect(forged.status).toBe(401);
      expect(forged.body.code).toBe('UNAUTHENTICATED');
      expect(await crmEvents(api)).toEqual(before);
    });

    it(`answers 403 to the ${command.wrongRole} role, records nothing but the denial`, async () => {
      const before = await crmEvents(api);
      const head = await api.eventStore.headPosition();
      const response = await api.client
        .as(command.wrongRole)
        .post(command.path(world), command.body(world));
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
      expect(await crmEvents(api)).toEqual(before);
      const recorded = await api.eventStore.readAll({ after: head, limit: 10 });
      expect(recorded.map((e) => [e.type, (e.data as { actorId: string }).actorId])).toEqual([
        ['AccessDenied', `${command.wrongRole}-user`],
      ]);
    });

    it('answers a retry with the same Idempotency-Key with the first answer, recording once', async () => {
      const headers = { 'idempotency-key': `key-${randomUUID()}` };
      const before = (await crmEvents(api)).length;
      const first = await api.client
        .as(command.role)
        .post(command.path(world), command.body(world), { headers });
      const retry = await api.client
        .as(command.role)
        .post(command.path(world), command.body(world), { headers });
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect((await crmEvents(api)).length).toBe(before + command.events.length);

      const reused = await api.client
        .as(command.role)
        .post(command.path(world), differentBody(command.body(world)), { headers });
      expect(reused.status).toBe(422);
      expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('answers 409 with the current revision when If-Match is stale, recording nothing', async () => {
      const current = (await api.eventStore.readStream(command.target(world))).revision;
      const before = await crmEvents(api);
      const response = await api.client
        .as(command.role)
        .post(command.path(world), command.body(world), {
          headers: { 'if-match': `"${current + 7}"` },
        });
      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({
        code: 'REVISION_CONFLICT',
        details: { currentRevision: current },
      });
      expect(await crmEvents(api)).toEqual(before);

      const matching = await api.client
        .as(command.role)
        .post(command.path(world), command.body(world), {
          headers: { 'if-match': String(current) },
        });
      expect(matching.status).toBe(201);
    });
  });

  describe('rules that span aggregates', () => {
    const spec = () => httpSpecification(api.client);

    it('converts a lead on its first won deal only', async () => {
      const second = await (async () => {
        const r = await api.client
          .as('sales')
          .post(`/customers/${world.customerId}/deals`, { title: 'b', amount: 5, currency: 'USD' });
        return r.body.dealId as string;
      })();
      await spec()
        .given((c) => c.as('sales').post(`/deals/${world.dealId}/won`, {}))
        .when((c) => c.as('sales').post(`/deals/${second}/won`, {}))
        .then((response) => {
          expect(response.status).toBe(201);
          expect(response.body.events.map((e: { type: string }) => e.type)).toEqual(['DealWon']);
        });
    });

    it('reactivates a churned client when they call in, not when we call them', async () => {
      await spec()
        .given(
          (c) => c.as('sales').post(`/customers/${world.customerId}/churn`, { reason: 'quiet' }),
          (c) =>
            c.as('sales').post(`/customers/${world.customerId}/contacts`, {
              channel: 'call',
              direction: 'outbound',
              subject: 'win-back',
            }),
        )
        .when((c) =>
          c.as('support').post(`/customers/${world.customerId}/contacts`, {
            channel: 'chat',
            direction: 'inbound',
            subject: 'hello again',
          }),
        )
        .then((response) => {
          expect(response.body.events.map((e: { type: string }) => e.type)).toEqual([
            'ContactLogged',
            'CustomerReactivated',
          ]);
        });
    });

    it('refuses deals, contacts and complaints for an erased client', async () => {
      await post(api, 'admin', `/customers/${world.customerId}/erasure`, { reason: 'request' });
      const attempts = await Promise.all([
        api.client
          .as('sales')
          .post(`/customers/${world.customerId}/deals`, { title: 't', amount: 1, currency: 'EUR' }),
        api.client.as('sales').post(`/customers/${world.customerId}/contacts`, {
          channel: 'web',
          direction: 'inbound',
          subject: 's',
        }),
        api.client.as('support').post(`/customers/${world.customerId}/complaints`, {
          category: 'c',
          severity: 'low',
          description: 'd',
        }),
        api.client.as('sales').post(`/deals/${world.dealId}/won`, {}),
      ]);
      for (const attempt of attempts) {
        expect(attempt.status).toBe(409);
        expect(attempt.body.code).toBe('CUSTOMER_ERASED');
      }
    });

    it('lets exactly one of two concurrent outcomes of a deal win', async () => {
      const [won, lost] = await Promise.all([
        api.client.as('sales').post(`/deals/${world.dealId}/won`, {}),
        api.client.as('sales').post(`/deals/${world.dealId}/lost`, { reason: 'x' }),
      ]);
      expect([won.status, lost.status].sort()).toEqual([201, 409]);
      const deal = await api.eventStore.readStream(`deal-${world.dealId}`);
      expect(deal.events.filter((e) => e.type === 'DealWon' || e.type === 'DealLost')).toHaveLength(
        1,
      );
    });
  });
});
