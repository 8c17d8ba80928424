import type { Browser, BrowserContext, Page } from 'playwright-core';
import type {
  CampaignAnalyticsAnswer,
  CasesAnswer,
  ChurnRiskAnswer,
  ParkedAnswer,
  ServiceAnalyticsAnswer,
  SourceAnalyticsAnswer,
  PipelineAnswer,
  RetentionAnswer,
  SegmentsAnswer,
} from '@rapport/contracts';
import { dealStreamId } from '@rapport/domain';
import { newEvent } from '@rapport/event-store';
import jwt from 'jsonwebtoken';
import { TEST_JWT_SECRET, TEST_TOKENS } from '../support/api-harness';
import {
  launchChromium,
  open,
  signIn,
  startConsoleWorld,
  type ConsoleWorld,
} from '../support/console-harness';
import { eventually } from '../support/webhook-receiver';
import { createLead, expectCreated, openDeal } from '../support/world';

const pct = (share: number) =>
  `${new Intl.NumberFormat('en', { maximumFractionDigits: 2 }).format(Math.round(share * 1000) / 10)} %`;
const int = (n: number) => new Intl.NumberFormat('en').format(n);

/**
 * The console in headless Chromium against the embedded API with a seeded history: each
 * page shows the API's own figures, roles decide what a person sees, and every read is the
 * API's (masked, audited) read.
 */
describe('the browser console', () => {
  let world: ConsoleWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Script errors and Content-Security-Policy violations of the page (none expected). */
  let problems: string[];

  beforeAll(async () => {
    [world, browser] = await Promise.all([startConsoleWorld(3000), launchChromium()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.api.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    problems = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      // Chromium logs each 4xx/5xx answer; those are the messages under test, not problems.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        problems.push(message.text());
    });
  });
  afterEach(async () => {
    await context.close();
    expect(problems).toEqual([]);
  });

  const as = (role: 'analyst' | 'admin') => world.api.client.as(role);

  it('serves the page with its cache rules, and its hashed assets for good', async () => {
    const response = await page.request.get(`${world.baseUrl}/console`);
    expect(response.status()).toBe(200);
    expect(response.headers()['cache-control']).toBe('no-cache');
    expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
    const html = await response.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await page.request.get(`${world.baseUrl}${script}`);
    expect(asset.status()).toBe(200);
    expect(asset.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    const outside = await page.request.get(
      `${world.baseUrl}/console/assets/..%2F..%2Fpackage.json`,
    );
    expect(outside.status()).toBe(404);
  });

  it('refuses a wrong token at sign-in (401) and keeps a good one in session storage only', async () => {
    await page.goto(`${world.baseUrl}/console`);
    await page.getByLabel('Token (API key or JWT)').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('[data-status="401"]').textContent()).resolves.toContain(
      'Token refused (401)',
    );

    await signIn(page, world.baseUrl, 'analyst');
    await expect(page.locator('#signed-in-as').textContent()).resolves.toBe(
      'analyst-user (analyst)',
    );
    const stored = await page.evaluate(
      '[JSON.stringify(sessionStorage), JSON.stringify(localStorage), document.cookie]',
    );
    expect(stored).toEqual([expect.stringContaining(TEST_TOKENS.analyst), '{}', '']);
    const menu = await page.getByRole('navigation', { name: 'Console pages' }).textContent();
    expect(menu).toContain('Retention');
    expect(menu).not.toContain('Projections');
  });

  it('signs in with a JWT as well, and shows what its roles may read', async () => {
    const token = jwt.sign({ sub: 'jwt-auditor', roles: ['auditor'] }, TEST_JWT_SECRET, {
      algorithm: 'HS256',
      expiresIn: '1h',
    });
    await page.goto(`${world.baseUrl}/console`);
    await page.getByLabel('Token (API key or JWT)').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('#signed-in-as').textContent()).resolves.toBe(
      'jwt-auditor (auditor)',
    );
    const menu = page.getByRole('navigation', { name: 'Console pages' }).getByRole('link');
    expect(await menu.allTextContents()).toEqual(['Clients', 'Audit']);
  });

  it('says the read model is catching up on a 503, and shows the figures when tried again', async () => {
    await signIn(page, world.baseUrl, 'analyst');
    // The API's own 503 (read-your-writes timed out) as it answers it, once.
    await page.route(
      '**/analytics/retention',
      (route) =>
        route.fulfill({
          status: 503,
          headers: { 'Retry-After': '2', 'Content-Type': 'application/json' },
          body: JSON.stringify({
            statusCode: 503,
            code: 'READ_MODEL_BEHIND',
            message: 'the read model has not reached position 99 within 5 s',
          }),
        }),
      { times: 1 },
    );
    await open(page, '#/retention');
    const message = await page.locator('[data-status="503"]').textContent();
    expect(message).toContain('The read model is catching up (503)');
    expect(message).toContain('Try again in 2 s');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.locator('#churn-rate').waitFor();
  });

  it('shows the pipeline funnel, forecast and owners as the API counts them', async () => {
    const api: PipelineAnswer = (await as('analyst').get('/pipeline')).body;
    await signIn(page, world.baseUrl, 'analyst');
    await open(page, '#/pipeline');
    const rows = await page.locator('#stages tbody tr').allTextContents();
    expect(rows).toHaveLength(api.stages.length);
    api.stages.forEach((stage, i) => {
      expect(rows[i]).toContain(stage.stage);
      expect(rows[i]).toContain(int(stage.count));
    });
    expect(api.stages.reduce((n, s) => n + s.count, 0)).toBeGreaterThan(0);
    await expect(page.locator('.as-of').first().textContent()).resolves.toContain(
      `as of position ${int(api.position)}`,
    );
    expect(await page.locator('#owners tbody tr').count()).toBe(api.owners.length);
    expect(await page.locator('canvas').count()).toBeGreaterThanOrEqual(2);
  });

  it('shows a salesperson the pipeline of their own deals only', async () => {
    await signIn(page, world.baseUrl, 'sales');
    await open(page, '#/pipeline');
    await expect(page.locator('.as-of').first().textContent()).resolves.toContain(
      'deals of sales-user only',
    );
    const owners = await page.locator('#owners tbody tr').allTextContents();
    expect(owners).toEqual([expect.stringContaining('sales-user')]);
  });

  it('draws the retention heatmap and the churn rate', async () => {
    const api: RetentionAnswer = (await as('analyst').get('/analytics/retention')).body;
    expect(api.cohorts.length).toBeGreaterThan(3);
    await signIn(page, world.baseUrl, 'analyst');
    await open(page, '#/retention');
    expect(await page.locator('#cohorts tbody tr').count()).toBe(api.cohorts.length);
    const first = await page.locator('#cohorts tbody tr').first().textContent();
    expect(first).toContain(api.cohorts[0]!.cohort);
    expect(first).toContain(pct(api.cohorts[0]!.retention[0]!));
    await expect(page.locator('#churn-rate').textContent()).resolves.toBe(pct(api.churnRate));
  });

  it('lists clients by churn risk with their reasons, a page at a time', async () => {
    const first: ChurnRiskAnswer = (await as('analyst').get('/analytics/churn-risk?limit=25')).body;
    const cursor = encodeURIComponent(first.nextCursor!);
    const second: ChurnRiskAnswer = (
      await as('analyst').get(`/analytics/churn-risk?limit=25&cursor=${cursor}`)
    ).body;
    const api = { customers: [...first.customers, ...second.customers] };
    await signIn(page, world.baseUrl, 'analyst');
    await open(page, '#/churn-risk');
    const rows = page.locator('#ranking tbody tr');
    expect(await rows.count()).toBe(25);
    const top = await rows.first().textContent();
    expect(top).toContain(api.customers[0]!.customerId.slice(0, 8));
    expect(top).toContain(api.customers[0]!.reasons[0]!);
    await page.getByRole('button', { name: 'Load 25 more' }).click();
    await page.locator('#ranking tbody tr:nth-child(50)').waitFor();
    // Keyboard focus moves on to the first row added (the button is gone).
    await expect(page.evaluate('document.activeElement.textContent')).resolves.toContain(
      api.customers[25]!.customerId.slice(0, 8),
    );
    expect(await rows.nth(49).textContent()).toContain(api.customers[49]!.customerId.slice(0, 8));
  });

  it('shows the RFM grid, the Pareto share and curve, and a segment its clients page by page', async () => {
    const api: SegmentsAnswer = (await as('analyst').get('/analytics/segments')).body;
    await signIn(page, world.baseUrl, 'analyst');
    await open(page, '#/segments');
    await expect(page.locator('#pareto').textContent()).resolves.toBe(pct(api.paretoTopShare));
    // The curve as the API computed it: drawn, with its points in a table and its position.
    expect(api.paretoCurve).toHaveLength(20);
    await page.locator('#pareto-curve canvas').waitFor();
    await expect(page.locator('#pareto-curve canvas').getAttribute('aria-label')).resolves.toMatch(
      /^Pareto curve: cumulative share of revenue against share of clients/,
    );
    await page.locator('#pareto-curve summary').click();
    const points = await page.locator('#pareto-points tbody tr').allTextContents();
    expect(points).toEqual(api.paretoCurve.map((p) => pct(p.clientShare) + pct(p.revenueShare)));
    await expect(page.locator('#pareto-points caption').textContent()).resolves.toBe(
      `Pareto curve, as of position ${int(api.position)}`,
    );
    const biggest = api.segments
      .filter((s) => s.segment !== 'prospects')
      .sort((a, b) => b.customers - a.customers)[0]!;
    const tile = page.locator(`.tile[data-segment="${biggest.segment}"]`);
    await expect(tile.locator('.tile-count').textContent()).resolves.toBe(int(biggest.customers));
    await tile.click();
    await page.locator(`main[data-ready="/segments/${biggest.segment}"]`).waitFor();
    const shown = await page.locator('#clients tbody tr').count();
    expect(shown).toBe(Math.min(25, biggest.customers));
    if (biggest.customers > 25) {
      await page.getByRole('button', { name: 'Next page →' }).click();
      await page.getByRole('button', { name: '← Previous page' }).waitFor();
    }
  });

  it("shows an analyst a client's 360 and timeline with personal data masked, and no audit trail (403)", async () => {
    await signIn(page, world.baseUrl, 'analyst');
    await open(page, `#/clients/${world.graceId}`);
    const profile = await page.locator('#profile').textContent();
    expect(profile).toContain('[masked]');
    expect(profile).toContain('personal data masked for your role');
    expect(profile).not.toContain('Grace Hopper');
    expect(profile).toContain('Navy');
    const timeline = await page.locator('.timeline-list').textContent();
    expect(timeline).toContain('planned');
    expect(timeline).toContain('ActivityScheduled');
    expect(timeline).toContain('DealWon');
    expect(timeline).not.toContain('Quarterly review with Grace');
    await expect(page.locator('#trail [data-status="403"]').textContent()).resolves.toContain(
      'Not allowed (403)',
    );
  });

  it('shows a salesperson the same client in clear', async () => {
    await signIn(page, world.baseUrl, 'sales');
    await open(page, `#/clients/${world.graceId}`);
    await expect(page.locator('#profile').textContent()).resolves.toContain('Grace Hopper');
    await expect(page.locator('.timeline-list').textContent()).resolves.toContain(
      'Quarterly review with Grace',
    );
  });

  it("lets an auditor open a client's trail and find their own view recorded, with its purpose", async () => {
    const purpose = 'regulator request 2026-17';
    await signIn(page, world.baseUrl, 'auditor', purpose);
    await open(page, `#/clients/${world.graceId}`);
    await expect(page.locator('#profile [data-status="403"]').textContent()).resolves.toContain(
      'Not allowed (403)',
    );
    const trail = page.locator('.trail-list');
    await expect(trail.textContent()).resolves.toContain('LeadCreated');
    expect(await trail.textContent()).toContain('sales-user');
    // The first read is recorded once its answer went out: the refreshed trail shows it.
    const own = page.locator('.trail-list li[data-kind="view"][data-actor="auditor-user"]');
    while ((await own.count()) === 0) {
      await page.getByRole('button', { name: 'Refresh the trail' }).click();
      await page.locator('#trail .pager > :not(.loading)').waitFor();
    }
    const entry = await own.first().textContent();
    expect(entry).toContain('saw audit-trail');
    expect(entry).toContain(purpose);
  });

  it("shows an auditor the log's integrity and who was refused what, with their purpose", async () => {
    const refused = await world.api.client.as('sales').get(`/audit/customers/${world.graceId}`, {
      headers: { 'x-purpose': 'curious about Grace' },
    });
    expect(refused.status).toBe(403);
    await signIn(page, world.baseUrl, 'auditor');
    await open(page, '#/audit');
    await expect(page.locator('#integrity-status').textContent()).resolves.toMatch(
      /^Hash chain (intact|pending)/,
    );
    const denial = page.locator('#denial-table tbody tr', { hasText: 'curious about Grace' });
    while ((await denial.count()) === 0) {
      const more = page.locator('#denials').getByRole('button', { name: 'Load more' });
      if ((await more.count()) === 0) throw new Error('the denial is not listed');
      await more.click();
      await page.locator('#denials .pager > :not(.loading)').waitFor();
    }
    const row = await denial.textContent();
    expect(row).toContain('sales-user');
    expect(row).toContain(`GET /audit/customers/${world.graceId}`);
    expect(row).toContain('audit:read');
  });

  it('lets an admin start a rebuild, follow it and cancel it', async () => {
    await signIn(page, world.baseUrl, 'admin');
    await open(page, '#/projections');
    const before = (await as('admin').get('/admin/projections')).body;
    const row = page.locator('#projection-table tbody tr', { hasText: 'customer-360' });
    await expect(row.textContent()).resolves.toContain(int(before.headPosition));
    await row.getByRole('button', { name: 'Start rebuild' }).click();
    await page.getByText('Rebuild of customer-360: accepted.').waitFor();
    await page.locator('[data-rebuild-status]').first().waitFor();
    await row.getByRole('button', { name: 'Cancel rebuild' }).click();
    await page.getByText("Cancel of customer-360's rebuild: accepted.").waitFor();
    await row.locator('[data-rebuild-status="cancelled"]').waitFor();
    // Stopped where it was: the new generation waits, paused, to be resumed by a new start.
    await page.getByText(/customer-360: beside the live generation, generation 2 paused/).waitFor();
    const status = (await as('admin').get('/admin/projections')).body.projections.find(
      (p: { name: string }) => p.name === 'customer-360',
    );
    expect(status.rebuild.status).toBe('cancelled');
    expect(status.generation).toBe(1);
    expect(status.rebuild.position).toBeLessThan(status.headPosition);
  }, 60_000);

  /**
   * A client whose deal's win was imported in a currency no projection can count: the real
   * projector parks the client at that event, and the contact logged after it waits behind.
   */
  async function parkedClient(name: string): Promise<string> {
    const customerId = await createLead(world.api.client, { name });
    const dealId = await openDeal(world.api.client, customerId, { title: 'Imported deal' });
    const { revision } = await world.api.eventStore.readStream(dealStreamId(dealId));
    await world.api.eventStore.append({
      streams: [
        {
          streamId: dealStreamId(dealId),
          expectedRevision: revision,
          events: [
            newEvent(
              {
                type: 'DealWon',
                schemaVersion: 1,
                data: {
                  dealId,
                  customerId,
                  amount: 10,
                  currency: 'ZZZ',
                  openedAt: new Date().toISOString(),
                  wonAt: new Date().toISOString(),
                },
              },
              {
                customerId,
                actor: { id: 'import-job', roles: ['service'], kind: 'service' },
                correlationId: `import-${dealId}`,
                commandId: `import-${dealId}`,
                source: 'api',
              },
            ),
          ],
        },
      ],
    });
    expectCreated(
      await world.api.client.as('sales').post(`/customers/${customerId}/contacts`, {
        channel: 'call',
        direction: 'outbound',
        subject: 'Call after the import',
      }),
      'log contact',
    );
    // Parked, both of them: the failing win, then the contact behind it.
    await eventually(
      () => as('admin').get('/admin/projections/customer-360/parked?limit=500'),
      (answer) =>
        (answer.body as ParkedAnswer).parked.some((p) => p.key === customerId && p.events === 2),
    );
    return customerId;
  }

  it("lets an admin release a client a projection parked, and the client's 360 then shows what waited", async () => {
    const customerId = await parkedClient('Parked Person');
    const other = await parkedClient('Parked Too');
    // The API pages the list (key order, nextCursor).
    const first = (await as('admin').get('/admin/projections/customer-360/parked?limit=1'))
      .body as ParkedAnswer;
    expect(first.parked).toHaveLength(1);
    const second = (
      await as('admin').get(
        `/admin/projections/customer-360/parked?limit=1&cursor=${first.nextCursor}`,
      )
    ).body as ParkedAnswer;
    expect({ keys: [first, second].map((p) => p.parked[0]!.key), next: second.nextCursor }).toEqual(
      { keys: [customerId, other].sort(), next: null },
    );

    await signIn(page, world.baseUrl, 'admin');
    await open(page, `#/clients/${customerId}`);
    await expect(page.locator('#profile').textContent()).resolves.toMatch(/Contacts\s*0 /);
    await open(page, '#/projections');
    const row = page.locator('#projection-table tbody tr', { hasText: 'customer-360' });
    await row.getByRole('button', { name: '2 parked' }).click();
    const entry = page.locator('#parked-table tbody tr', { hasText: customerId });
    await expect(entry.textContent()).resolves.toContain('Not an ISO 4217 currency: ZZZ');
    await expect(entry.getByRole('link').allTextContents()).resolves.toEqual([
      customerId.slice(0, 8),
    ]);
    await entry.getByRole('button', { name: 'Skip failing event' }).click();
    await page
      .getByText(`Release of ${customerId} (skipping its failing event): accepted.`)
      .waitFor();
    await page
      .locator('#parked-table tbody tr', { hasText: customerId })
      .waitFor({ state: 'detached' });
    // The other one too: then none is left.
    const last = page.locator('#parked-table tbody tr', { hasText: other });
    await last.getByRole('button', { name: 'Skip failing event' }).click();
    await page.locator('#parked-table td.empty', { hasText: 'Nothing to show.' }).waitFor();
    await expect(row.getByRole('button', { name: /parked/ }).count()).resolves.toBe(0);

    await open(page, `#/clients/${customerId}`);
    const profile = await page.locator('#profile').textContent();
    expect(profile).toMatch(/Contacts\s*1 \(last /);
    expect(profile).toMatch(/Deals\s*1 open · 0 won/);
  });

  it('opens the page asked for once signed in (a link to a client)', async () => {
    await page.goto(`${world.baseUrl}/console#/clients/${world.graceId}`);
    await page.getByLabel('Token (API key or JWT)').fill(TEST_TOKENS.sales);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator(`main[data-ready="/clients/${world.graceId}"]`).waitFor();
    await expect(page.locator('#profile').textContent()).resolves.toContain('Grace Hopper');
  });

  it('says 401 when the stored token is no longer accepted, and 403 for a page the role may not read', async () => {
    await signIn(page, world.baseUrl, 'sales');
    await open(page, '#/retention');
    await expect(page.locator('[data-status="403"]').textContent()).resolves.toContain(
      'Not allowed (403)',
    );
    await page.evaluate(`sessionStorage.setItem('rapport.console.token', 'revoked-token')`);
    await open(page, '#/pipeline');
    const message = await page.locator('[data-status="401"]').textContent();
    expect(message).toContain('Not signed in (401)');
    await page.getByRole('link', { name: 'Sign in again' }).click();
    await page.getByLabel('Token (API key or JWT)').waitFor();
  });

  it('shows campaign performance and source effectiveness as the API counts them', async () => {
    const api: CampaignAnalyticsAnswer = (await as('analyst').get('/analytics/campaigns')).body;
    const sources: SourceAnalyticsAnswer = (await as('analyst').get('/analytics/sources?limit=25'))
      .body;
    const campaign = api.campaigns.find((c) => c.campaignId === world.campaignId)!;
    expect(campaign).toMatchObject({ members: 2, leads: 2 });
    await signIn(page, world.baseUrl, 'analyst');
    await open(page, '#/campaigns');
    const row = await page
      .locator('#campaign-table tbody tr', { hasText: 'Spring newsletter' })
      .textContent();
    expect(row).toContain('email');
    expect(row).toContain('clicked 1');
    expect(row).toContain(pct(campaign.responseRate!));
    expect(row).toContain('€400.00');
    expect(await page.locator('#source-table tbody tr').count()).toBe(sources.sources.length);
    await expect(page.locator('#source-table tbody tr').first().textContent()).resolves.toContain(
      sources.sources[0]!.source,
    );
    await expect(page.locator('.as-of').first().textContent()).resolves.toContain(
      `as of position ${int(api.position)}`,
    );
  });

  it('shows the service queue, most urgent first, and SLA compliance as the API counts them', async () => {
    const queue: CasesAnswer = (await as('analyst').get('/cases?limit=25')).body;
    const figures: ServiceAnalyticsAnswer = (await as('analyst').get('/analytics/service')).body;
    expect(queue.items.length).toBeGreaterThan(0);
    expect(figures.groups.length).toBeGreaterThan(0);
    await signIn(page, world.baseUrl, 'analyst');
    await open(page, '#/service');
    const rows = page.locator('#case-table tbody tr');
    expect(await rows.count()).toBe(queue.items.length);
    await expect(rows.first().textContent()).resolves.toContain(queue.items[0]!.caseId.slice(0, 8));
    const figureRows = page
      .locator('table', { hasText: 'Service figures per kind and category' })
      .locator('tbody tr');
    expect(await figureRows.count()).toBe(figures.groups.length);
    const first = figures.groups[0]!;
    await expect(figureRows.first().textContent()).resolves.toContain(first.category);
  });

  it('is keyboard navigable: the skip link comes first and leads to the content', async () => {
    await signIn(page, world.baseUrl, 'analyst');
    await open(page, '#/pipeline');
    await page.reload();
    await page.locator('main[data-ready="/pipeline"]').waitFor();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate('document.activeElement.textContent');
    expect(focused).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect(page.evaluate('document.activeElement.id')).resolves.toBe('main');
  });

  it('fits a narrow window (no page-wide horizontal scrolling)', async () => {
    await page.setViewportSize({ width: 360, height: 800 });
    await signIn(page, world.baseUrl, 'analyst');
    for (const route of ['#/pipeline', '#/retention', '#/segments', `#/clients/${world.graceId}`]) {
      await open(page, route);
      const [scroll, width] = (await page.evaluate(
        '[document.documentElement.scrollWidth, window.innerWidth]',
      )) as [number, number];
      expect({ route, scroll }).toEqual({ route, scroll: width });
    }
  });
});
