import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { SqliteEventStore } from '@rapport/event-store/adapters';
import {
  documentCollection,
  liveTargets,
  PROJECTIONS,
  ProjectionRunner,
  type StoredDocument,
} from '@rapport/read-models';
import { SqliteReadStore } from '@rapport/read-models/adapters';
import { TestClock } from '@rapport/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startTestApi, TEST_JWT_SECRET, type TestApi } from '../support/api-harness';
import { expectCreated } from '../support/world';

/**
 * A known population, built over HTTP at known times, and the exact figures every query
 * must then show. The figures are worked out by hand in the comments.
 */
describe('read side over HTTP: a known population', () => {
  let api: TestApi;
  let head = 0;
  const ids: Record<string, string> = {};
  const at = (day: string) => api.clock.set(`2026-${day}T09:00:00.000Z`);

  async function command(
    role: 'sales' | 'support' | 'marketing',
    path: string,
    body: Record<string, unknown>,
  ) {
    const response = await api.client.as(role).post(path, body);
    expectCreated(response, path);
    head = response.body.position;
    return response.body;
  }

  beforeAll(async () => {
    api = await startTestApi({ clock: new TestClock('2026-01-05T09:00:00.000Z') });
    at('01-05');
    ids.a = (
      await command('sales', '/customers', {
        name: 'Alice Archer',
        email: 'alice@example.com',
        source: 'web',
        ownerId: 'rep-1',
      })
    ).customerId;
    at('01-06');
    await command('sales', `/customers/${ids.a}/contacts`, {
      channel: 'call',
      direction: 'outbound',
      subject: 'Intro',
    });
    // Planned long after every figure below is taken: on the agenda, no sign of risk yet.
    await command('sales', `/customers/${ids.a}/activities`, {
      kind: 'meeting',
      subject: 'Yearly review',
      dueAt: '2030-01-07T09:00:00Z',
    });
    at('01-10');
    ids.b = (
      await command('sales', '/customers', { name: 'Bob Baker', source: 'fair', ownerId: 'rep-2' })
    ).customerId;
    ids.a1 = (
      await command('sales', `/customers/${ids.a}/deals`, {
        title: 'A1',
        amount: 1000,
        currency: 'EUR',
      })
    ).dealId;
    at('01-12');
    ids.b1 = (
      await command('sales', `/customers/${ids.b}/deals`, {
        title: 'B1',
        amount: 2000,
        currency: 'EUR',
      })
    ).dealId;
    at('01-15');
    await command('sales', `/deals/${ids.a1}/stage`, { stage: 'proposal' });
    at('01-20');
    await command('support', `/customers/${ids.a}/contacts`, {
      channel: 'email',
      direction: 'inbound',
      subject: 'Question',
    });
    at('01-31');
    await command('sales', `/deals/${ids.b1}/won`, {});
    at('02-01');
    await command('sales', `/deals/${ids.a1}/won`, { amount: 900 });
    ids.c = (
      await command('sales', '/customers', { name: 'Carol Cole', source: 'web', ownerId: 'rep-1' })
    ).customerId;
    at('02-02');
    ids.a2 = (
      await command('sales', `/customers/${ids.a}/deals`, {
        title: 'A2',
        amount: 500,
        currency: 'EUR',
      })
    ).dealId;
    ids.c1 = (
      await command('sales', `/customers/${ids.c}/deals`, {
        title: 'C1',
        amount: 300,
        currency: 'USD',
        stage: 'negotiation',
      })
    ).dealId;
    at('02-03');
    await command('sales', `/customers/${ids.c}/deals`, {
      title: 'C2',
      amount: 700,
      currency: 'EUR',
      stage: 'proposal',
    });
    at('03-01');
    await command('sales', `/deals/${ids.a2}/lost`, { reason: 'price' });
    ids.d = (
      await command('sales', '/customers', { name: 'Dan Dale', source: 'referral' })
    ).customerId;
    at('03-02');
    ids.d1 = (
      await command('sales', `/customers/${ids.d}/deals`, {
        title: 'D1',
        amount: 100,
        currency: 'EUR',
      })
    ).dealId;
    at('03-05');
    await command('support', `/customers/${ids.c}/complaints`, {
      category: 'quality',
      severity: 'critical',
      description: 'Broken on arrival',
    });
    at('03-12');
    await command('sales', `/deals/${ids.d1}/won`, {});
    at('03-15');
    ids.dk = (
      await command('support', `/customers/${ids.d}/complaints`, {
        category: 'billing',
        severity: 'low',
        description: 'Typo on invoice',
      })
    ).complaintId;
    at('03-20');
    await command('support', `/complaints/${ids.dk}/resolve`, {
      resolution: 'Reissued',
      satisfaction: 2,
    });
    at('04-10');
    await command('sales', `/customers/${ids.b}/churn`, { reason: 'closed shop' });
    // A campaign, planned only: no client's figure changes.
    await command('marketing', '/campaigns', {
      name: 'Summer',
      channel: 'web',
      startsAt: '2026-07-01T00:00:00Z',
    });
    at('06-15');
  });
  afterAll(() => api.close());

  const analyst = () => api.client.as('analyst');

  it('shows the pipeline: open deals per stage, weighted, win rate and cycle time', async () => {
    const response = await analyst().get(`/pipeline?minPosition=${head}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      stages: [
        { stage: 'qualification', count: 0, amount: {}, weightedAmount: {} },
        { stage: 'proposal', count: 1, amount: { EUR: 700 }, weightedAmount: { EUR: 280 } },
        { stage: 'negotiation', count: 1, amount: { USD: 300 }, weightedAmount: { USD: 210 } },
      ],
      won: { count: 3, amount: { EUR: 3000 } },
      lost: { count: 1, amount: { EUR: 500 } },
      // 3 won of 4 closed; cycles 22 (A1), 19 (B1) and 10 (D1) days.
      winRate: 0.75,
      averageCycleDays: 17,
    });
    expect(response.body.owners).toEqual(
      [
        {
          ownerId: 'rep-1',
          open: 2,
          amount: { EUR: 700, USD: 300 },
          weightedAmount: { EUR: 280, USD: 210 },
          won: 1,
          lost: 1,
          winRate: 0.5,
          averageCycleDays: 22,
        },
        {
          ownerId: 'rep-2',
          open: 0,
          amount: {},
          weightedAmount: {},
          won: 1,
          lost: 0,
          winRate: 1,
          averageCycleDays: 19,
        },
        {
          ownerId: null,
          open: 0,
          amount: {},
          weightedAmount: {},
          won: 1,
          lost: 0,
          winRate: 1,
          averageCycleDays: 10,
        },
      ].sort((x, y) => String(x.ownerId).localeCompare(String(y.ownerId))),
    );
  });

  it('shows monthly cohorts and their retention', async () => {
    const response = await analyst().get(`/analytics/retention?minPosition=${head}`);
    expect(response.body.cohorts).toEqual([
      { cohort: '2026-01', size: 1, retention: [1, 1, 1, 0, 0, 0] }, // B, churned in April
      { cohort: '2026-02', size: 1, retention: [1, 1, 1, 1, 1] }, // A
      { cohort: '2026-03', size: 1, retention: [1, 1, 1, 1] }, // D
    ]);
    expect(response.body.churnRate).toBe(0.3333);
  });

  it('ranks churn risk with its reasons', async () => {
    const response = await analyst().get(`/analytics/churn-risk?minPosition=${head}`);
    expect(response.body.customers).toEqual([
      {
        customerId: ids.c,
        status: 'lead',
        ownerId: 'rep-1',
        score: 34,
        reasons: [
          'never contacted in 134 days (benchmark: every 91 days)',
          '1 open complaint',
          '1 open critical complaint',
        ],
      },
      {
        customerId: ids.a,
        status: 'customer',
        ownerId: 'rep-1',
        score: 17,
        reasons: [
          'no contact for 146 days (benchmark: every 91 days)',
          '1 deal lost in the last 180 days',
        ],
      },
      {
        customerId: ids.d,
        status: 'customer',
        ownerId: null,
        score: 13,
        reasons: [
          'never contacted in 106 days (benchmark: every 91 days)',
          'low complaint satisfaction (2/5)',
        ],
      },
    ]);
    expect(response.body.nextCursor).toBeNull();
  });

  it('pages the churn ranking with nextCursor, and refuses a cursor it did not give', async () => {
    const first = await analyst().get(`/analytics/churn-risk?limit=2&minPosition=${head}`);
    expect(first.body.customers.map((c: { customerId: string }) => c.customerId)).toEqual([
      ids.c,
      ids.a,
    ]);
    const second = await analyst().get(
      `/analytics/churn-risk?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body).toMatchObject({ customers: [{ customerId: ids.d }], nextCursor: null });
    for (const cursor of ['nonsense', Buffer.from('["999|x"]').toString('base64url')])
      expect((await analyst().get(`/analytics/churn-risk?cursor=${cursor}`)).status).toBe(400);
  });

  it('shows RFM segments, the Pareto share and the Pareto curve', async () => {
    const response = await analyst().get(`/analytics/segments?minPosition=${head}`);
    // Recency B 135, A 134, D 95 days; one win each; revenue 2000, 900, 100.
    expect(response.body).toEqual({
      currency: 'EUR',
      segments: [
        { segment: 'champions', customers: 1 }, // D: R5 F5
        { segment: 'loyal-customers', customers: 1 }, // A: R4 F5
        { segment: 'cannot-lose-them', customers: 1 }, // B: R2 F5
        { segment: 'prospects', customers: 1 }, // C: no win
      ],
      paretoTopShare: 0.6667,
      // Top ⌈k × 3 / 20⌉ of the 3 clients with revenue: 1 client up to 30 %, 2 up to 65 %, then 3.
      paretoCurve: Array.from({ length: 20 }, (_, i) => ({
        clientShare: (i + 1) / 20,
        revenueShare: i < 6 ? 0.6667 : i < 13 ? 0.9667 : 1,
      })),
      // When the rankings job computed them (recency counts days up to then).
      asOf: expect.any(String),
      position: expect.any(Number),
    });
    const usd = await analyst().get('/analytics/segments?currency=USD');
    expect(usd.body.segments).toEqual([{ segment: 'prospects', customers: 4 }]);
    expect(usd.body).toMatchObject({ paretoTopShare: 0, paretoCurve: [] });
    expect((await analyst().get('/analytics/segments?currency=XYZ')).status).toBe(400);
  });

  it("shows a client's 360° view, in clear for sales and masked for analysts", async () => {
    const sales = await api.client.as('sales').get(`/customers/${ids.a}?minPosition=${head}`);
    expect(sales.status).toBe(200);
    expect(sales.body).toMatchObject({
      customerId: ids.a,
      status: 'customer',
      ownerId: 'rep-1',
      profile: { name: 'Alice Archer', email: 'alice@example.com', phone: null, company: null },
      contacts: {
        total: 2,
        byChannel: { call: 1, email: 1 },
        lastContactAt: '2026-01-20T09:00:00.000Z',
      },
      deals: { open: 0, won: 1, lost: 1, wonValue: { EUR: 900 } },
      complaints: { open: 0, resolved: 0, lastRaisedAt: null, averageSatisfaction: null },
      consents: {},
      churnRisk: { score: 17 },
      segment: 'loyal-customers',
      masked: false,
    });
    expect(sales.body.contacts.recent.map((c: { subject: string }) => c.subject)).toEqual([
      'Question',
      'Intro',
    ]);
    expect(sales.body.position).toBeGreaterThanOrEqual(head);

    const masked = await analyst().get(`/customers/${ids.a}`);
    expect(masked.body.profile).toEqual({
      name: '[masked]',
      email: '[masked]',
      phone: null,
      company: null,
    });
    expect(masked.body.contacts.recent.map((c: { subject: string }) => c.subject)).toEqual([
      '[masked]',
      '[masked]',
    ]);
    expect(masked.body.masked).toBe(true);
    expect(masked.body.deals).toEqual(sales.body.deals);
  });

  it('lists clients with filters and cursor pagination', async () => {
    const sales = api.client.as('sales');
    const all = await sales.get('/customers?limit=2');
    expect(all.body.items).toHaveLength(2);
    const rest = await sales.get(`/customers?limit=2&cursor=${all.body.nextCursor}`);
    expect(rest.body.nextCursor).toBeNull();
    const listed = [...all.body.items, ...rest.body.items].map(
      (c: { customerId: string }) => c.customerId,
    );
    expect(listed).toEqual([ids.a, ids.b, ids.c, ids.d].sort());

    const byStatus = await sales.get('/customers?status=customer');
    expect(byStatus.body.items.map((c: { customerId: string }) => c.customerId)).toEqual(
      [ids.a, ids.d].sort(),
    );
    const byOwner = await sales.get('/customers?ownerId=rep-1&status=lead');
    expect(byOwner.body.items).toEqual([
      expect.objectContaining({
        customerId: ids.c,
        name: 'Carol Cole',
        status: 'lead',
        churnRisk: { score: 34 },
        segment: 'prospects',
      }),
    ]);
    const bySegment = await sales.get('/customers?segment=champions');
    expect(bySegment.body.items.map((c: { customerId: string }) => c.customerId)).toEqual([ids.d]);
    expect((await sales.get('/customers?status=vip')).status).toBe(400);
    expect((await sales.get('/customers?limit=0')).status).toBe(400);
  });

  it('shows sales the pipeline of their own deals only', async () => {
    // rep-1's view, as analysts see it in owners[]: A1 won, A2 lost, A3 and A4 open.
    const everyone = await analyst().get(`/pipeline?minPosition=${head}`);
    const rep1 = everyone.body.owners.find((o: { ownerId: string }) => o.ownerId === 'rep-1');
    const own = await api.client
      .withToken(jwt.sign({ sub: 'rep-1', roles: ['sales'] }, TEST_JWT_SECRET, { expiresIn: 600 }))
      .get(`/pipeline?minPosition=${head}`);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      ownerId: 'rep-1',
      winRate: rep1.winRate,
      averageCycleDays: rep1.averageCycleDays,
      owners: [rep1],
    });
    const openCount = own.body.stages.reduce((n: number, s: { count: number }) => n + s.count, 0);
    expect(openCount).toBe(rep1.open);
    // A salesperson who owns no deal sees an empty pipeline, not someone else's.
    const none = await api.client.as('sales').get(`/pipeline?minPosition=${head}`);
    expect(none.body).toMatchObject({ ownerId: 'sales-user', owners: [], winRate: null });
  });

  it('answers 404 for an unknown client and 403 to roles without read access', async () => {
    expect(
      (await api.client.as('sales').get('/customers/00000000-0000-4000-8000-000000000000')).status,
    ).toBe(404);
    expect((await api.client.as('auditor').get(`/customers/${ids.a}`)).status).toBe(403);
    expect((await api.client.as('support').get('/analytics/retention')).status).toBe(403);
  });

  it('reports every projection caught up, in the admin API and in metrics', async () => {
    await analyst().get(`/pipeline?minPosition=${head}`);
    await analyst().get(`/customers/${ids.a}?minPosition=${head}`);
    const logHead = await api.eventStore.headPosition();
    await analyst().get(`/pipeline?minPosition=${logHead}`);
    await analyst().get(`/analytics/retention?minPosition=${logHead}`);
    const status = await api.client.as('admin').get('/admin/projections');
    expect(status.body.projections.map((p: { name: string }) => p.name)).toEqual([
      'customer-360',
      'sales-pipeline',
      'audit-trail',
      'activities',
      'timeline',
      'campaigns',
      'campaign-attribution',
      'service-cases',
    ]);
    const versions = Object.fromEntries(PROJECTIONS.map((p) => [p.name, p.version]));
    for (const projection of status.body.projections) {
      expect(projection).toMatchObject({
        version: versions[projection.name],
        generation: 1,
        status: 'live',
        parked: 0,
      });
      expect(projection.position).toBeGreaterThanOrEqual(logHead);
    }
    const metrics = await api.client.anonymous.get('/metrics');
    expect(metrics.text).toMatch(/rapport_projection_lag_events\{projection="customer-360"\} 0/);
    expect(metrics.text).toMatch(/rapport_commands_total\{command="CreateLead",outcome="ok"\} 4/);
  });

  it('produces identical documents when the whole log is projected again into a fresh store', async () => {
    const logHead = await api.eventStore.headPosition();
    await analyst().get(`/pipeline?minPosition=${logHead}`);
    await analyst().get(`/analytics/retention?minPosition=${logHead}`);
    const dir = mkdtempSync(join(tmpdir(), 'rapport-rebuild-'));
    const events = new SqliteEventStore({ file: join(api.dataDir, 'events.db') });
    const fresh = new SqliteReadStore(join(dir, 'read-models.db'));
    const live = new SqliteReadStore(join(api.dataDir, 'read-models.db'));
    try {
      const targets = await liveTargets(fresh, PROJECTIONS);
      await new ProjectionRunner(events, fresh, targets, { until: logHead, batchSize: 3 }).run();
      const liveTargetsNow = await liveTargets(live, PROJECTIONS);
      for (const [i, target] of targets.entries()) {
        const read = async (store: SqliteReadStore, collection: string) => {
          const docs: StoredDocument[] = [];
          for await (const page of store.scan(collection)) docs.push(...page);
          return docs;
        };
        const rebuilt = await read(fresh, documentCollection(target));
        expect(rebuilt.length).toBeGreaterThan(0);
        expect(rebuilt).toEqual(await read(live, documentCollection(liveTargetsNow[i]!)));
      }
    } finally {
      await fresh.close();
      await live.close();
      await events.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('waits for minPosition, and answers 503 with Retry-After when the read model cannot reach it', async () => {
    const created = await api.client.as('sales').post('/customers', { name: 'Eve', source: 'web' });
    const seen = await api.client
      .as('sales')
      .get(`/customers/${created.body.customerId}?minPosition=${created.body.position}`);
    expect(seen.status).toBe(200);
    const future = await api.client
      .as('sales')
      .get(
        `/customers/${created.body.customerId}?minPosition=${created.body.position + 1_000_000}`,
      );
    expect(future.status).toBe(503);
    expect(future.headers['retry-after']).toBe('1');
    expect(future.body.code).toBe('READ_MODEL_BEHIND');
  });
});
