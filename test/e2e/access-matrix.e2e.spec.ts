import type { IngestCommandType } from '@rapport/contracts';
import type { Role } from '@rapport/platform';
import { COMMAND_LIST } from '../../apps/api/src/commands/command.catalogue';
import { startTestApi, type TestApi } from '../support/api-harness';
import { buildWorld, viewWhenProjected, type World } from '../support/world';

/**
 * Every role against every endpoint, as the role table of API.md says (written out here on
 * purpose, not read from the code). Writes are sent with an unknown field, so an allowed role
 * gets 400 and nothing changes, while a refused one gets 403 — before validation.
 */
const ROLES: Role[] = ['sales', 'support', 'analyst', 'auditor', 'service', 'admin', 'marketing'];

interface Endpoint {
  method: 'GET' | 'POST' | 'PATCH';
  path: (w: MatrixWorld) => string;
  allowed: Role[];
  /** The denial names this client in its path. */
  customerScoped?: boolean;
}

const write = { sneaky: 'unknown field' };

type MatrixWorld = World & { viewId: string; campaignId: string };

/**
 * Who may run each command, as API.md's role table says. Keyed by command name: the compiler
 * refuses a command without its expected roles, and the endpoints below are every command's
 * route as its definition states it, so no command escapes the matrix.
 */
const COMMAND_ROLES: Record<IngestCommandType, Role[]> = {
  CreateLead: ['sales', 'service'],
  LogContact: ['sales', 'support', 'service'],
  OpenDeal: ['sales', 'service'],
  ChangeDealStage: ['sales', 'service'],
  WinDeal: ['sales', 'service'],
  LoseDeal: ['sales', 'service'],
  RaiseComplaint: ['support', 'service'],
  ResolveComplaint: ['support', 'service'],
  ChurnCustomer: ['sales', 'support', 'service'],
  SetConsent: ['sales', 'support', 'service'],
  AssignOwner: ['sales', 'service'],
  CorrectProfile: ['sales', 'support', 'service'],
  EraseCustomer: [],
  ScheduleActivity: ['sales', 'support', 'service'],
  RescheduleActivity: ['sales', 'support', 'service'],
  ReassignActivity: ['sales', 'support', 'service'],
  CompleteActivity: ['sales', 'support', 'service'],
  CancelActivity: ['sales', 'support', 'service'],
  PlanCampaign: ['marketing', 'service'],
  LaunchCampaign: ['marketing', 'service'],
  CloseCampaign: ['marketing', 'service'],
  RecordCampaignCost: ['marketing', 'service'],
  AddCampaignMembers: ['marketing', 'service'],
  RecordCampaignResponse: ['marketing', 'service'],
  OpenServiceRequest: ['support', 'service'],
  AssignCase: ['support', 'service'],
  RespondToCase: ['support', 'service'],
  ChangeCaseStatus: ['support', 'service'],
  ResolveCase: ['support', 'service'],
  ReopenCase: ['support', 'service'],
};

const idOf = (w: MatrixWorld, target: string) =>
  target === 'deal'
    ? w.dealId
    : target === 'complaint' || target === 'case'
      ? w.complaintId
      : target === 'campaign'
        ? w.campaignId
        : w.customerId;

const COMMAND_ENDPOINTS: Endpoint[] = COMMAND_LIST.map((definition) => ({
  method: definition.http.method,
  path: (w) => definition.http.path.replace(':id', idOf(w, definition.target)),
  allowed: COMMAND_ROLES[definition.name],
  customerScoped: definition.http.path.startsWith('/customers/:id'),
}));

const ENDPOINTS: Endpoint[] = [
  ...COMMAND_ENDPOINTS,
  { method: 'POST', path: () => '/ingest', allowed: ['service'] },
  {
    method: 'GET',
    path: (w) => `/customers/${w.customerId}`,
    allowed: ['sales', 'support', 'analyst'],
    customerScoped: true,
  },
  { method: 'GET', path: () => '/customers', allowed: ['sales', 'support', 'analyst'] },
  {
    method: 'GET',
    path: (w) => `/customers/${w.customerId}/export`,
    allowed: ['support'],
    customerScoped: true,
  },
  {
    method: 'GET',
    path: (w) => `/customers/${w.customerId}/timeline`,
    allowed: ['sales', 'support', 'analyst'],
    customerScoped: true,
  },
  { method: 'GET', path: () => '/activities', allowed: ['sales', 'support', 'analyst'] },
  { method: 'GET', path: () => '/analytics/activities', allowed: ['sales', 'support', 'analyst'] },
  { method: 'GET', path: () => '/pipeline', allowed: ['sales', 'analyst'] },
  { method: 'GET', path: () => '/analytics/retention', allowed: ['analyst'] },
  { method: 'GET', path: () => '/analytics/churn-risk', allowed: ['analyst'] },
  { method: 'GET', path: () => '/analytics/segments', allowed: ['analyst'] },
  { method: 'GET', path: () => '/campaigns', allowed: ['marketing', 'analyst'] },
  { method: 'GET', path: (w) => `/campaigns/${w.campaignId}`, allowed: ['marketing', 'analyst'] },
  { method: 'GET', path: () => '/analytics/campaigns', allowed: ['marketing', 'analyst'] },
  { method: 'GET', path: () => '/analytics/sources', allowed: ['marketing', 'analyst'] },
  { method: 'GET', path: () => '/cases', allowed: ['sales', 'support', 'analyst'] },
  {
    method: 'GET',
    path: (w) => `/cases/${w.complaintId}`,
    allowed: ['sales', 'support', 'analyst'],
  },
  { method: 'GET', path: () => '/analytics/service', allowed: ['support', 'analyst'] },
  {
    method: 'GET',
    path: (w) => `/audit/customers/${w.customerId}`,
    allowed: ['auditor'],
    customerScoped: true,
  },
  {
    method: 'GET',
    path: (w) => `/audit/customers/${w.customerId}/state?at=2030-01-01T00:00:00Z`,
    allowed: ['auditor'],
    customerScoped: true,
  },
  { method: 'GET', path: (w) => `/audit/views/${w.viewId}`, allowed: ['auditor'] },
  { method: 'GET', path: () => '/audit/denials', allowed: ['auditor'] },
  { method: 'GET', path: () => '/audit/exports', allowed: ['auditor'] },
  {
    method: 'GET',
    path: (w) => `/audit/customers/${w.customerId}/report?format=csv`,
    allowed: ['auditor'],
    customerScoped: true,
  },
  { method: 'GET', path: () => '/audit/integrity', allowed: ['auditor'] },
  // Who the token is: any role may ask (the console's sign-in).
  { method: 'GET', path: () => '/me', allowed: [...ROLES] },
  { method: 'GET', path: () => '/admin/projections', allowed: [] },
  { method: 'GET', path: () => '/admin/projections/customer-360/parked', allowed: [] },
  {
    method: 'POST',
    path: (w) => `/admin/projections/customer-360/parked/${w.customerId}/release`,
    allowed: [],
  },
];

describe('the role matrix, endpoint by endpoint', () => {
  let api: TestApi;
  let world: MatrixWorld;

  beforeAll(async () => {
    api = await startTestApi();
    const base = await buildWorld(api.client);
    const view = await viewWhenProjected(api, 'sales', base.customerId);
    const campaign = await api.client
      .as('marketing')
      .post('/campaigns', { name: 'Matrix', channel: 'email', startsAt: '2026-01-01T00:00:00Z' });
    world = { ...base, viewId: view.id, campaignId: campaign.body.campaignId };
  });
  afterAll(() => api.close());

  const call = (role: Role | 'anonymous', endpoint: Endpoint) => {
    const caller = role === 'anonymous' ? api.client.anonymous : api.client.as(role);
    const body = endpoint.method === 'GET' ? undefined : write;
    return caller.send(endpoint.method, endpoint.path(world), body, {
      headers: { 'x-purpose': `matrix-${role}` },
    });
  };

  describe.each(
    ENDPOINTS.map(
      (e) =>
        [
          `${e.method} ${e.path({ customerId: ':id', dealId: ':id', complaintId: ':id', viewId: ':id', campaignId: ':id' })}`,
          e,
        ] as const,
    ),
  )('%s', (_, endpoint) => {
    it('refuses a missing token with 401', async () => {
      expect((await call('anonymous', endpoint)).status).toBe(401);
    });

    it.each(ROLES)('answers %s as the matrix says, recording every refusal', async (role) => {
      const response = await call(role, endpoint);
      const allowed = role === 'admin' || endpoint.allowed.includes(role);
      if (allowed) {
        expect({ role, status: response.status }).not.toEqual({ role, status: 403 });
        expect(response.status).not.toBe(401);
        return;
      }
      expect({ role, status: response.status, code: response.body.code }).toEqual({
        role,
        status: 403,
        code: 'FORBIDDEN',
      });
      const head = await api.eventStore.headPosition();
      const denials = await api.client
        .as('auditor')
        .get(`/audit/denials?minPosition=${head}&limit=1000`);
      const path = endpoint.path(world).split('?')[0];
      const mine = denials.body.entries.filter(
        (e: { actor: string; request: string; purpose: string }) =>
          e.actor === `${role}-user` &&
          e.request === `${endpoint.method} ${path}` &&
          e.purpose === `matrix-${role}`,
      );
      expect(mine).toHaveLength(1);
      if (endpoint.customerScoped) {
        const trail = await api.client
          .as('auditor')
          .get(`/audit/customers/${world.customerId}?limit=1000`);
        expect(
          trail.body.entries.some(
            (e: { kind: string; actor: string; request: string }) =>
              e.kind === 'denied' &&
              e.actor === `${role}-user` &&
              e.request === `${endpoint.method} ${path}`,
          ),
        ).toBe(true);
      }
    });
  });

  it('keeps operations endpoints public', async () => {
    for (const path of ['/health', '/metrics', '/docs-json', '/console']) {
      expect((await api.client.anonymous.get(path)).status).toBe(200);
    }
  });
});
