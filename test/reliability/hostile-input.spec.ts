// Property-based fuzzing (fast-check) of every endpoint: bodies, path parameters, query strings
// and headers. For every request, whatever it carries:
// - never a 5xx;
// - every 4xx is a JSON error body of the one documented shape, with a machine-readable code;
// - a 4xx appends nothing to the log, except the AccessDenied audit event of a 403;
// - the correlation id echoed back is never the hostile value itself;
// and after the run the process still answers a known-good request and Object.prototype is
// untouched. Two properties check what is accepted: text comes back exactly as sent, and an
// amount is a positive multiple of the currency's minor unit.
import fc from 'fast-check';
import {
  ACTIVITY_KINDS,
  CAMPAIGN_CHANNELS,
  CAMPAIGN_RESPONSES,
  CASE_OUTCOMES,
  COMPLAINT_SEVERITIES,
  CONTACT_CHANNELS,
  CONTACT_OUTCOMES,
  OPEN_DEAL_STAGES,
  REQUEST_TYPES,
  SETTABLE_CASE_STATUSES,
} from '@rapport/domain';
import type { IngestCommandType } from '@rapport/contracts';
import { PERMISSIONS } from '@rapport/platform';
import { COMMAND_LIST } from '../../apps/api/src/commands/command.catalogue';
import type { EventEnvelope } from '@rapport/domain';
import type { HttpResponse } from '@rapport/testing';
import { startTestApi, TEST_TOKENS, type TestApi, type TestRole } from '../support/api-harness';
import { createLead, openDeal, raiseComplaint, viewWhenProjected } from '../support/world';
import {
  DANGEROUS_KEYS,
  deepText,
  edgeText,
  headerValue,
  hostileQuery,
  hostileSegment,
  hostileValue,
  malformedJson,
  Obj,
  Raw,
  serialize,
  type Json,
} from './support/hostile';
import { runSeed } from './support/prng';

const SEED = runSeed(4242);
const BODY_LIMIT = 65_536;

// ---------------------------------------------------------------------------------------------
// The endpoints, with the fields of their valid bodies.

interface Field {
  key: string;
  valid: fc.Arbitrary<Json>;
  required: boolean;
}

type Slot =
  | 'customer'
  | 'victim'
  | 'deal'
  | 'complaint'
  | 'case'
  | 'activity'
  | 'view'
  | 'projection'
  | 'key'
  | 'campaign';

interface Endpoint {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** With :slot placeholders. */
  path: string;
  role: TestRole | 'anonymous';
  fields?: Field[];
  ingest?: true;
}

const text = (max: number) =>
  fc.string({ minLength: 1, maxLength: Math.min(max, 30) }).filter((s) => s.trim().length > 0);
const req = (key: string, valid: fc.Arbitrary<Json>): Field => ({ key, valid, required: true });
const opt = (key: string, valid: fc.Arbitrary<Json>): Field => ({ key, valid, required: false });

const LEAD: Field[] = [
  req('name', text(200)),
  req('source', text(100)),
  opt('email', fc.constantFrom('ada@example.com', 'x.y+z@example.org')),
  opt('phone', fc.constantFrom('+44 20 7946 0958', '030 1234567')),
  opt('company', text(200)),
  opt('ownerId', text(100)),
  opt('customerId', fc.uuid()),
];
const CONTACT: Field[] = [
  req('channel', fc.constantFrom(...CONTACT_CHANNELS)),
  req('direction', fc.constantFrom('inbound', 'outbound')),
  req('subject', text(500)),
  opt('notes', text(10_000)),
  opt('outcome', fc.constantFrom(...CONTACT_OUTCOMES)),
  opt('durationMinutes', fc.integer({ min: 1, max: 10_080 })),
  opt('occurredAt', fc.constantFrom('2026-01-01T10:00:00Z', '2025-12-31T23:59:59.999+02:00')),
];
const DEAL: Field[] = [
  req('title', text(200)),
  req('amount', fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(0.01, 99.99))),
  req('currency', fc.constantFrom('EUR', 'USD', 'JPY', 'BHD')),
  opt('stage', fc.constantFrom(...OPEN_DEAL_STAGES)),
  opt('ownerId', text(100)),
  opt('dealId', fc.uuid()),
];
const CAMPAIGN: Field[] = [
  req('name', text(200)),
  req('channel', fc.constantFrom(...CAMPAIGN_CHANNELS)),
  req('startsAt', fc.constantFrom('2026-01-01T10:00:00Z', '2025-12-31T23:59:59.999+02:00')),
  opt('endsAt', fc.constantFrom('2031-06-30T23:59:59Z')),
  opt(
    'budget',
    fc.constantFrom(
      new Obj([
        ['amount', 5000],
        ['currency', 'EUR'],
      ]),
      new Obj([
        ['amount', 1],
        ['currency', 'JPY'],
      ]),
    ),
  ),
  opt('purpose', fc.constantFrom('marketing', 'newsletter.v2')),
  opt('campaignId', fc.uuid()),
];
const COMPLAINT: Field[] = [
  req('category', text(100)),
  req('severity', fc.constantFrom(...COMPLAINT_SEVERITIES)),
  req('description', text(10_000)),
  opt('channel', fc.constantFrom(...CONTACT_CHANNELS)),
  opt('complaintId', fc.uuid()),
];
const ACTIVITY: Field[] = [
  req('kind', fc.constantFrom(...ACTIVITY_KINDS)),
  req('subject', text(500)),
  req('dueAt', fc.constantFrom('2026-01-01T10:00:00Z', '2031-06-30T23:59:59.999+02:00')),
  opt('ownerId', text(100)),
  opt('notes', text(10_000)),
  opt('durationMinutes', fc.integer({ min: 1, max: 10_080 })),
  opt('activityId', fc.uuid()),
];
const STAGE: Field[] = [req('stage', fc.constantFrom(...OPEN_DEAL_STAGES))];
const WON: Field[] = [opt('amount', fc.integer({ min: 1, max: 1_000_000 }))];
const REASON: Field[] = [req('reason', text(500))];
const RESOLVE: Field[] = [
  req('resolution', text(10_000)),
  opt('satisfaction', fc.integer({ min: 1, max: 5 })),
];
const CONSENT: Field[] = [
  req('purpose', fc.constantFrom('marketing', 'profiling', 'newsletter.v2')),
  req('granted', fc.boolean()),
];
const OWNER: Field[] = [req('ownerId', text(100))];
const CORRECT: Field[] = [
  opt('name', text(200)),
  opt('email', fc.constantFrom('new@example.com', null)),
  opt('phone', fc.constantFrom('+1 555 0100', null)),
  opt('company', fc.oneof(text(200), fc.constant(null))),
];

// Every command has its valid fields here (the compiler refuses a command without them), and
// its endpoint comes from its definition: no command can escape the fuzzer.
const COMMAND_FIELDS: Record<IngestCommandType, Field[]> = {
  CreateLead: LEAD,
  LogContact: CONTACT,
  OpenDeal: DEAL,
  ChangeDealStage: STAGE,
  WinDeal: WON,
  LoseDeal: REASON,
  RaiseComplaint: COMPLAINT,
  ResolveComplaint: RESOLVE,
  ChurnCustomer: REASON,
  SetConsent: CONSENT,
  AssignOwner: OWNER,
  CorrectProfile: CORRECT,
  EraseCustomer: REASON,
  ScheduleActivity: ACTIVITY,
  RescheduleActivity: [
    req('dueAt', fc.constantFrom('2031-02-01T10:00:00Z', '2026-01-02T08:00:00-05:00')),
    opt('reason', text(500)),
  ],
  ReassignActivity: OWNER,
  CompleteActivity: [
    req('outcome', fc.constantFrom(...CONTACT_OUTCOMES)),
    opt('notes', text(10_000)),
    opt('occurredAt', fc.constantFrom('2026-01-01T10:00:00Z', '2025-12-31T23:59:59.999+02:00')),
  ],
  CancelActivity: REASON,
  PlanCampaign: CAMPAIGN,
  LaunchCampaign: [opt('note', text(500))],
  CloseCampaign: [opt('note', text(500))],
  RecordCampaignCost: [
    req('amount', fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(0.01, 99.99))),
    req('currency', fc.constantFrom('EUR', 'USD')),
    opt('note', text(500)),
  ],
  AddCampaignMembers: [
    req('customerIds', fc.constantFrom(['@customer'], ['@customer', '@victim'])),
  ],
  RecordCampaignResponse: [
    req('customerId', fc.constantFrom('@customer')),
    req('response', fc.constantFrom(...CAMPAIGN_RESPONSES)),
    opt('occurredAt', fc.constantFrom('2026-01-01T10:00:00Z')),
  ],
  OpenServiceRequest: [
    req('type', fc.constantFrom(...REQUEST_TYPES)),
    req('subject', text(300)),
    req('description', text(10_000)),
    opt('severity', fc.constantFrom(...COMPLAINT_SEVERITIES)),
    opt('channel', fc.constantFrom(...CONTACT_CHANNELS)),
    opt('productRef', text(100)),
    opt('caseId', fc.uuid()),
  ],
  AssignCase: [req('assigneeId', text(100))],
  RespondToCase: [req('message', text(10_000))],
  ChangeCaseStatus: [req('status', fc.constantFrom(...SETTABLE_CASE_STATUSES))],
  ResolveCase: [
    req('resolution', text(10_000)),
    req('outcome', fc.constantFrom(...CASE_OUTCOMES)),
    opt('satisfaction', fc.integer({ min: 1, max: 5 })),
  ],
  ReopenCase: [req('reason', text(2_000))],
};

const COMMAND_ENDPOINTS: Endpoint[] = COMMAND_LIST.map((definition) => ({
  method: definition.http.method,
  // Erasure gets a client of its own, so the others keep a living one.
  path: definition.http.path.replace(
    ':id',
    definition.name === 'EraseCustomer' ? ':victim' : `:${definition.target}`,
  ),
  role: PERMISSIONS[definition.permission][0] ?? 'admin',
  fields: COMMAND_FIELDS[definition.name],
}));
const commandEndpoint = (name: IngestCommandType): Endpoint =>
  COMMAND_ENDPOINTS[COMMAND_LIST.findIndex((definition) => definition.name === name)]!;

const ENDPOINTS: Endpoint[] = [
  ...COMMAND_ENDPOINTS,
  { method: 'POST', path: '/ingest', role: 'service', ingest: true },
  { method: 'GET', path: '/customers/:customer', role: 'sales' },
  { method: 'GET', path: '/customers', role: 'sales' },
  { method: 'GET', path: '/customers/:customer/export', role: 'support' },
  { method: 'GET', path: '/customers/:customer/timeline', role: 'sales' },
  { method: 'GET', path: '/activities', role: 'sales' },
  { method: 'GET', path: '/analytics/activities', role: 'analyst' },
  { method: 'GET', path: '/pipeline', role: 'analyst' },
  { method: 'GET', path: '/analytics/retention', role: 'analyst' },
  { method: 'GET', path: '/analytics/churn-risk', role: 'analyst' },
  { method: 'GET', path: '/analytics/segments', role: 'analyst' },
  { method: 'GET', path: '/campaigns', role: 'marketing' },
  { method: 'GET', path: '/campaigns/:campaign', role: 'marketing' },
  { method: 'GET', path: '/analytics/campaigns', role: 'analyst' },
  { method: 'GET', path: '/analytics/sources', role: 'marketing' },
  { method: 'GET', path: '/cases', role: 'support' },
  { method: 'GET', path: '/cases/:case', role: 'support' },
  { method: 'GET', path: '/analytics/service', role: 'analyst' },
  { method: 'GET', path: '/audit/customers/:customer', role: 'auditor' },
  { method: 'GET', path: '/audit/customers/:customer/state', role: 'auditor' },
  { method: 'GET', path: '/audit/denials', role: 'auditor' },
  { method: 'GET', path: '/audit/views/:view', role: 'auditor' },
  { method: 'GET', path: '/admin/projections', role: 'admin' },
  { method: 'GET', path: '/admin/projections/:projection/parked', role: 'admin' },
  { method: 'POST', path: '/admin/projections/:projection/parked/:key/release', role: 'admin' },
  { method: 'POST', path: '/admin/projections/:projection/rebuild', role: 'admin' },
  { method: 'DELETE', path: '/admin/projections/:projection/rebuild', role: 'admin' },
  { method: 'GET', path: '/health', role: 'anonymous' },
  { method: 'GET', path: '/metrics', role: 'anonymous' },
  { method: 'GET', path: '/docs-json', role: 'anonymous' },
];
const WITH_BODY = ENDPOINTS.filter((e) => e.fields || e.ingest);
const WITH_PARAMS = ENDPOINTS.filter((e) => e.path.includes(':'));
const GETS = ENDPOINTS.filter((e) => e.method === 'GET');

// ---------------------------------------------------------------------------------------------
// Bodies: valid ones, and every way of spoiling them.

function validObj(fields: Field[]): fc.Arbitrary<Obj> {
  return fc
    .tuple(
      ...fields.map((f) =>
        f.required
          ? f.valid.map((v) => [f.key, v] as [string, Json])
          : fc.option(
              f.valid.map((v) => [f.key, v] as [string, Json]),
              { nil: undefined },
            ),
      ),
    )
    .map((entries) => new Obj(entries.filter((e): e is [string, Json] => e !== undefined)));
}

const bigString = fc
  .integer({ min: BODY_LIMIT - 3000, max: BODY_LIMIT + 3000 })
  .map((n) => 'b'.repeat(n));

/** A body, and why the API must refuse it when it is invalid whatever else it holds. */
interface Body {
  json: Json;
  refuse?: string;
}

/** A body for these fields: valid, or spoiled in one of many ways. */
function spoiledBody(fields: Field[]): fc.Arbitrary<Body> {
  const valid = validObj(fields);
  const keys = fields.map((f) => f.key);
  const required = fields.filter((f) => f.required).map((f) => f.key);
  const pickIndex = (obj: Obj) => fc.nat({ max: Math.max(0, obj.entries.length - 1) });
  const options: fc.WeightedArbitrary<Body>[] = [
    { weight: 2, arbitrary: valid.map((json) => ({ json })) },
    // a field of the wrong type, null, or hostile text
    {
      weight: 4,
      arbitrary: valid.chain((obj) =>
        fc.tuple(pickIndex(obj), hostileValue).map(([i, value]) => ({
          json:
            obj.entries.length === 0
              ? new Obj([[fields[0]?.key ?? 'x', value]])
              : new Obj(obj.entries.map(([k, v], j) => [k, j === i ? value : v])),
        })),
      ),
    },
    // an unknown or dangerous field
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          valid,
          fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), edgeText(10)),
          hostileValue,
          fc.boolean(),
        )
        .map(([obj, key, value, first]) => ({
          json: new Obj(first ? [[key, value], ...obj.entries] : [...obj.entries, [key, value]]),
          ...(!keys.includes(key) && { refuse: `the unknown field ${JSON.stringify(key)}` }),
        })),
    },
    // prototype pollution attempts, written literally (no field takes an object)
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          valid,
          fc.constantFrom(
            '{"__proto__":{"polluted":"yes"}}',
            '{"constructor":{"prototype":{"polluted":"yes"}}}',
            '{"prototype":{"polluted":"yes"}}',
            '[{"__proto__":{"polluted":"yes"}}]',
          ),
          fc.constantFrom(...keys, '__proto__', 'constructor', 'prototype'),
        )
        .map(([obj, raw, key]) => ({
          json: new Obj([...obj.entries, [key, new Raw(raw)]]),
          refuse: `an object in ${key}`,
        })),
    },
    // the same key twice (the parser keeps the last one)
    {
      weight: 1,
      arbitrary: valid.chain((obj) =>
        fc.tuple(pickIndex(obj), hostileValue).map(([i, value]) => {
          const entry = obj.entries[i];
          return { json: new Obj(entry ? [...obj.entries, [entry[0], value]] : obj.entries) };
        }),
      ),
    },
    // not an object at all (null is read as an empty body, by design)
    {
      weight: 2,
      arbitrary: hostileValue
        .filter((v) => !(v instanceof Obj))
        .map((json) => ({
          json,
          ...(json !== null && { refuse: 'a body that is not an object' }),
        })),
    },
    // malformed JSON
    { weight: 2, arbitrary: malformedJson.map((t) => ({ json: new Raw(t) })) },
    // a huge value, just under or just over the body limit
    {
      weight: 1,
      arbitrary: fc.tuple(valid, bigString).map(([obj, big]) => ({
        json: new Obj([...obj.entries, [fields[0]?.key ?? 'x', big]]),
        refuse: 'a value longer than any field allows',
      })),
    },
  ];
  if (required.length > 0) {
    // a required field left out
    options.push({
      weight: 2,
      arbitrary: fc.tuple(valid, fc.constantFrom(...required)).map(([obj, key]) => ({
        json: new Obj(obj.entries.filter(([k]) => k !== key)),
        refuse: `no ${key}`,
      })),
    });
  }
  return fc.oneof(...options);
}

const ingestBody: fc.Arbitrary<Body> = fc
  .tuple(
    fc.constantFrom(...COMMAND_LIST.map((definition) => definition.name)),
    fc.option(hostileValue, { freq: 4, nil: undefined }),
    fc.oneof(fc.constantFrom('k-1', 'k-2'), hostileValue),
    fc.oneof(fc.constant('billing'), hostileValue),
    fc.constantFrom<Slot | 'none' | 'hostile'>(
      'customer',
      'deal',
      'complaint',
      'activity',
      'none',
      'hostile',
    ),
    fc.option(fc.oneof(fc.integer({ min: -3, max: 5 }), hostileValue), { nil: undefined }),
    fc.option(fc.oneof(fc.constant('trace-1'), hostileValue), { nil: undefined }),
    fc.boolean(),
  )
  .chain(([command, spoiledCommand, key, system, target, revision, correlation, proto]) =>
    fc.tuple(spoiledBody(COMMAND_FIELDS[command]), hostileSegment).map(([data, hostile]) => {
      const entries: [string, Json][] = [
        ['command', spoiledCommand ?? command],
        ['idempotencyKey', key],
        ['system', system],
        ['data', data.json],
      ];
      if (target === 'hostile') entries.push(['targetId', hostile]);
      else if (target !== 'none') entries.push(['targetId', new Raw(`"@${target}"`)]);
      if (revision !== undefined) entries.push(['expectedRevision', revision]);
      if (correlation !== undefined) entries.push(['correlationId', correlation]);
      if (proto) entries.push(['__proto__', new Raw('{"polluted":"yes"}')]);
      const refuse = proto
        ? 'a __proto__ key'
        : data.refuse && !(data.json instanceof Raw)
          ? `data with ${data.refuse}`
          : undefined;
      return { json: new Obj(entries), ...(refuse && { refuse }) };
    }),
  );

function bodyFor(endpoint: Endpoint): fc.Arbitrary<Body> {
  if (endpoint.ingest) return ingestBody;
  return spoiledBody(endpoint.fields ?? []);
}

// ---------------------------------------------------------------------------------------------
// Requests and the oracle.

interface Case {
  endpoint: Endpoint;
  params?: Partial<Record<Slot, string>>;
  query?: string;
  body?: string;
  headers?: Record<string, string>;
  method?: string;
  /** Why the request is invalid whatever else it carries: it must not be accepted. */
  refuse?: string;
}

interface Outcome {
  problem?: string;
  /** What kind of problem, on which route: one example of each is reported. */
  signature?: string;
  response: HttpResponse;
}

/** What If-Match may hold: a stream revision (-1 for "no stream"), optionally quoted or weak. */
function isRevision(value: string): boolean {
  const match = /^\s*(?:W\/)?"?(-?\d{1,15})"?\s*$/.exec(value);
  return match !== null && Number(match[1]) >= -1;
}

const describeEndpoint = (e: Endpoint) => `${e.method} ${e.path}`;
const endpointArb = (list: Endpoint[]) =>
  fc
    .constantFrom(...list.map(describeEndpoint))
    .map((name) => list.find((e) => describeEndpoint(e) === name)!);

describe('hostile input on every endpoint (fast-check)', () => {
  let api: TestApi;
  const ids: Record<Slot, string> = {
    customer: '',
    victim: '',
    deal: '',
    complaint: '',
    case: '',
    activity: '',
    view: '',
    projection: 'customer-360',
    key: '',
    campaign: '',
  };
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  let requests = 0;

  beforeAll(async () => {
    api = await startTestApi();
    ids.customer = await createLead(api.client);
    ids.victim = await createLead(api.client);
    ids.deal = await openDeal(api.client, ids.customer);
    ids.complaint = await raiseComplaint(api.client, ids.customer);
    ids.case = (
      await api.client.as('support').post(`/customers/${ids.customer}/requests`, {
        type: 'question',
        subject: 'Fuzz question',
        description: 'How does it work?',
      })
    ).body.caseId;
    ids.activity = (
      await api.client.as('sales').post(`/customers/${ids.customer}/activities`, {
        kind: 'call',
        subject: 'Fuzz follow-up',
        dueAt: '2031-01-01T09:00:00Z',
      })
    ).body.activityId;
    ids.key = ids.customer;
    ids.campaign = (
      await api.client
        .as('marketing')
        .post('/campaigns', { name: 'Fuzz', channel: 'email', startsAt: '2026-01-01T00:00:00Z' })
    ).body.campaignId;
    ids.view = (await viewWhenProjected(api, 'sales', ids.customer)).id;
  });
  afterAll(() => api.close());

  const fill = (template: string, params: Partial<Record<Slot, string>> = {}) =>
    template.replace(/:(\w+)/g, (_, slot: Slot) => params[slot] ?? ids[slot]);

  /** Sends a case and judges the answer. */
  async function check(c: Case): Promise<Outcome> {
    const path = fill(c.endpoint.path, c.params) + (c.query ? `?${c.query}` : '');
    const body = c.body?.replace(
      /"@(customer|deal|complaint|victim)"/g,
      (_, slot: Slot) => `"${ids[slot]}"`,
    );
    const role = c.endpoint.role;
    // A case that brings its own Authorization header is sent without the role's token.
    const ownAuth = c.headers?.authorization !== undefined;
    const caller = role === 'anonymous' || ownAuth ? api.client.anonymous : api.client.as(role);
    const method = c.method ?? c.endpoint.method;
    const route = `${method} ${c.endpoint.path}`;
    const before = await api.eventStore.headPosition();
    let response: HttpResponse;
    try {
      response = await caller.send(method, path, undefined, {
        ...(body !== undefined && { raw: body }),
        headers: {
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...c.headers,
        },
      });
    } catch (error) {
      const empty = { status: 0, body: undefined, headers: {}, text: '' };
      return {
        problem: `the request failed in transport: ${(error as Error).message}`,
        signature: `transport ${route}`,
        response: empty,
      };
    }
    requests++;
    const appended: EventEnvelope[] = await api.eventStore.readAll({ after: before, limit: 100 });
    const shown = `${method} ${path.slice(0, 160)}${body ? ` ${body.slice(0, 300)}` : ''}${
      c.headers ? ` headers ${JSON.stringify(c.headers).slice(0, 300)}` : ''
    } → ${response.status} ${response.text.slice(0, 200)}`;
    const fail = (kind: string, what: string): Outcome => ({
      problem: `${what}: ${shown}`,
      signature: `${kind} ${route} ${response.status}`,
      response,
    });
    if (response.status >= 500) return fail('5xx', 'a 5xx');
    if (response.status < 400 && c.refuse) return fail('accepted', `accepted ${c.refuse}`);
    if (response.status >= 400) {
      const b = response.body as Record<string, unknown> | undefined;
      if (method !== 'HEAD') {
        if (!String(response.headers['content-type']).startsWith('application/json'))
          return fail('not-json', 'a 4xx without a JSON body');
        if (
          !b ||
          b.statusCode !== response.status ||
          typeof b.code !== 'string' ||
          !/^[A-Z][A-Z0-9_]*$/.test(b.code) ||
          typeof b.message !== 'string' ||
          typeof b.error !== 'string'
        )
          return fail('shape', 'a 4xx body not of the error shape');
      }
      const types = appended.map((e) => e.type).join(',');
      if (types !== (response.status === 403 ? 'AccessDenied' : ''))
        return fail('appended', `a ${response.status} appended [${types}]`);
    }
    const correlation = response.headers['x-correlation-id'];
    if (correlation !== undefined && !/^[\w.:@/-]{1,128}$/.test(correlation))
      return fail(
        'correlation',
        `an unsafe correlation id echoed (${JSON.stringify(correlation)})`,
      );
    return { response };
  }

  /**
   * Runs every generated case (a fixed seed: reproducible; RELIABILITY_SEED varies it) and
   * reports one example, the shortest, of each kind of problem per route. Every case runs even
   * after a failure, so one bug cannot hide another.
   */
  async function fuzz<T>(
    arb: fc.Arbitrary<T>,
    toCase: (value: T) => Case,
    numRuns: number,
    seedOffset: number,
  ): Promise<void> {
    const found = new Map<string, { problem: string; size: number }>();
    for (const value of fc.sample(arb, { numRuns, seed: SEED + seedOffset })) {
      const c = toCase(value);
      const outcome = await check(c);
      if (!outcome.problem) continue;
      const size =
        (c.body?.length ?? 0) + (c.query?.length ?? 0) + JSON.stringify(c.headers ?? {}).length;
      const known = found.get(outcome.signature!);
      if (!known || size < known.size)
        found.set(outcome.signature!, { problem: outcome.problem, size });
    }
    expect([...found.values()].map((f) => f.problem)).toEqual([]);
  }

  it('survives spoiled bodies on every command: JSON, types, unknown and prototype keys, sizes', async () => {
    const arb = endpointArb(WITH_BODY).chain((endpoint) =>
      bodyFor(endpoint).map((body) => ({ endpoint, body })),
    );
    await fuzz(
      arb,
      ({ endpoint, body }) => ({
        endpoint,
        body: serialize(body.json),
        ...(body.refuse && { refuse: body.refuse }),
      }),
      3000,
      1,
    );
  }, 120_000);

  it('refuses deeply nested bodies with a 4xx: arrays and objects, at the root and in a field', async () => {
    const arb = fc.record({
      endpoint: endpointArb(WITH_BODY),
      depth: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 200, max: 12_000 })),
      kind: fc.constantFrom<'array' | 'object' | 'mixed'>('array', 'object', 'mixed'),
      where: fc.constantFrom('root', 'field', 'ingest-data'),
    });
    await fuzz(
      arb,
      ({ endpoint, depth, kind, where }) => {
        const deep = deepText(depth, kind);
        const field = endpoint.fields?.[0]?.key ?? 'data';
        const body =
          where === 'root'
            ? deep
            : where === 'field' || !endpoint.ingest
              ? `{${JSON.stringify(field)}:${deep}}`
              : `{"command":"CreateLead","idempotencyKey":"deep","system":"fuzz","data":{"name":"a","source":"b","x":${deep}}}`;
        // No field takes nested structures (ingest's data takes one object, not this one).
        return { endpoint, body, refuse: `${kind} nesting ${depth} deep in ${where}` };
      },
      250,
      2,
    );
  }, 120_000);

  it('answers hostile path parameters and methods with a JSON 4xx', async () => {
    const arb = fc.record({
      endpoint: endpointArb(WITH_PARAMS),
      segment: hostileSegment,
      slotIndex: fc.nat({ max: 1 }),
      method: fc.option(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        { freq: 3, nil: undefined },
      ),
    });
    await fuzz(
      arb,
      ({ endpoint, segment, slotIndex, method }) => {
        const slots = [...endpoint.path.matchAll(/:(\w+)/g)].map((m) => m[1] as Slot);
        const slot = slots[Math.min(slotIndex, slots.length - 1)]!;
        const verb = method ?? endpoint.method;
        return {
          endpoint,
          params: { [slot]: segment },
          ...(method && { method }),
          ...(verb !== 'GET' && verb !== 'HEAD' && { body: '{}' }),
        };
      },
      1200,
      3,
    );
  }, 120_000);

  it('answers hostile query strings: repeated, unknown and prototype keys, thousands of params', async () => {
    const arb = fc.record({ endpoint: endpointArb(GETS), query: hostileQuery });
    await fuzz(arb, ({ endpoint, query }) => ({ endpoint, query }), 1200, 4);
  }, 120_000);

  it('answers hostile headers: If-Match, Idempotency-Key, X-Correlation-Id, X-Purpose, Content-Type, Authorization', async () => {
    const arb = endpointArb(ENDPOINTS).chain((endpoint) =>
      fc.record({
        endpoint: fc.constant(endpoint),
        body:
          endpoint.fields || endpoint.ingest
            ? bodyFor(endpoint).map((b) => serialize(b.json))
            : fc.constant(undefined),
        'if-match': fc.option(headerValue, { nil: undefined }),
        'idempotency-key': fc.option(headerValue, { nil: undefined }),
        'x-correlation-id': fc.option(headerValue, { nil: undefined }),
        'x-purpose': fc.option(headerValue, { nil: undefined }),
        'content-type': fc.oneof(
          { weight: 2, arbitrary: fc.constant(undefined) },
          {
            weight: 1,
            arbitrary: fc.oneof(
              fc.constantFrom(
                'text/plain',
                'application/json; charset=utf-8',
                'APPLICATION/JSON',
                'application/jsonx',
                'application/x-www-form-urlencoded',
                'multipart/form-data; boundary=----x',
                'application/json;charset=iso-8859-1',
                '*/*',
                '',
              ),
              headerValue,
            ),
          },
        ),
        // Mostly absent (the role's own token is sent), so the other headers get looked at.
        authorization: fc.oneof(
          { weight: 3, arbitrary: fc.constant(undefined) },
          {
            weight: 1,
            arbitrary: fc.oneof(
              fc.constantFrom(
                'Bearer',
                'Bearer ',
                'Basic dGVzdDp0ZXN0',
                `bearer ${TEST_TOKENS.admin}`,
                `Bearer ${TEST_TOKENS.admin} extra`,
                `Bearer  ${TEST_TOKENS.admin}`,
                `Token ${TEST_TOKENS.admin}`,
                `Bearer ${TEST_TOKENS.nobody}`,
                `Bearer ${TEST_TOKENS.analyst}`,
                'Bearer a.b.c',
                'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZXMiOlsiYWRtaW4iXX0.',
              ),
              headerValue.map((v) => `Bearer ${v}`),
              headerValue,
            ),
          },
        ),
      }),
    );
    const validTokens = new Set([
      `bearer ${TEST_TOKENS.admin}`,
      `Bearer ${TEST_TOKENS.nobody}`,
      `Bearer ${TEST_TOKENS.analyst}`,
    ]);
    await fuzz(
      arb,
      ({ endpoint, body, ...given }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(given))
          if (value !== undefined) headers[name] = value;
        const command = endpoint.fields !== undefined && !endpoint.path.startsWith('/admin');
        const key = headers['idempotency-key'];
        const ifMatch = headers['if-match'];
        const auth = headers.authorization;
        const refuse =
          auth !== undefined && endpoint.role !== 'anonymous' && !validTokens.has(auth)
            ? 'an invalid Authorization header'
            : command && key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)
              ? 'an invalid Idempotency-Key'
              : command && ifMatch !== undefined && !isRevision(ifMatch)
                ? 'an invalid If-Match'
                : undefined;
        return {
          endpoint,
          ...(body !== undefined && { body }),
          headers,
          ...(refuse && { refuse }),
        };
      },
      1500,
      5,
    );
  }, 120_000);

  it('keeps every accepted text as sent (unicode edge cases; names trimmed), or refuses it', async () => {
    const arb = fc.record({ name: edgeText(30), company: edgeText(30), subject: edgeText(30) });
    await fc.assert(
      fc.asyncProperty(arb, async ({ name, company, subject }) => {
        const created = await check({
          endpoint: commandEndpoint('CreateLead'),
          body: serialize(
            new Obj([
              ['name', name],
              ['source', 'fuzz'],
              ['company', company],
            ]),
          ),
        });
        if (created.problem) throw new Error(created.problem);
        if (created.response.status !== 201) return;
        const id = created.response.body.customerId as string;
        const contact = await check({
          endpoint: commandEndpoint('LogContact'),
          params: { customer: id },
          body: serialize(
            new Obj([
              ['channel', 'call'],
              ['direction', 'inbound'],
              ['subject', subject],
            ]),
          ),
        });
        if (contact.problem) throw new Error(contact.problem);
        const logged = contact.response.status === 201;
        const position = logged ? contact.response.body.position : created.response.body.position;
        const view = await api.client.as('sales').get(`/customers/${id}?minPosition=${position}`);
        expect({
          name: view.body.profile?.name,
          company: view.body.profile?.company,
          ...(logged && { subject: view.body.contacts?.recent?.[0]?.subject }),
          // Names and companies are stored without surrounding whitespace (README: Commands).
        }).toEqual({ name: name.trim(), company: company.trim(), ...(logged && { subject }) });
      }),
      { numRuns: 300, seed: SEED + 6 },
    );
  }, 120_000);

  it('accepts an amount only as a positive multiple of the currency minor unit', async () => {
    const MINOR: Record<string, number> = { EUR: 2, USD: 2, JPY: 0, BHD: 3 };
    const arb = fc.record({
      amount: fc.oneof(
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: -1e6, max: 1e20, noNaN: true }),
        fc.double({ min: Number.MIN_VALUE, max: 1e-3, noNaN: true }),
        fc.integer({ min: -5, max: 1_000_000 }),
        fc.constantFrom(1e-9, 1e-7, 0.004, 0.005, 0.015, 1.005, 5e-324, 2 ** 53, 1e15),
      ),
      currency: fc.constantFrom('EUR', 'USD', 'JPY', 'BHD'),
      onWin: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ amount, currency, onWin }) => {
        const deal = onWin
          ? await openDeal(api.client, ids.customer, { amount: 10, currency })
          : '';
        const result = await check({
          endpoint: commandEndpoint(onWin ? 'WinDeal' : 'OpenDeal'),
          params: { deal },
          body: serialize(
            onWin
              ? new Obj([['amount', amount]])
              : new Obj([
                  ['title', 'fuzz'],
                  ['amount', amount],
                  ['currency', currency],
                ]),
          ),
        });
        if (result.problem) throw new Error(result.problem);
        if (result.response.status === 201) {
          const scaled = amount * 10 ** MINOR[currency]!;
          expect({
            amount,
            currency,
            atLeastOneMinorUnit: Math.round(scaled) >= 1,
            noExtraDecimals: Math.abs(scaled - Math.round(scaled)) < 1e-6,
          }).toEqual({ amount, currency, atLeastOneMinorUnit: true, noExtraDecimals: true });
        }
      }),
      { numRuns: 400, seed: SEED + 7 },
    );
  }, 120_000);

  it('waits at most 5 s for a minPosition the read models have not reached, then 503 with Retry-After', async () => {
    const started = Date.now();
    const [customers, pipeline] = await Promise.all([
      api.client.as('sales').get('/customers?minPosition=999999999999'),
      api.client.as('analyst').get('/pipeline?minPosition=1e12'),
    ]);
    for (const response of [customers, pipeline]) {
      expect(response.status).toBe(503);
      expect(response.body.code).toBe('READ_MODEL_BEHIND');
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('is still up afterwards: a known-good command and query work, Object.prototype is untouched', async () => {
    expect(requests).toBeGreaterThan(7000);
    expect((await api.client.anonymous.get('/health')).status).toBe(200);
    const created = await api.client
      .as('sales')
      .post('/customers', { name: 'After Fuzz', source: 'fuzz' });
    expect(created.status).toBe(201);
    const view = await api.client
      .as('sales')
      .get(`/customers/${created.body.customerId}?minPosition=${created.body.position}`);
    expect(view.status).toBe(200);
    expect(view.body.profile.name).toBe('After Fuzz');
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
