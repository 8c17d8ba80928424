import { auditStreamId } from '@rapport/domain';
import { TestClock } from '@rapport/testing';
import { startTestApi, type TestApi, type TestRole } from '../support/api-harness';
import { createLead, expectCreated, openDeal, raiseComplaint, unknownId } from '../support/world';

describe('GET /customers/:id/timeline: everything past and planned for a client', () => {
  const clock = new TestClock('2026-02-01T09:00:00.000Z');
  let api: TestApi;
  let customerId: string;
  let head = 0;

  /** Runs a command an hour after the previous one, so every entry has its own time. */
  const step = async (role: TestRole, path: string, body: Record<string, unknown>) => {
    clock.advance(60 * 60 * 1000);
    const answer = await api.client.as(role).post(path, body);
    expectCreated(answer, path);
    head = answer.body.position;
    return answer.body;
  };
  const timeline = (role: TestRole, query = '', id = customerId) =>
    api.client.as(role).get(`/customers/${id}/timeline?minPosition=${head}${query}`);
  const kindsAndTypes = (entries: { kind: string; type: string }[]) =>
    entries.map((e) => `${e.kind}:${e.type}`);

  beforeAll(async () => {
    api = await startTestApi({ clock });
    customerId = await createLead(api.client, { ownerId: 'sales-user' });
    await step('sales', `/customers/${customerId}/contacts`, {
      channel: 'email',
      direction: 'inbound',
      subject: 'Asks for a quote',
      notes: 'Wants 40 seats',
    });
    const { activityId } = await step('sales', `/customers/${customerId}/activities`, {
      kind: 'call',
      subject: 'Call about the quote',
      dueAt: '2026-02-01T12:30:00Z',
    });
    await step('sales', `/customers/${customerId}/activities`, {
      kind: 'meeting',
      subject: 'Demo',
      dueAt: '2026-03-01T10:00:00Z',
    });
    await step('sales', `/customers/${customerId}/consents`, {
      purpose: 'marketing',
      granted: true,
    });
    clock.advance(60 * 60 * 1000);
    await openDeal(api.client, customerId, { title: 'Seats' });
    clock.advance(60 * 60 * 1000);
    await raiseComplaint(api.client, customerId, { description: 'Late reply' });
    await step('sales', `/activities/${activityId}/complete`, {
      outcome: 'reached',
      notes: 'Agreed on 40 seats',
    });
  });
  afterAll(() => api.close());

  it('lists every fact and plan newest first, a completed call once, personal text opened for sales', async () => {
    const response = await timeline('sales');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ customerId, status: 'lead', nextCursor: null });
    expect(kindsAndTypes(response.body.entries)).toEqual([
      'activity:ActivityScheduled',
      'activity:ActivityCompleted',
      'complaint:ComplaintRaised',
      'deal:DealOpened',
      'consent:ConsentGranted',
      'contact:ContactLogged',
      'lifecycle:LeadCreated',
    ]);
    const [demo, call, complaint] = response.body.entries;
    expect(demo).toMatchObject({
      at: '2026-03-01T10:00:00.000Z',
      planned: true,
      overdue: false,
      facts: { activityKind: 'meeting', status: 'open', ownerId: 'sales-user' },
      text: { subject: 'Demo' },
    });
    expect(call).toMatchObject({
      planned: false,
      facts: { activityKind: 'call', status: 'done', outcome: 'reached' },
      text: { subject: 'Call about the quote', notes: 'Agreed on 40 seats' },
    });
    expect(complaint.text).toEqual({ description: 'Late reply' });
  });

  it('filters by kind and pages with nextCursor', async () => {
    const some = await timeline('sales', '&kinds=contact,deal');
    expect(kindsAndTypes(some.body.entries)).toEqual(['deal:DealOpened', 'contact:ContactLogged']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await timeline(
        'sales',
        `&kinds=activity,consent,lifecycle&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...kindsAndTypes(page.body.entries));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([
      'activity:ActivityScheduled',
      'activity:ActivityCompleted',
      'consent:ConsentGranted',
      'lifecycle:LeadCreated',
    ]);
    const everything = kindsAndTypes((await timeline('sales')).body.entries);
    const oneByOne: string[] = [];
    cursor = null;
    do {
      const page = await timeline('sales', `&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      oneByOne.push(...kindsAndTypes(page.body.entries));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(oneByOne).toEqual(everything);
  });

  it('masks personal text for analysts and records the view of the client', async () => {
    const response = await api.client
      .as('analyst')
      .get(`/customers/${customerId}/timeline?minPosition=${head}&kinds=contact`, {
        headers: { 'x-purpose': 'quality review' },
      });
    expect(response.body.masked).toBe(true);
    expect(response.body.entries[0].text).toEqual({ subject: '[masked]', notes: '[masked]' });
    const { events } = await api.eventStore.readStream(auditStreamId(customerId));
    expect(events.at(-1)).toMatchObject({
      type: 'CustomerDataViewed',
      data: {
        actorId: 'analyst-user',
        customerIds: [customerId],
        view: 'customer-timeline',
        fieldsShown: [],
        fieldsMasked: ['contact notes', 'contact subject'],
        purpose: 'quality review',
      },
    });
  });

  it('answers 404 for an unknown client, 400 for bad parameters, 401/403 by role', async () => {
    expect((await timeline('sales', '', unknownId())).body.code).toBe('CUSTOMER_NOT_FOUND');
    expect((await timeline('sales', '', 'not-an-id')).status).toBe(404);
    for (const query of ['&kinds=gossip', '&kinds=', '&limit=501', '&cursor=%21%21']) {
      const response = await timeline('sales', query);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
    }
    expect((await api.client.anonymous.get(`/customers/${customerId}/timeline`)).status).toBe(401);
    for (const role of ['auditor', 'service'] as const)
      expect((await timeline(role)).status).toBe(403);
    for (const role of ['support', 'admin'] as const)
      expect((await timeline(role)).status).toBe(200);
  });

  it("keeps an erased client's entries without their personal text", async () => {
    const erased = await createLead(api.client);
    await step('sales', `/customers/${erased}/contacts`, {
      channel: 'call',
      direction: 'outbound',
      subject: 'Private matter',
    });
    await step('admin', `/customers/${erased}/erasure`, { reason: 'GDPR request' });
    const response = await timeline('sales', '', erased);
    expect(response.body.status).toBe('erased');
    expect(kindsAndTypes(response.body.entries)).toEqual([
      'lifecycle:CustomerErased',
      'contact:ContactLogged',
      'lifecycle:LeadCreated',
    ]);
    expect(response.body.entries[1].text).toEqual({ subject: null });
  });
});
