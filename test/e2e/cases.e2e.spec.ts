import { caseStreamId, complaintStreamId } from '@rapport/domain';
import { startTestApi, type TestApi, type TestRole } from '../support/api-harness';
import { createLead, raiseComplaint, unknownId } from '../support/world';

const HOUR = 3_600_000;

describe('service cases over HTTP', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const open = (
    customerId: string,
    body: Record<string, unknown> = {},
    role: TestRole = 'support',
  ) =>
    api.client.as(role).post(`/customers/${customerId}/requests`, {
      type: 'repair',
      subject: 'Hinge broken',
      description: 'The door hinge broke after two weeks',
      severity: 'high',
      productRef: 'SKU-4711',
      ...body,
    });
  const act = (
    caseId: string,
    step: string,
    body: unknown,
    headers: Record<string, string> = {},
    role: TestRole = 'support',
  ) => api.client.as(role).post(`/cases/${caseId}/${step}`, body, { headers });
  const opened = async (customerId: string, body: Record<string, unknown> = {}) => {
    const answer = await open(customerId, body);
    expect(answer.status).toBe(201);
    return answer.body.caseId as string;
  };

  describe('POST /customers/:id/requests', () => {
    it('opens a request with its SLA deadlines, its texts sealed', async () => {
      const customerId = await createLead(api.client);
      const answer = await open(customerId);
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({ customerId, revision: 0 });
      expect(answer.headers['location']).toBe(`/cases/${answer.body.caseId}`);
      const { events } = await api.eventStore.readStream(caseStreamId(answer.body.caseId));
      const now = api.clock.now().getTime();
      expect(events[0]).toMatchObject({
        type: 'ServiceRequestOpened',
        data: {
          customerId,
          requestType: 'repair',
          severity: 'high',
          productRef: 'SKU-4711',
          firstResponseDueAt: new Date(now + 4 * HOUR).toISOString(),
          resolutionDueAt: new Date(now + 24 * HOUR).toISOString(),
        },
      });
      const data = events[0]!.data as { subject: string; description: string };
      expect(data.subject).toMatch(/^enc:v1:/);
      expect(data.description).toMatch(/^enc:v1:/);
    });

    it('refuses an unknown client (404), an erased one (409), a bad body (400); sales and analysts (403); appends nothing', async () => {
      const erased = await createLead(api.client);
      await api.client.as('admin').post(`/customers/${erased}/erasure`, { reason: 'GDPR' });
      const head = await api.eventStore.headPosition();
      expect((await open(unknownId())).body.code).toBe('CUSTOMER_NOT_FOUND');
      const gone = await open(erased);
      expect([gone.status, gone.body.code]).toEqual([409, 'CUSTOMER_ERASED']);
      const invalid = await open(erased, { type: 'moan', severity: 'urgent', subject: '' });
      expect(invalid.status).toBe(400);
      expect(invalid.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
        'severity',
        'subject',
        'type',
      ]);
      expect((await open(erased, {}, 'sales')).status).toBe(403);
      expect((await open(erased, {}, 'analyst')).status).toBe(403);
      expect((await api.client.anonymous.post(`/customers/${erased}/requests`, {})).status).toBe(
        401,
      );
      // Only the denials were recorded (in the audit streams), no case.
      const after = await api.eventStore.readAll({ after: head, limit: 100 });
      expect(after.every((e) => e.streamId.startsWith('audit-'))).toBe(true);
    });

    it('answers a retry with the same Idempotency-Key with the first result', async () => {
      const customerId = await createLead(api.client);
      const headers = { 'idempotency-key': `req-${customerId}` };
      const body = { type: 'question', subject: 'How?', description: 'How does it work?' };
      const first = await api.client
        .as('support')
        .post(`/customers/${customerId}/requests`, body, { headers });
      const retry = await api.client
        .as('support')
        .post(`/customers/${customerId}/requests`, body, { headers });
      expect(retry.body).toEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
    });
  });

  describe('the lifecycle: assign, respond, status, resolve, reopen', () => {
    it('works a request through, each step answering the revision to send as If-Match', async () => {
      const customerId = await createLead(api.client);
      const caseId = await opened(customerId);

      const assigned = await act(caseId, 'assign', { assigneeId: 'agent-7' });
      expect(assigned.status).toBe(201);
      expect(assigned.body).toMatchObject({ caseId, customerId, revision: 1 });
      expect((await act(caseId, 'respond', { message: 'On it' }, { 'if-match': '0' })).status).toBe(
        409,
      );
      const responded = await act(caseId, 'respond', { message: 'On it' }, { 'if-match': '1' });
      expect(responded.body.events.map((e: { type: string }) => e.type)).toEqual(['CaseResponded']);
      expect((await act(caseId, 'status', { status: 'waiting-on-customer' })).status).toBe(201);
      expect((await act(caseId, 'status', { status: 'in-progress' })).status).toBe(201);
      const resolved = await act(caseId, 'resolve', {
        resolution: 'Replaced the hinge',
        outcome: 'replacement',
        satisfaction: 5,
      });
      expect(resolved.body.events.map((e: { type: string }) => e.type)).toEqual(['CaseResolved']);

      const again = await act(caseId, 'resolve', { resolution: 'x', outcome: 'repair' });
      expect([again.status, again.body.code]).toEqual([409, 'CASE_ALREADY_RESOLVED']);
      const closed = await act(caseId, 'respond', { message: 'hello?' });
      expect([closed.status, closed.body.code]).toEqual([409, 'CASE_CLOSED']);

      const reopened = await act(caseId, 'reopen', { reason: 'Broke again' });
      expect(reopened.status).toBe(201);
      const view = await api.client
        .as('support')
        .get(`/cases/${caseId}?minPosition=${reopened.body.position}`);
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({
        caseId,
        customerId,
        kind: 'request',
        type: 'repair',
        status: 'open',
        assigneeId: 'agent-7',
        subject: 'Hinge broken',
        description: 'The door hinge broke after two weeks',
        resolution: 'Replaced the hinge',
        outcome: 'replacement',
        satisfaction: 5,
        responses: 1,
        reopened: 1,
      });
      // The client's 360 view and timeline show the case.
      const client = await api.client.as('support').get(`/customers/${customerId}`);
      expect(client.body.cases).toMatchObject({
        open: 1,
        resolved: 1,
        reopened: 1,
        openByKind: { request: 1, complaint: 0 },
      });
      const timeline = await api.client
        .as('support')
        .get(`/customers/${customerId}/timeline?kinds=case`);
      expect(timeline.status).toBe(200);
      // All at the same instant of the test clock: compared as a set.
      const entries = timeline.body.entries as { type: string; text: Record<string, string> }[];
      expect(entries.map((e) => e.type).sort()).toEqual([
        'CaseAssigned',
        'CaseReopened',
        'CaseResolved',
        'CaseResponded',
        'CaseStatusChanged',
        'CaseStatusChanged',
        'ServiceRequestOpened',
      ]);
      expect(entries.find((e) => e.type === 'ServiceRequestOpened')!.text).toMatchObject({
        subject: 'Hinge broken',
      });
    });

    it('refuses unknown cases (404), bad bodies (400), other roles (403), and an erased client’s reopening (409)', async () => {
      const customerId = await createLead(api.client);
      const caseId = await opened(customerId);
      const head = await api.eventStore.headPosition();
      const unknown = await act(unknownId(), 'respond', { message: 'hi' });
      expect([unknown.status, unknown.body.code]).toEqual([404, 'CASE_NOT_FOUND']);
      expect((await act('not-a-uuid', 'assign', { assigneeId: 'a' })).status).toBe(404);
      expect((await act(caseId, 'status', { status: 'resolved' })).status).toBe(400);
      expect((await act(caseId, 'resolve', { resolution: 'x', outcome: 'magic' })).status).toBe(
        400,
      );
      expect(
        (await act(caseId, 'resolve', { resolution: 'x', outcome: 'refund', satisfaction: 9 }))
          .status,
      ).toBe(400);
      expect((await act(caseId, 'assign', { assigneeId: 'a' }, {}, 'sales')).status).toBe(403);
      const audit = (await api.eventStore.readAll({ after: head, limit: 100 })).filter(
        (e) => !e.streamId.startsWith('audit-'),
      );
      expect(audit).toEqual([]);

      await act(caseId, 'resolve', { resolution: 'done', outcome: 'explanation' });
      await api.client.as('admin').post(`/customers/${customerId}/erasure`, { reason: 'GDPR' });
      const reopen = await act(caseId, 'reopen', { reason: 'again' });
      expect([reopen.status, reopen.body.code]).toEqual([409, 'CUSTOMER_ERASED']);
    });

    it('a complaint is a case: its id works on the case paths, and its old paths keep working', async () => {
      const customerId = await createLead(api.client);
      const complaintId = await raiseComplaint(api.client, customerId, { severity: 'low' });
      const assigned = await act(complaintId, 'assign', { assigneeId: 'agent-1' });
      expect(assigned.body).toMatchObject({ caseId: complaintId, complaintId, revision: 1 });
      const { events } = await api.eventStore.readStream(complaintStreamId(complaintId));
      expect(events.map((e) => e.type)).toEqual(['ComplaintRaised', 'CaseAssigned']);
      const resolved = await act(complaintId, 'resolve', {
        resolution: 'Credited',
        outcome: 'refund',
        satisfaction: 2,
      });
      expect(resolved.body.events.map((e: { type: string }) => e.type)).toEqual([
        'ComplaintResolved',
      ]);
      const twice = await api.client
        .as('support')
        .post(`/complaints/${complaintId}/resolve`, { resolution: 'again' });
      expect([twice.status, twice.body.code]).toEqual([409, 'COMPLAINT_ALREADY_RESOLVED']);
      const view = await api.client
        .as('support')
        .get(`/customers/${customerId}?minPosition=${resolved.body.position}`);
      expect(view.body.complaints).toMatchObject({ open: 0, resolved: 1, averageSatisfaction: 2 });
    });

    it('is accepted from internal systems through ingest', async () => {
      const customerId = await createLead(api.client);
      const answer = await api.client.as('service').post('/ingest', {
        command: 'OpenServiceRequest',
        idempotencyKey: `helpdesk-${customerId}`,
        system: 'helpdesk',
        targetId: customerId,
        data: { type: 'warranty', subject: 'Warranty claim', description: 'Screen flickers' },
      });
      expect(answer.status).toBe(201);
      const caseId = answer.body.caseId as string;
      for (const [command, data] of [
        ['AssignCase', { assigneeId: 'agent-2' }],
        ['RespondToCase', { message: 'Send it in' }],
        ['ChangeCaseStatus', { status: 'waiting-on-customer' }],
        ['ResolveCase', { resolution: 'Repaired', outcome: 'repair' }],
        ['ReopenCase', { reason: 'Flickers again' }],
      ] as const) {
        const step = await api.client.as('service').post('/ingest', {
          command,
          idempotencyKey: `helpdesk-${caseId}-${command}`,
          system: 'helpdesk',
          targetId: caseId,
          data,
        });
        expect([command, step.status]).toEqual([command, 201]);
      }
    });
  });

  describe('GET /cases: the service queue', () => {
    it('lists open cases most urgent first, filters, pages, and masks text for analysts', async () => {
      const customerId = await createLead(api.client);
      const low = await opened(customerId, { severity: 'low' });
      const critical = await opened(customerId, { severity: 'critical' });
      const medium = await opened(customerId, { severity: 'medium', type: 'question' });
      const last = await act(medium, 'assign', { assigneeId: 'agent-q' });
      const min = `minPosition=${last.body.position}`;

      const page = await api.client.as('support').get(`/cases?customerId=${customerId}&${min}`);
      expect(page.status).toBe(200);
      expect(page.body.items.map((c: { caseId: string }) => c.caseId)).toEqual([
        critical,
        medium,
        low,
      ]);
      const first = await api.client.as('support').get(`/cases?customerId=${customerId}&limit=2`);
      expect(first.body.items).toHaveLength(2);
      const rest = await api.client
        .as('support')
        .get(`/cases?customerId=${customerId}&limit=2&cursor=${first.body.nextCursor}`);
      expect(rest.body.items.map((c: { caseId: string }) => c.caseId)).toEqual([low]);
      expect(rest.body.nextCursor).toBeNull();

      const mine = await api.client.as('support').get('/cases?assigneeId=agent-q');
      expect(mine.body.items.map((c: { caseId: string }) => c.caseId)).toEqual([medium]);
      const analyst = await api.client.as('analyst').get(`/cases?customerId=${customerId}&limit=1`);
      expect(analyst.body.items[0].subject).toBe('[masked]');
      expect((await api.client.as('auditor').get('/cases')).status).toBe(403);
      expect((await api.client.as('support').get('/cases?limit=501')).status).toBe(400);
      expect((await api.client.as('support').get('/cases?overdue=maybe')).status).toBe(400);
      expect((await api.client.as('support').get('/cases?cursor=%%%')).status).toBe(400);
      expect((await api.client.as('support').get(`/cases/${unknownId()}`)).status).toBe(404);
    });

    it('puts a case past its deadline first and answers overdue=true with it', async () => {
      const customerId = await createLead(api.client);
      const slow = await opened(customerId, { severity: 'low' });
      const urgent = await opened(customerId, { severity: 'critical' });
      api.clock.advance(2 * HOUR);
      const fresh = await opened(customerId, { severity: 'critical' });
      const pos = (await act(fresh, 'assign', { assigneeId: 'x' })).body.position;
      const overdue = await api.client
        .as('support')
        .get(`/cases?customerId=${customerId}&overdue=true&minPosition=${pos}`);
      expect(overdue.body.items.map((c: { caseId: string }) => c.caseId)).toEqual([urgent]);
      const notOverdue = await api.client
        .as('support')
        .get(`/cases?customerId=${customerId}&overdue=false`);
      expect(notOverdue.body.items.map((c: { caseId: string }) => c.caseId)).toEqual([fresh, slow]);
    });
  });

  describe('GET /analytics/service', () => {
    it('answers per kind and category from the maintained figures', async () => {
      const customerId = await createLead(api.client);
      const caseId = await opened(customerId, { type: 'wish', severity: 'low' });
      api.clock.advance(3 * HOUR);
      await act(caseId, 'respond', { message: 'Noted' });
      api.clock.advance(2 * HOUR);
      const done = await act(caseId, 'resolve', {
        resolution: 'Planned',
        outcome: 'explanation',
        satisfaction: 4,
      });
      const answer = await api.client
        .as('analyst')
        .get(`/analytics/service?minPosition=${done.body.position}`);
      expect(answer.status).toBe(200);
      const wish = answer.body.groups.find(
        (g: { kind: string; category: string }) => g.kind === 'request' && g.category === 'wish',
      );
      expect(wish).toMatchObject({
        opened: 1,
        resolved: 1,
        medianHoursToFirstResponse: 3,
        medianHoursToResolution: 5,
        slaCompliance: 1,
        averageSatisfaction: 4,
        outcomes: { explanation: 1 },
      });
      expect((await api.client.as('sales').get('/analytics/service')).status).toBe(403);
      expect((await api.client.as('analyst').get('/analytics/service?from=2026-13')).status).toBe(
        400,
      );
      expect(
        (await api.client.as('analyst').get('/analytics/service?from=2026-05&to=2026-01')).status,
      ).toBe(400);
    });
  });
});
