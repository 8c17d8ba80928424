import { consoleAssetName } from '../support/console-build';
import { ReadAuditCoverage } from '../../apps/api/src/audit/read-audit.coverage';
import { startTestApi, type TestApi } from '../support/api-harness';
import { buildWorld, createLead, viewWhenProjected, type World } from '../support/world';

interface Seeded extends World {
  otherId: string;
  viewId: string;
  campaignId: string;
  head: number;
  subscriptionId: string;
}

/**
 * One call per GET route of the app, keyed by the route as Nest declares it. The first test
 * compares these keys with the routes the app really has (found by discovery), so a new read
 * endpoint fails here until it has a sample call, and then is checked like every other.
 */
const SAMPLE_CALLS: Record<string, (s: Seeded) => string> = {
  '/health': () => '/health',
  '/metrics': () => '/metrics',
  '/me': () => '/me',
  '/console': () => '/console',
  '/console/assets/:file': () => `/console/assets/${consoleAssetName()}`,
  '/customers/:id': (s) => `/customers/${s.customerId}?minPosition=${s.head}`,
  '/customers': (s) => `/customers?minPosition=${s.head}`,
  '/customers/:id/export': (s) => `/customers/${s.customerId}/export`,
  '/customers/:id/timeline': (s) => `/customers/${s.customerId}/timeline?minPosition=${s.head}`,
  '/activities': (s) => `/activities?minPosition=${s.head}`,
  '/analytics/activities': (s) => `/analytics/activities?minPosition=${s.head}`,
  '/pipeline': (s) => `/pipeline?minPosition=${s.head}`,
  '/analytics/retention': (s) => `/analytics/retention?minPosition=${s.head}`,
  '/analytics/churn-risk': (s) => `/analytics/churn-risk?minPosition=${s.head}`,
  '/analytics/segments': (s) => `/analytics/segments?minPosition=${s.head}`,
  '/campaigns': (s) => `/campaigns?minPosition=${s.head}`,
  '/campaigns/:id': (s) => `/campaigns/${s.campaignId}?minPosition=${s.head}`,
  '/analytics/campaigns': (s) => `/analytics/campaigns?minPosition=${s.head}`,
  '/analytics/sources': (s) => `/analytics/sources?minPosition=${s.head}`,
  '/audit/customers/:id': (s) => `/audit/customers/${s.customerId}?minPosition=${s.head}`,
  '/audit/customers/:id/state': (s) =>
    `/audit/customers/${s.customerId}/state?at=2030-01-01T00:00:00Z&minPosition=${s.head}`,
  '/audit/customers/:id/report': (s) =>
    `/audit/customers/${s.customerId}/report?format=csv&minPosition=${s.head}`,
  '/audit/views/:id': (s) => `/audit/views/${s.viewId}`,
  '/audit/denials': (s) => `/audit/denials?minPosition=${s.head}`,
  '/audit/exports': (s) => `/audit/exports?minPosition=${s.head}`,
  '/audit/integrity': () => '/audit/integrity',
  '/admin/projections': () => '/admin/projections',
  '/admin/projections/:name/parked': () => '/admin/projections/customer-360/parked',
  '/cases': (s) => `/cases?minPosition=${s.head}`,
  // A complaint's id is its case id.
  '/cases/:id': (s) => `/cases/${s.complaintId}?minPosition=${s.head}`,
  '/analytics/service': (s) => `/analytics/service?minPosition=${s.head}`,
  '/events': (s) => `/events?customerId=${s.customerId}`,
  '/subscriptions': () => '/subscriptions',
  '/subscriptions/:id/deliveries': (s) => `/subscriptions/${s.subscriptionId}/deliveries`,
};

/** Personal values of the seeded clients, as an answer would show them in clear. */
const PERSONAL_VALUES = ['Grace Hopper', 'grace@example.com', '+1 555 0100', 'Ada Second'];

describe('every read of client data is audited, route by route', () => {
  let api: TestApi;
  let seeded: Seeded;

  beforeAll(async () => {
    api = await startTestApi({ env: { CRM_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' } });
    // A webhook whose deliveries (to a closed port) name the clients created after it.
    const subscription = await api.client
      .as('admin')
      .post('/subscriptions', { url: 'http://127.0.0.1:9/hook' });
    expect(subscription.status).toBe(201);
    const world = await buildWorld(api.client);
    const otherId = await createLead(api.client, { name: 'Ada Second', email: 'ada@example.com' });
    // A planned call, so that the agenda and the timeline name a client.
    const planned = await api.client.as('sales').post(`/customers/${world.customerId}/activities`, {
      kind: 'call',
      subject: 'Call Grace Hopper back',
      dueAt: '2030-01-01T09:00:00Z',
    });
    expect(planned.status).toBe(201);
    // A refusal about a client, so that the list of denials names one.
    expect((await api.client.as('auditor').get(`/customers/${otherId}`)).status).toBe(403);
    const view = await viewWhenProjected(api, 'sales', world.customerId);
    // A campaign with the client as member and a response, so its figures count them.
    const campaign = await api.client
      .as('marketing')
      .post('/campaigns', { name: 'Audit', channel: 'email', startsAt: '2026-01-01T00:00:00Z' });
    const campaignId = campaign.body.campaignId as string;
    await api.client.as('marketing').post(`/campaigns/${campaignId}/launch`, {});
    await api.client
      .as('sales')
      .post(`/customers/${world.customerId}/consents`, { purpose: 'marketing', granted: true });
    await api.client
      .as('marketing')
      .post(`/campaigns/${campaignId}/members`, { customerIds: [world.customerId] });
    await api.client.as('marketing').post(`/campaigns/${campaignId}/responses`, {
      customerId: world.customerId,
      response: 'clicked',
    });
    seeded = {
      ...world,
      otherId,
      viewId: view.id,
      campaignId,
      head: await api.eventStore.headPosition(),
      subscriptionId: subscription.body.id,
    };
  });
  afterAll(() => api.close());

  it('has a sample call for every GET route of the app, and only for those', () => {
    const routes = api.app
      .get(ReadAuditCoverage)
      .routes()
      .map((route) => route.path);
    expect([...routes].sort()).toEqual(Object.keys(SAMPLE_CALLS).sort());
  });

  it.each(Object.keys(SAMPLE_CALLS))(
    'GET %s: an answer naming clients is in their trails; a route declared without client data names none',
    async (path) => {
      const route = api.app
        .get(ReadAuditCoverage)
        .routes()
        .find((r) => r.path === path);
      expect(route?.audit).toBeDefined();
      const purpose = `access test of ${path}`;
      const response = await api.client
        .as('admin')
        .get(SAMPLE_CALLS[path]!(seeded), { headers: { 'x-purpose': purpose } });
      expect({ path, status: response.status }).toEqual({ path, status: 200 });

      const named = [seeded.customerId, seeded.otherId].filter((id) => response.text.includes(id));
      const personal = PERSONAL_VALUES.filter((value) => response.text.includes(value));
      if (route!.audit!.kind === 'no-client-data') {
        expect({ path, named, personal }).toEqual({ path, named: [], personal: [] });
        return;
      }
      // Personal data in an answer always comes with the id of the client it belongs to.
      if (personal.length > 0) expect(named.length).toBeGreaterThan(0);
      const head = await api.eventStore.headPosition();
      for (const customerId of named) {
        const trail = await api.client
          .as('auditor')
          .get(`/audit/customers/${customerId}?minPosition=${head}&limit=1000`);
        const recorded = trail.body.entries.filter(
          (entry: { kind: string; actor: string; purpose?: string }) =>
            entry.kind === 'view' && entry.actor === 'admin-user' && entry.purpose === purpose,
        );
        expect({ path, customerId, recorded: recorded.length }).toEqual({
          path,
          customerId,
          recorded: 1,
        });
      }
    },
  );

  it('shows an auditor what a churn ranking showed: each client with their score and reasons', async () => {
    const purpose = 'replay of a ranking';
    const ranking = await api.client
      .as('analyst')
      .get(`/analytics/churn-risk?minPosition=${seeded.head}`, {
        headers: { 'x-purpose': purpose },
      });
    expect(ranking.status).toBe(200);
    const head = await api.eventStore.headPosition();
    const trail = await api.client
      .as('auditor')
      .get(`/audit/customers/${seeded.customerId}?minPosition=${head}&limit=1000`);
    const view = trail.body.entries.find(
      (entry: { purpose?: string }) => entry.purpose === purpose,
    );
    expect(view).toMatchObject({ kind: 'view', view: 'churn-risk', actor: 'analyst-user' });
    const replay = await api.client.as('auditor').get(`/audit/views/${view.eventId}`);
    expect(replay.body).toMatchObject({ view: 'churn-risk', replay: 'churn-risk' });
    const lines = (ranking.body.customers as { customerId: string; score: number }[]).map(
      ({ customerId, score }) => ({ customerId, score }),
    );
    expect(
      (replay.body.shown as { customerId: string; score: number }[])
        .map(({ customerId, score }) => ({ customerId, score }))
        .sort((a, b) => a.customerId.localeCompare(b.customerId)),
    ).toEqual(lines.sort((a, b) => a.customerId.localeCompare(b.customerId)));
  });
});
