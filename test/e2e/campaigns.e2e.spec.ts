import { campaignStreamId, customerStreamId } from '@rapport/domain';
import { startTestApi, type TestApi, type TestRole } from '../support/api-harness';
import { createLead, unknownId } from '../support/world';

describe('campaigns: planning, launching, closing, costs', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const plan = (body: Record<string, unknown> = {}, role: TestRole = 'marketing') =>
    api.client.as(role).post('/campaigns', {
      name: 'Spring newsletter',
      channel: 'email',
      startsAt: '2026-02-01T08:00:00+01:00',
      budget: { amount: 5000, currency: 'EUR' },
      ...body,
    });
  const step = (
    campaignId: string,
    path: string,
    body: unknown = {},
    headers: Record<string, string> = {},
    role: TestRole = 'marketing',
  ) => api.client.as(role).post(`/campaigns/${campaignId}/${path}`, body, { headers });

  it('plans a campaign for the marketing purpose, answering its id, revision and location', async () => {
    const answer = await plan();
    expect(answer.status).toBe(201);
    const { campaignId } = answer.body;
    expect(answer.body).toMatchObject({ campaignId, customerId: campaignId, revision: 0 });
    expect(answer.headers.location).toBe(`/campaigns/${campaignId}`);
    const { events } = await api.eventStore.readStream(campaignStreamId(campaignId));
    expect(events[0]).toMatchObject({
      type: 'CampaignPlanned',
      data: {
        name: 'Spring newsletter',
        channel: 'email',
        startsAt: '2026-02-01T07:00:00.000Z',
        budget: { amount: 5000, currency: 'EUR' },
        purpose: 'marketing',
      },
    });
  });

  it('launches once, closes once, never before the launch (409 with a code)', async () => {
    const { campaignId } = (await plan()).body;
    expect((await step(campaignId, 'close')).body.code).toBe('CAMPAIGN_NOT_LAUNCHED');
    const launched = await step(campaignId, 'launch');
    expect(launched.status).toBe(201);
    expect(launched.body).toMatchObject({ campaignId, revision: 1 });
    const again = await step(campaignId, 'launch');
    expect([again.status, again.body.code]).toEqual([409, 'CAMPAIGN_ALREADY_LAUNCHED']);
    expect((await step(campaignId, 'close')).status).toBe(201);
    const twice = await step(campaignId, 'close');
    expect([twice.status, twice.body.code]).toEqual([409, 'CAMPAIGN_ALREADY_CLOSED']);
  });

  it("records costs in the budget's currency and refuses another with a code", async () => {
    const { campaignId } = (await plan()).body;
    const cost = await step(campaignId, 'costs', {
      amount: 1200.5,
      currency: 'EUR',
      note: 'print',
    });
    expect(cost.status).toBe(201);
    const head = await api.eventStore.headPosition();
    const other = await step(campaignId, 'costs', { amount: 100, currency: 'USD' });
    expect([other.status, other.body.code]).toEqual([422, 'COST_CURRENCY_MISMATCH']);
    expect(await api.eventStore.headPosition()).toBe(head);
  });

  it('refuses an invalid body (400, every field), an unknown campaign (404), appending nothing', async () => {
    const head = await api.eventStore.headPosition();
    const invalid = await plan({
      channel: 'pigeon',
      startsAt: '2026-02-01',
      budget: { amount: -1 },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'budget.amount',
      'budget.currency',
      'channel',
      'startsAt',
    ]);
    const period = await plan({ endsAt: '2026-01-01T00:00:00Z' });
    expect([period.status, period.body.code]).toEqual([422, 'INVALID_PERIOD']);
    for (const path of ['launch', 'close']) {
      const answer = await step(unknownId(), path);
      expect([answer.status, answer.body.code]).toEqual([404, 'CAMPAIGN_NOT_FOUND']);
    }
    expect((await step('not-an-id', 'launch')).status).toBe(404);
    expect(await api.eventStore.headPosition()).toBe(head);
  });

  it('is for marketing and internal systems; sales and analysts are refused (403), no token 401', async () => {
    expect((await plan({}, 'sales')).status).toBe(403);
    expect((await plan({}, 'analyst')).status).toBe(403);
    expect((await api.client.anonymous.post('/campaigns', {})).status).toBe(401);
    expect((await plan({}, 'service')).status).toBe(201);
  });

  it('honours If-Match and answers a retry with the same Idempotency-Key with the first result', async () => {
    const { campaignId } = (await plan()).body;
    const stale = await step(campaignId, 'launch', {}, { 'if-match': '3' });
    expect(stale.status).toBe(409);
    const headers = { 'idempotency-key': `launch-${campaignId}`, 'if-match': '0' };
    const first = await step(campaignId, 'launch', {}, headers);
    const retry = await step(campaignId, 'launch', {}, headers);
    expect(first.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  it('is accepted from marketing tools through ingest', async () => {
    const planned = await api.client.as('service').post('/ingest', {
      command: 'PlanCampaign',
      idempotencyKey: 'mailer-plan-1',
      system: 'mailer',
      data: { name: 'Webinar', channel: 'event', startsAt: '2026-03-01T10:00:00Z' },
    });
    expect(planned.status).toBe(201);
    const launched = await api.client.as('service').post('/ingest', {
      command: 'LaunchCampaign',
      idempotencyKey: 'mailer-launch-1',
      system: 'mailer',
      targetId: planned.body.campaignId,
      data: {},
    });
    expect(launched.body.events.map((e: { type: string }) => e.type)).toEqual(['CampaignLaunched']);
  });
});

describe('campaign members and responses: consent rules end to end', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const consent = (customerId: string, granted: boolean, purpose = 'marketing') =>
    api.client.as('sales').post(`/customers/${customerId}/consents`, { purpose, granted });
  const client = async (granted?: boolean) => {
    const customerId = await createLead(api.client);
    if (granted !== undefined) await consent(customerId, granted);
    return customerId;
  };
  const running = async () => {
    const { campaignId } = (
      await api.client
        .as('marketing')
        .post('/campaigns', { name: 'Launch', channel: 'email', startsAt: '2026-01-01T00:00:00Z' })
    ).body;
    await api.client.as('marketing').post(`/campaigns/${campaignId}/launch`, {});
    return campaignId as string;
  };
  const add = (campaignId: string, customerIds: string[], headers: Record<string, string> = {}) =>
    api.client
      .as('marketing')
      .post(`/campaigns/${campaignId}/members`, { customerIds }, { headers });
  const respond = (
    campaignId: string,
    body: Record<string, unknown>,
    role: TestRole = 'marketing',
  ) => api.client.as(role).post(`/campaigns/${campaignId}/responses`, body);

  it('adds only clients with a current grant and lists every other one in skipped, with the reason', async () => {
    const campaignId = await running();
    const granted = await client(true);
    const revoked = await client(false);
    const silent = await client();
    const erased = await client(true);
    await api.client.as('admin').post(`/customers/${erased}/erasure`, { reason: 'GDPR' });
    const nobody = unknownId();

    const answer = await add(campaignId, [granted, revoked, silent, erased, nobody, granted]);
    expect(answer.status).toBe(201);
    expect(answer.body.added).toEqual([granted]);
    expect(answer.body.skipped).toEqual([
      { customerId: revoked, reason: 'consent-revoked' },
      { customerId: silent, reason: 'no-consent' },
      { customerId: erased, reason: 'erased' },
      { customerId: nobody, reason: 'unknown' },
      { customerId: granted, reason: 'duplicate' },
    ]);
    const again = await add(campaignId, [granted]);
    expect([again.status, again.body.code]).toEqual([409, 'NO_ELIGIBLE_MEMBERS']);
    expect(again.body.details.skipped).toEqual([{ customerId: granted, reason: 'already-member' }]);
  });

  it('answers a retried batch with the same members and skipped, appending nothing', async () => {
    const campaignId = await running();
    const granted = await client(true);
    const silent = await client();
    const headers = { 'idempotency-key': `batch-${campaignId}` };
    const first = await add(campaignId, [granted, silent], headers);
    const head = await api.eventStore.headPosition();
    const retry = await add(campaignId, [granted, silent], headers);
    expect(retry.body).toEqual(first.body);
    expect(retry.body.skipped).toEqual([{ customerId: silent, reason: 'no-consent' }]);
    expect(await api.eventStore.headPosition()).toBe(head);
  });

  it('answers a batch pushed through POST /ingest with the same added and skipped as its route', async () => {
    const campaignId = await running();
    const granted = await client(true);
    const silent = await client();
    const nobody = unknownId();
    const message = {
      command: 'AddCampaignMembers',
      idempotencyKey: `members-${campaignId}`,
      system: 'marketing-tool',
      targetId: campaignId,
      data: { customerIds: [granted, silent, nobody] },
    };
    const pushed = await api.client.as('service').post('/ingest', message);
    expect(pushed.status).toBe(201);
    expect(pushed.body).toMatchObject({ campaignId, added: [granted] });
    expect(pushed.body.skipped).toEqual([
      { customerId: silent, reason: 'no-consent' },
      { customerId: nobody, reason: 'unknown' },
    ]);
    // A retry of the message is answered the same, appending nothing.
    const head = await api.eventStore.headPosition();
    const retried = await api.client.as('service').post('/ingest', message);
    expect(retried.body).toEqual(pushed.body);
    expect(await api.eventStore.headPosition()).toBe(head);
  });

  it('refuses a batch that is not 1 to 1000 client ids (400)', async () => {
    const campaignId = await running();
    expect((await add(campaignId, [])).status).toBe(400);
    expect((await add(campaignId, ['not-a-uuid'])).status).toBe(400);
    const many = Array.from({ length: 1001 }, () => unknownId());
    expect((await add(campaignId, many)).status).toBe(400);
  });

  it('takes responses from members only (409 NOT_A_MEMBER), on the campaign and the client', async () => {
    const campaignId = await running();
    const member = await client(true);
    const outsider = await client(true);
    await add(campaignId, [member]);
    const opened = await respond(campaignId, { customerId: member, response: 'opened' });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ campaignId, customerId: member });
    const refused = await respond(campaignId, { customerId: outsider, response: 'clicked' });
    expect([refused.status, refused.body.code]).toEqual([409, 'NOT_A_MEMBER']);
    const invalid = await respond(campaignId, { customerId: member, response: 'liked' });
    expect(invalid.status).toBe(400);
    expect((await respond(unknownId(), { customerId: member, response: 'opened' })).status).toBe(
      404,
    );
    expect(
      (await respond(campaignId, { customerId: member, response: 'opened' }, 'sales')).status,
    ).toBe(403);
  });

  it('an unsubscribe revokes the consent in the same append: the 360 view shows it, later batches skip the client', async () => {
    const campaignId = await running();
    const member = await client(true);
    await add(campaignId, [member]);
    const answer = await respond(campaignId, { customerId: member, response: 'unsubscribed' });
    expect(answer.status).toBe(201);
    expect(
      answer.body.events.map((e: { type: string; streamId: string }) => [e.type, e.streamId]),
    ).toEqual([
      ['CampaignResponseRecorded', campaignStreamId(campaignId)],
      ['ConsentRevoked', customerStreamId(member)],
    ]);
    const view = await api.client
      .as('sales')
      .get(`/customers/${member}?minPosition=${answer.body.position}`);
    expect(view.body.consents).toEqual({ marketing: false });

    const next = await running();
    const refused = await add(next, [member]);
    expect([refused.status, refused.body.code]).toEqual([409, 'NO_ELIGIBLE_MEMBERS']);
    expect(refused.body.details.skipped).toEqual([
      { customerId: member, reason: 'consent-revoked' },
    ]);
  });

  it('takes responses after the close only within the grace period (14 days by default)', async () => {
    const campaignId = await running();
    const member = await client(true);
    await add(campaignId, [member]);
    await api.client.as('marketing').post(`/campaigns/${campaignId}/close`, {});
    const closedAt = api.clock.now().toISOString();
    api.clock.advanceDays(20);
    const late = await respond(campaignId, { customerId: member, response: 'clicked' });
    expect([late.status, late.body.code]).toEqual([409, 'CAMPAIGN_RESPONSE_TOO_LATE']);
    const backdated = new Date(Date.parse(closedAt) + 3 * 86_400_000).toISOString();
    const inTime = await respond(campaignId, {
      customerId: member,
      response: 'clicked',
      occurredAt: backdated,
    });
    expect(inTime.status).toBe(201);
  });

  it("shows a member's responses in their audit trail, and no other member's", async () => {
    const campaignId = await running();
    const mine = await client(true);
    const other = await client(true);
    await add(campaignId, [mine, other]);
    await respond(campaignId, { customerId: mine, response: 'opened' });
    const last = await respond(campaignId, { customerId: other, response: 'clicked' });
    const trail = await api.client
      .as('auditor')
      .get(`/audit/customers/${mine}?minPosition=${last.body.position}&limit=1000`);
    const responses = trail.body.entries.filter(
      (e: { type: string }) => e.type === 'CampaignResponseRecorded',
    );
    expect(responses).toHaveLength(1);
    const joined = trail.body.entries.filter(
      (e: { type: string }) => e.type === 'CampaignMembersAdded',
    );
    expect(joined).toEqual([
      expect.objectContaining({
        kind: 'change',
        changes: [{ field: `campaigns.${campaignId}.member`, from: null, to: true }],
      }),
    ]);
    expect(responses[0].changes).toEqual([
      { field: `campaigns.${campaignId}.lastResponse`, from: null, to: 'opened' },
      { field: `campaigns.${campaignId}.lastResponseAt`, from: null, to: expect.any(String) },
    ]);
  });

  it('accepts responses pushed in bulk through ingest', async () => {
    const campaignId = await running();
    const member = await client(true);
    await add(campaignId, [member]);
    const answer = await api.client.as('service').post('/ingest', {
      command: 'RecordCampaignResponse',
      idempotencyKey: `mailer-open-${member}`,
      system: 'mailer',
      targetId: campaignId,
      data: { customerId: member, response: 'opened' },
    });
    expect(answer.status).toBe(201);
  });

  it('lets leads and deals name an existing campaign and refuses an unknown one (422)', async () => {
    const campaignId = await running();
    const lead = await api.client
      .as('sales')
      .post('/customers', { name: 'Ada', source: 'newsletter', campaignId });
    expect(lead.status).toBe(201);
    const deal = await api.client.as('sales').post(`/customers/${lead.body.customerId}/deals`, {
      title: 'Licence',
      amount: 100,
      currency: 'EUR',
      campaignId,
    });
    expect(deal.status).toBe(201);
    const { events } = await api.eventStore.readStream(customerStreamId(lead.body.customerId));
    expect(events[0]!.data).toMatchObject({ campaignId });
    const head = await api.eventStore.headPosition();
    const unknown = await api.client
      .as('sales')
      .post('/customers', { name: 'Bob', source: 'ads', campaignId: unknownId() });
    expect([unknown.status, unknown.body.code]).toEqual([422, 'UNKNOWN_CAMPAIGN']);
    const unknownDeal = await api.client
      .as('sales')
      .post(`/customers/${lead.body.customerId}/deals`, {
        title: 'Licence',
        amount: 100,
        currency: 'EUR',
        campaignId: unknownId(),
      });
    expect(unknownDeal.body.code).toBe('UNKNOWN_CAMPAIGN');
    expect(await api.eventStore.headPosition()).toBe(head);
  });
});

describe('campaign documents and attribution figures, checked against a hand-computed history', () => {
  let api: TestApi;
  let head = 0;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    api = await startTestApi();
    const as = (role: TestRole) => api.client.as(role);
    const ok = async (answer: Promise<{ status: number; body: Record<string, unknown> }>) => {
      const response = await answer;
      if (response.status !== 201) throw new Error(JSON.stringify(response.body));
      head = Math.max(head, response.body.position as number);
      return response.body;
    };
    const campaign = async (name: string) => {
      const { campaignId } = await ok(
        as('marketing').post('/campaigns', {
          name,
          channel: 'email',
          startsAt: '2026-01-15T00:00:00Z',
          budget: { amount: 1000, currency: 'EUR' },
        }),
      );
      await ok(as('marketing').post(`/campaigns/${campaignId as string}/launch`, {}));
      return campaignId as string;
    };
    const lead = async (source: string, campaignId?: string) => {
      const id = await createLead(api.client, { source, ...(campaignId && { campaignId }) });
      await ok(
        as('sales').post(`/customers/${id}/consents`, { purpose: 'marketing', granted: true }),
      );
      return id;
    };
    const respond = (campaignId: string, customerId: string, response: string) =>
      ok(as('marketing').post(`/campaigns/${campaignId}/responses`, { customerId, response }));
    const winDeal = async (customerId: string, amount: number, campaignId?: string) => {
      const { dealId } = await ok(
        as('sales').post(`/customers/${customerId}/deals`, {
          title: 'Deal',
          amount,
          currency: 'EUR',
          ...(campaignId && { campaignId }),
        }),
      );
      await ok(as('sales').post(`/deals/${dealId as string}/won`, {}));
    };

    const a = (ids.a = await campaign('A'));
    const b = (ids.b = await campaign('B'));
    await ok(as('marketing').post(`/campaigns/${a}/costs`, { amount: 400, currency: 'EUR' }));
    await ok(as('marketing').post(`/campaigns/${a}/costs`, { amount: 200, currency: 'EUR' }));
    await ok(as('marketing').post(`/campaigns/${b}/costs`, { amount: 300, currency: 'EUR' }));
    const c1 = (ids.c1 = await lead('newsletter', a));
    const c2 = (ids.c2 = await lead('ads'));
    const c3 = (ids.c3 = await lead('ads'));
    const c4 = (ids.c4 = await lead('fair'));
    await ok(as('marketing').post(`/campaigns/${a}/members`, { customerIds: [c1, c4] }));
    api.clock.advance(60_000);
    await ok(as('marketing').post(`/campaigns/${b}/members`, { customerIds: [c1, c2] }));
    api.clock.advanceDays(1);
    await respond(a, c1, 'opened');
    await respond(a, c4, 'unsubscribed');
    api.clock.advanceDays(1);
    await respond(b, c1, 'clicked');
    await respond(b, c2, 'opened');
    api.clock.advanceDays(8);
    // c1: first touch A (named on the lead), last touch B (its last response): 10 days to convert.
    await winDeal(c1, 1000);
    // c2: first touch B (its first response); the deal names A, but the last response before
    // the deal opened (B) is its last touch.
    await winDeal(c2, 500, a);
    // c3: no response at all: the deal's own campaign (A) is its last touch; no first touch.
    await winDeal(c3, 200, a);
  });
  afterAll(() => api.close());

  const get = (path: string, role: TestRole = 'marketing') =>
    api.client.as(role).get(`${path}${path.includes('?') ? '&' : '?'}minPosition=${head}`);

  it('shows each campaign with members, responses by kind and costs', async () => {
    const answer = await get(`/campaigns/${ids.a}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      campaignId: ids.a,
      name: 'A',
      status: 'launched',
      members: 2,
      responses: { opened: 1, unsubscribed: 1, clicked: 0 },
      responders: 1,
      costs: { EUR: 600 },
    });
    const list = await get('/campaigns?status=launched&limit=1');
    expect(list.body.campaigns).toHaveLength(1);
    const next = await get(`/campaigns?status=launched&limit=1&cursor=${list.body.nextCursor}`);
    expect(next.body.campaigns).toHaveLength(1);
    expect(next.body.nextCursor).toBeNull();
    expect((await get('/campaigns?status=closed')).body.campaigns).toEqual([]);
    expect((await get(`/campaigns/${unknownId()}`)).status).toBe(404);
    expect((await get('/campaigns?limit=501')).status).toBe(400);
  });

  it('attributes revenue first-touch and last-touch as computed by hand', async () => {
    const answer = await get('/analytics/campaigns?currency=EUR', 'analyst');
    expect(answer.status).toBe(200);
    const byName = Object.fromEntries(
      answer.body.campaigns.map((c: { name: string }) => [c.name, c]),
    );
    expect(byName.A).toEqual({
      campaignId: ids.a,
      name: 'A',
      channel: 'email',
      status: 'launched',
      members: 2,
      responses: { opened: 1, clicked: 0, replied: 0, registered: 0, attended: 0, unsubscribed: 1 },
      responders: 1,
      responseRate: 0.5,
      leads: 1,
      converted: 1,
      dealsWon: { firstTouch: 1, lastTouch: 1 },
      revenue: { firstTouch: 1000, lastTouch: 200 },
      cost: 600,
      costPerLead: 600,
      returnOnSpend: { firstTouch: 1.6667, lastTouch: 0.3333 },
    });
    expect(byName.B).toMatchObject({
      members: 2,
      responders: 2,
      responseRate: 1,
      leads: 1,
      converted: 1,
      dealsWon: { firstTouch: 1, lastTouch: 2 },
      revenue: { firstTouch: 500, lastTouch: 1500 },
      cost: 300,
      costPerLead: 300,
      returnOnSpend: { firstTouch: 1.6667, lastTouch: 5 },
    });
    const usd = await get('/analytics/campaigns?currency=USD');
    expect(usd.body.campaigns[0]).toMatchObject({ cost: 0, returnOnSpend: { firstTouch: null } });
  });

  it('rates each lead source and campaign: leads, conversion, median days, revenue share', async () => {
    const answer = await get('/analytics/sources', 'analyst');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ currency: 'EUR', totalLeads: 4, totalRevenue: 1700 });
    expect(answer.body.sources).toEqual([
      {
        source: 'newsletter',
        campaignId: ids.a,
        leads: 1,
        converted: 1,
        conversionRate: 1,
        medianDaysToConvert: 10,
        dealsWon: 1,
        revenue: 1000,
        revenueShare: 0.5882,
      },
      {
        source: 'ads',
        campaignId: ids.b,
        leads: 1,
        converted: 1,
        conversionRate: 1,
        medianDaysToConvert: 10,
        dealsWon: 1,
        revenue: 500,
        revenueShare: 0.2941,
      },
      {
        source: 'ads',
        campaignId: null,
        leads: 1,
        converted: 1,
        conversionRate: 1,
        medianDaysToConvert: 10,
        dealsWon: 1,
        revenue: 200,
        revenueShare: 0.1176,
      },
      {
        source: 'fair',
        campaignId: null,
        leads: 1,
        converted: 0,
        conversionRate: 0,
        medianDaysToConvert: null,
        dealsWon: 0,
        revenue: 0,
        revenueShare: 0,
      },
    ]);
    const first = await get('/analytics/sources?limit=3');
    const rest = await get(`/analytics/sources?limit=3&cursor=${first.body.nextCursor}`);
    expect(rest.body.sources.map((s: { source: string }) => s.source)).toEqual(['fair']);
    expect(rest.body.nextCursor).toBeNull();
  });

  it("puts campaign touches on the client's timeline", async () => {
    const timeline = await get(`/customers/${ids.c1}/timeline?kinds=campaign`, 'sales');
    expect(timeline.status).toBe(200);
    expect(
      timeline.body.entries.map((e: { type: string; facts: Record<string, unknown> }) => [
        e.type,
        e.facts.campaignId,
        e.facts.response ?? null,
      ]),
    ).toEqual([
      ['CampaignResponseRecorded', ids.b, 'clicked'],
      ['CampaignResponseRecorded', ids.a, 'opened'],
      ['CampaignMembersAdded', ids.b, null],
      ['CampaignMembersAdded', ids.a, null],
    ]);
  });

  it('shows the campaigns that touched a client in the 360 view', async () => {
    const view = await get(`/customers/${ids.c1}`, 'sales');
    expect(view.body.campaigns).toEqual({
      leadCampaignId: ids.a,
      firstTouch: ids.a,
      touches: [
        {
          campaignId: ids.a,
          responses: { opened: 1 },
          firstAt: expect.any(String),
          lastAt: expect.any(String),
        },
        {
          campaignId: ids.b,
          responses: { clicked: 1 },
          firstAt: expect.any(String),
          lastAt: expect.any(String),
        },
      ].sort((x, y) => x.campaignId.localeCompare(y.campaignId)),
    });
  });

  it('is read by marketing and analysts only', async () => {
    expect((await get('/analytics/campaigns', 'sales')).status).toBe(403);
    expect((await get('/analytics/sources', 'support')).status).toBe(403);
  });
});

describe('every command on a campaign: 404, 400, If-Match, idempotent retry, ingest', () => {
  let api: TestApi;
  let member = '';
  beforeAll(async () => {
    api = await startTestApi();
    member = await createLead(api.client);
    await api.client
      .as('sales')
      .post(`/customers/${member}/consents`, { purpose: 'marketing', granted: true });
  });
  afterAll(() => api.close());

  /** A campaign in the state each command needs, and the revision it is at. */
  const campaignFor = async (command: string) => {
    const marketing = api.client.as('marketing');
    const { campaignId } = (
      await marketing.post('/campaigns', {
        name: 'Table',
        channel: 'email',
        startsAt: '2026-01-01T00:00:00Z',
        budget: { amount: 100, currency: 'EUR' },
      })
    ).body;
    if (command === 'launch') return { campaignId: campaignId as string, revision: 0 };
    await marketing.post(`/campaigns/${campaignId}/launch`, {});
    if (command !== 'responses') return { campaignId: campaignId as string, revision: 1 };
    await marketing.post(`/campaigns/${campaignId}/members`, { customerIds: [member] });
    return { campaignId: campaignId as string, revision: 2 };
  };
  const CASES: [string, string, () => Record<string, unknown>, Record<string, unknown>][] = [
    ['launch', 'LaunchCampaign', () => ({}), { note: 7 }],
    ['close', 'CloseCampaign', () => ({}), { note: '' }],
    ['costs', 'RecordCampaignCost', () => ({ amount: 10, currency: 'EUR' }), { amount: -1 }],
    ['members', 'AddCampaignMembers', () => ({ customerIds: [member] }), { customerIds: 'x' }],
    [
      'responses',
      'RecordCampaignResponse',
      () => ({ customerId: member, response: 'opened' }),
      { response: 'opened' },
    ],
  ];

  describe.each(CASES)('POST /campaigns/:id/%s', (path, name, valid, invalid) => {
    const post = (campaignId: string, body: unknown, headers: Record<string, string> = {}) =>
      api.client.as('marketing').post(`/campaigns/${campaignId}/${path}`, body, { headers });

    it('answers 404 for an unknown campaign and 400 for an invalid body, appending nothing', async () => {
      const { campaignId } = await campaignFor(path);
      const head = await api.eventStore.headPosition();
      const unknown = await post(unknownId(), valid());
      expect([unknown.status, unknown.body.code]).toEqual([404, 'CAMPAIGN_NOT_FOUND']);
      expect((await post(campaignId, invalid)).status).toBe(400);
      expect((await post(campaignId, [])).status).toBe(400);
      expect(await api.eventStore.headPosition()).toBe(head);
    });

    it('honours If-Match and answers a retry with the same Idempotency-Key with the first result', async () => {
      const { campaignId, revision } = await campaignFor(path);
      const stale = await post(campaignId, valid(), { 'if-match': String(revision + 5) });
      expect(stale.status).toBe(409);
      const headers = { 'if-match': String(revision), 'idempotency-key': `${path}-${campaignId}` };
      const first = await post(campaignId, valid(), headers);
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ campaignId, revision: revision + 1 });
      const head = await api.eventStore.headPosition();
      const retry = await post(campaignId, valid(), headers);
      expect(retry.body).toEqual(first.body);
      expect(await api.eventStore.headPosition()).toBe(head);
    });

    it('is accepted through ingest, and refused to sales (403)', async () => {
      const { campaignId } = await campaignFor(path);
      const answer = await api.client.as('service').post('/ingest', {
        command: name,
        idempotencyKey: `tool-${path}-${campaignId}`,
        system: 'marketing-tool',
        targetId: campaignId,
        data: valid(),
      });
      expect(answer.status).toBe(201);
      const { campaignId: other } = await campaignFor(path);
      expect(
        (await api.client.as('sales').post(`/campaigns/${other}/${path}`, valid())).status,
      ).toBe(403);
    });
  });
});

describe('campaign responses with CRM_CAMPAIGN_RESPONSE_GRACE_DAYS=0', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ env: { CRM_CAMPAIGN_RESPONSE_GRACE_DAYS: '0' } });
  });
  afterAll(() => api.close());

  it('refuses a response recorded right after the close: no grace period', async () => {
    const marketing = api.client.as('marketing');
    const { campaignId } = (
      await marketing.post('/campaigns', {
        name: 'Flash sale',
        channel: 'email',
        startsAt: '2026-01-01T08:00:00Z',
      })
    ).body;
    const member = await createLead(api.client);
    await api.client
      .as('sales')
      .post(`/customers/${member}/consents`, { purpose: 'marketing', granted: true });
    await marketing.post(`/campaigns/${campaignId}/launch`, {});
    expect(
      (await marketing.post(`/campaigns/${campaignId}/members`, { customerIds: [member] })).status,
    ).toBe(201);
    await marketing.post(`/campaigns/${campaignId}/close`, {});
    api.clock.advanceDays(1);
    const late = await marketing.post(`/campaigns/${campaignId}/responses`, {
      customerId: member,
      response: 'opened',
    });
    expect([late.status, late.body.code]).toEqual([409, 'CAMPAIGN_RESPONSE_TOO_LATE']);
  });
});
