import { auditStreamId } from '@rapport/domain';
import { TestClock } from '@rapport/testing';
import { startTestApi, type TestApi, type TestRole } from '../support/api-harness';
import { createLead, expectCreated } from '../support/world';

/**
 * The agenda and the activity figures over HTTP. Planned at 2026-01-10, read at
 * 2026-01-15T09:00Z: one activity overdue, two due later today (UTC), one upcoming, one
 * cancelled; another owner has one of their own.
 */
describe('GET /activities: the agenda', () => {
  const clock = new TestClock('2026-01-10T08:00:00.000Z');
  let api: TestApi;
  let a: string;
  let b: string;
  const ids: Record<string, string> = {};
  let head = 0;

  const plan = async (
    name: string,
    customerId: string,
    dueAt: string,
    body: Record<string, unknown> = {},
  ) => {
    const answer = await api.client.as('sales').post(`/customers/${customerId}/activities`, {
      kind: 'call',
      subject: `Subject ${name}`,
      dueAt,
      ...body,
    });
    expectCreated(answer, `plan ${name}`);
    ids[name] = answer.body.activityId;
    head = answer.body.position;
  };

  const agenda = (role: TestRole, query = '') =>
    api.client.as(role).get(`/activities?minPosition=${head}${query}`);
  const names = (items: { activityId: string }[]) =>
    items.map((item) => Object.keys(ids).find((name) => ids[name] === item.activityId));

  beforeAll(async () => {
    api = await startTestApi({ clock });
    a = await createLead(api.client, { ownerId: 'sales-user' });
    b = await createLead(api.client, { ownerId: 'rep-2' });
    await plan('overdue', a, '2026-01-14T10:00:00Z', { notes: 'Bring the price list' });
    await plan('lunch', a, '2026-01-15T12:00:00Z', { kind: 'meeting' });
    await plan('late', a, '2026-01-15T23:30:00Z');
    await plan('next week', a, '2026-01-20T09:00:00Z', { kind: 'task' });
    await plan('dropped', a, '2026-01-16T09:00:00Z');
    await plan('theirs', b, '2026-01-16T09:00:00Z');
    const cancelled = await api.client
      .as('sales')
      .post(`/activities/${ids.dropped}/cancel`, { reason: 'not needed' });
    expectCreated(cancelled, 'cancel');
    head = cancelled.body.position;
    clock.set('2026-01-15T09:00:00.000Z');
  });
  afterAll(() => api.close());

  it("shows sales their own open activities, soonest first, with the subject and what's overdue", async () => {
    const response = await agenda('sales');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      ownerId: 'sales-user',
      due: null,
      nextCursor: null,
      masked: false,
      today: {
        date: '2026-01-15',
        from: '2026-01-15T00:00:00.000Z',
        to: '2026-01-16T00:00:00.000Z',
        timeZone: 'UTC',
      },
    });
    expect(names(response.body.items)).toEqual(['overdue', 'lunch', 'late', 'next week']);
    expect(response.body.items[0]).toEqual({
      activityId: ids.overdue,
      customerId: a,
      ownerId: 'sales-user',
      kind: 'call',
      subject: 'Subject overdue',
      notes: 'Bring the price list',
      dueAt: '2026-01-14T10:00:00.000Z',
      overdue: true,
      durationMinutes: null,
      status: 'open',
      rescheduled: 0,
      scheduledAt: '2026-01-10T08:00:00.000Z',
    });
    expect(response.body.items.slice(1).map((i: { overdue: boolean }) => i.overdue)).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('splits open activities into overdue, the rest of today and upcoming, in the time zone asked', async () => {
    expect(names((await agenda('sales', '&due=overdue')).body.items)).toEqual(['overdue']);
    expect(names((await agenda('sales', '&due=today')).body.items)).toEqual(['lunch', 'late']);
    expect(names((await agenda('sales', '&due=upcoming')).body.items)).toEqual(['next week']);
    // 23:30 UTC is already tomorrow in Berlin.
    const berlin = await agenda('sales', '&due=today&tz=Europe/Berlin');
    expect(names(berlin.body.items)).toEqual(['lunch']);
    expect(berlin.body.today).toEqual({
      date: '2026-01-15',
      from: '2026-01-14T23:00:00.000Z',
      to: '2026-01-15T23:00:00.000Z',
      timeZone: 'Europe/Berlin',
    });
    expect(names((await agenda('sales', '&due=upcoming&tz=Europe/Berlin')).body.items)).toEqual([
      'late',
      'next week',
    ]);
  });

  it('pages with nextCursor without skipping or repeating', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await agenda('sales', `&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...(names(page.body.items) as string[]));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['overdue', 'lunch', 'late', 'next week']);
  });

  it("refuses sales another owner's agenda (403, recorded); analysts see anyone's, masked", async () => {
    const denied = await agenda('sales', '&ownerId=rep-2');
    expect(denied.status).toBe(403);
    const { events } = await api.eventStore.readStream(auditStreamId());
    expect(events.at(-1)).toMatchObject({
      type: 'AccessDenied',
      data: { actorId: 'sales-user', path: '/activities' },
    });

    const everyone = await agenda('analyst');
    expect(everyone.body.masked).toBe(true);
    expect(names(everyone.body.items)).toEqual(['overdue', 'lunch', 'late', 'theirs', 'next week']);
    expect(everyone.body.items[0]).toMatchObject({ subject: '[masked]', notes: '[masked]' });
    expect(names((await agenda('analyst', '&ownerId=rep-2')).body.items)).toEqual(['theirs']);
    expect(names((await agenda('admin', `&customerId=${b}`)).body.items)).toEqual(['theirs']);
    expect(names((await agenda('sales', `&customerId=${b}`)).body.items)).toEqual([]);
  });

  it('records the clients whose activities were shown, and which personal fields', async () => {
    await api.client
      .as('sales')
      .get(`/activities?customerId=${a}&due=overdue`, { headers: { 'x-purpose': 'morning plan' } });
    const { events } = await api.eventStore.readStream(auditStreamId(a));
    expect(events.at(-1)).toMatchObject({
      type: 'CustomerDataViewed',
      data: {
        actorId: 'sales-user',
        customerIds: [a],
        view: 'activity-agenda',
        fieldsShown: ['activity subjects', 'activity notes'],
        fieldsMasked: [],
        purpose: 'morning plan',
      },
    });
  });

  it("puts an ownerless lead's activity on the agenda of the person who planned it (support too)", async () => {
    const ownerless = await createLead(api.client);
    const planned = await api.client.as('support').post(`/customers/${ownerless}/activities`, {
      kind: 'call',
      subject: 'Call back about the broken invoice',
      dueAt: '2026-01-16T10:00:00Z',
    });
    expectCreated(planned, 'plan for an ownerless lead');
    const theirs = await api.client
      .as('support')
      .get(`/activities?minPosition=${planned.body.position}`);
    expect(theirs.status).toBe(200);
    expect(theirs.body).toMatchObject({ ownerId: 'support-user', masked: false });
    expect(theirs.body.items).toEqual([
      expect.objectContaining({
        activityId: planned.body.activityId,
        customerId: ownerless,
        ownerId: 'support-user',
        subject: 'Call back about the broken invoice',
      }),
    ]);
    expect((await api.client.as('support').get('/activities?ownerId=sales-user')).status).toBe(403);
  });

  it('answers 400 for bad parameters, 401 without a token, 403 for roles without the agenda', async () => {
    for (const query of [
      'due=yesterday',
      'limit=501',
      'limit=0',
      'tz=Mars/Olympus',
      'customerId=not-a-client',
      'cursor=not%20a%20cursor',
      'cursor=bm90LWpzb24',
    ]) {
      const response = await api.client.as('sales').get(`/activities?${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
    }
    expect((await api.client.anonymous.get('/activities')).status).toBe(401);
    for (const role of ['auditor', 'service'] as const)
      expect((await api.client.as(role).get('/activities')).status).toBe(403);
  });

  it('shows the next activity and the overdue ones in the 360 view, and in its churn risk', async () => {
    const view = await api.client.as('sales').get(`/customers/${a}?minPosition=${head}`);
    expect(view.body).toMatchObject({
      nextActivity: {
        activityId: ids.lunch,
        kind: 'meeting',
        dueAt: '2026-01-15T12:00:00.000Z',
        ownerId: 'sales-user',
      },
      overdueActivities: 1,
      activities: { open: 4, scheduled: 5, done: 0, cancelled: 1 },
    });
    expect(view.body.churnRisk.reasons).toContain('1 overdue follow-up (oldest due 2026-01-14)');
  });

  it('counts activities per owner: planned, overdue, done, cancelled, days to first contact', async () => {
    const done = await api.client
      .as('sales')
      .post(`/activities/${ids.overdue}/complete`, { outcome: 'reached' });
    expectCreated(done, 'complete');
    const figures = (role: TestRole, query = '') =>
      api.client.as(role).get(`/analytics/activities?minPosition=${done.body.position}${query}`);

    const own = await figures('sales');
    expect(own.status).toBe(200);
    expect(own.body.owners).toEqual([
      {
        ownerId: 'sales-user',
        planned: 3,
        overdue: 0,
        done: 1,
        cancelled: 1,
        // created 2026-01-10T08:00, first contact (the call) 2026-01-15T09:00
        medianDaysToFirstContact: 5,
        contactedClients: 1,
        uncontactedClients: 0,
      },
    ]);
    const all = await figures('analyst');
    // null: the leads nobody owns (the ownerless lead planned by support), still uncontacted
    expect(all.body.owners.map((o: { ownerId: string }) => o.ownerId)).toEqual([
      null,
      'rep-2',
      'sales-user',
      'support-user',
    ]);
    expect(all.body.owners[0]).toMatchObject({ planned: 0, uncontactedClients: 1 });
    expect(all.body.owners[1]).toMatchObject({ planned: 1, overdue: 0, uncontactedClients: 1 });
    clock.set('2026-01-17T00:00:00.000Z');
    expect((await figures('analyst', '&ownerId=rep-2')).body.owners).toEqual([
      expect.objectContaining({ ownerId: 'rep-2', planned: 1, overdue: 1 }),
    ]);
    expect((await figures('sales', '&ownerId=rep-2')).status).toBe(403);
    const supports = await api.client.as('support').get('/analytics/activities');
    expect(supports.body.owners).toEqual([
      expect.objectContaining({ ownerId: 'support-user', planned: 1 }),
    ]);
    expect((await api.client.as('auditor').get('/analytics/activities')).status).toBe(403);
    expect((await api.client.as('analyst').get('/analytics/activities?ownerId=')).status).toBe(400);
  });
});
