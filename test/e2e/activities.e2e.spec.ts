import { activityStreamId } from '@rapport/domain';
import { startTestApi, type TestApi, type TestRole } from '../support/api-harness';
import { createLead, unknownId } from '../support/world';

describe('POST /customers/:id/activities: planning an activity', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const schedule = (
    customerId: string,
    body: Record<string, unknown> = {},
    role: TestRole = 'sales',
  ) =>
    api.client.as(role).post(`/customers/${customerId}/activities`, {
      kind: 'meeting',
      subject: 'Contract renewal',
      dueAt: '2031-01-15T10:00:00+01:00',
      ...body,
    });

  it("plans a future activity on the client owner's agenda, its subject sealed", async () => {
    const customerId = await createLead(api.client, { ownerId: 'rep-7' });
    const answer = await schedule(customerId, { notes: 'Bring the draft', durationMinutes: 45 });

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ customerId, revision: 0 });
    const { events } = await api.eventStore.readStream(activityStreamId(answer.body.activityId));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'ActivityScheduled',
      data: {
        customerId,
        kind: 'meeting',
        dueAt: '2031-01-15T09:00:00.000Z',
        ownerId: 'rep-7',
        durationMinutes: 45,
      },
      metadata: { customerId },
    });
    const data = events[0]!.data as { subject: string; notes: string };
    expect(data.subject).toMatch(/^enc:v1:/);
    expect(data.notes).toMatch(/^enc:v1:/);
  });

  it('is open to support, refused to analysts', async () => {
    const customerId = await createLead(api.client);
    expect((await schedule(customerId, {}, 'support')).status).toBe(201);
    expect((await schedule(customerId, {}, 'analyst')).status).toBe(403);
  });

  it('refuses an unknown client (404), an erased one (409) and an invalid body (400), appending nothing', async () => {
    const erased = await createLead(api.client);
    await api.client.as('admin').post(`/customers/${erased}/erasure`, { reason: 'GDPR' });
    const head = await api.eventStore.headPosition();

    expect((await schedule(unknownId())).body.code).toBe('CUSTOMER_NOT_FOUND');
    expect((await schedule(erased)).body.code).toBe('CUSTOMER_ERASED');
    const invalid = await schedule(erased, {
      kind: 'lunch',
      dueAt: '2031-01-15',
      durationMinutes: 0,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'dueAt',
      'durationMinutes',
      'kind',
    ]);
    expect(await api.eventStore.headPosition()).toBe(head);
  });

  it('answers a retry with the same Idempotency-Key with the first result', async () => {
    const customerId = await createLead(api.client);
    const headers = { 'idempotency-key': `plan-${customerId}` };
    const body = { kind: 'call', subject: 'Follow up', dueAt: '2031-02-01T08:00:00Z' };
    const first = await api.client
      .as('sales')
      .post(`/customers/${customerId}/activities`, body, { headers });
    const retry = await api.client
      .as('sales')
      .post(`/customers/${customerId}/activities`, body, { headers });
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });

  it('is accepted from internal systems through ingest', async () => {
    const customerId = await createLead(api.client);
    const answer = await api.client.as('service').post('/ingest', {
      command: 'ScheduleActivity',
      idempotencyKey: `crm-sync-${customerId}`,
      system: 'calendar',
      targetId: customerId,
      data: { kind: 'visit', subject: 'On-site audit', dueAt: '2031-03-01T09:00:00Z' },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.events.map((e: { type: string }) => e.type)).toEqual(['ActivityScheduled']);
  });
});

describe('changing a planned activity: reschedule, assign, complete, cancel', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const plan = async (customerId: string, kind = 'call') => {
    const answer = await api.client.as('sales').post(`/customers/${customerId}/activities`, {
      kind,
      subject: `Planned ${kind}`,
      dueAt: '2031-01-15T10:00:00Z',
      durationMinutes: 20,
    });
    expect(answer.status).toBe(201);
    return answer.body.activityId as string;
  };
  const act = (
    activityId: string,
    step: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) => api.client.as('support').post(`/activities/${activityId}/${step}`, body, { headers });

  it('reschedules and reassigns, each answering the revision to send as If-Match', async () => {
    const customerId = await createLead(api.client, { ownerId: 'rep-1' });
    const activityId = await plan(customerId);

    const moved = await act(activityId, 'reschedule', {
      dueAt: '2031-01-20T10:00:00Z',
      reason: 'holiday',
    });
    expect(moved.status).toBe(201);
    expect(moved.body).toMatchObject({ activityId, customerId, revision: 1 });
    expect(
      (await act(activityId, 'assign', { ownerId: 'rep-2' }, { 'if-match': '0' })).status,
    ).toBe(409);
    const assigned = await act(activityId, 'assign', { ownerId: 'rep-2' }, { 'if-match': '1' });
    expect(assigned.body.revision).toBe(2);
    expect((await act(activityId, 'assign', { ownerId: 'rep-2' })).body.code).toBe(
      'OWNER_UNCHANGED',
    );

    const { events } = await api.eventStore.readStream(activityStreamId(activityId));
    expect(events.map((e) => e.type)).toEqual([
      'ActivityScheduled',
      'ActivityRescheduled',
      'ActivityReassigned',
    ]);
    expect(events[2]!.data).toMatchObject({ previousOwnerId: 'rep-1', ownerId: 'rep-2' });
  });

  it('completes a call as the contact that took place, in one append with the activity', async () => {
    const customerId = await createLead(api.client);
    const activityId = await plan(customerId, 'call');

    const done = await act(activityId, 'complete', {
      outcome: 'reached',
      notes: 'Agreed on a pilot',
      occurredAt: '2026-01-02T09:00:00Z',
    });

    expect(done.status).toBe(201);
    expect(done.body.events.map((e: { type: string; position: number }) => e.type)).toEqual([
      'ActivityCompleted',
      'ContactLogged',
    ]);
    const positions = done.body.events.map((e: { position: number }) => e.position);
    expect(positions[1]).toBe(positions[0] + 1);
    const contact = (await api.eventStore.readStream(`customer-${customerId}`)).events.at(-1)!;
    expect(contact).toMatchObject({
      type: 'ContactLogged',
      schemaVersion: 3,
      data: {
        channel: 'call',
        direction: 'outbound',
        outcome: 'reached',
        durationMinutes: 20,
        activityId,
        occurredAt: '2026-01-02T09:00:00.000Z',
      },
    });
    expect((contact.data as { notes: string }).notes).toMatch(/^enc:v1:/);
  });

  it('completes a task without a contact, and keeps a closed activity closed', async () => {
    const customerId = await createLead(api.client);
    const activityId = await plan(customerId, 'task');
    const done = await act(activityId, 'complete', { outcome: 'done' });
    expect(done.body.events.map((e: { type: string }) => e.type)).toEqual(['ActivityCompleted']);

    for (const [step, body] of [
      ['complete', { outcome: 'done' }],
      ['cancel', { reason: 'x' }],
      ['reschedule', { dueAt: '2031-05-01T00:00:00Z' }],
      ['assign', { ownerId: 'rep-5' }],
    ] as const) {
      const refused = await act(activityId, step, body);
      expect({ step, status: refused.status, code: refused.body.code }).toEqual({
        step,
        status: 409,
        code: 'ACTIVITY_CLOSED',
      });
    }
  });

  it('cancels; refuses an unknown activity (404), a future occurredAt (422) and bad bodies (400)', async () => {
    const customerId = await createLead(api.client);
    const activityId = await plan(customerId);
    const head = await api.eventStore.headPosition();

    expect((await act(unknownId(), 'cancel', { reason: 'x' })).body.code).toBe(
      'ACTIVITY_NOT_FOUND',
    );
    expect((await act('not-a-uuid', 'cancel', { reason: 'x' })).status).toBe(404);
    const future = await act(activityId, 'complete', {
      outcome: 'done',
      occurredAt: '2999-01-01T00:00:00Z',
    });
    expect([future.status, future.body.code]).toEqual([422, 'TIMESTAMP_IN_FUTURE']);
    expect((await act(activityId, 'complete', { outcome: 'maybe' })).status).toBe(400);
    expect((await act(activityId, 'cancel', null)).status).toBe(400);
    expect(await api.eventStore.headPosition()).toBe(head);

    const cancelled = await act(activityId, 'cancel', { reason: 'the client postponed' });
    expect(cancelled.body.events.map((e: { type: string }) => e.type)).toEqual([
      'ActivityCancelled',
    ]);
  });

  it("changes nothing of an erased client's activities, and lets analysts change nothing", async () => {
    const customerId = await createLead(api.client);
    const activityId = await plan(customerId);
    expect(
      (await api.client.as('analyst').post(`/activities/${activityId}/cancel`, { reason: 'x' }))
        .status,
    ).toBe(403);
    await api.client.as('admin').post(`/customers/${customerId}/erasure`, { reason: 'GDPR' });
    expect((await act(activityId, 'cancel', { reason: 'x' })).body.code).toBe('CUSTOMER_ERASED');
  });
});

describe('POST /customers/:id/contacts: outcome, duration and the new channels', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('records an SMS with its outcome and duration as ContactLogged v3', async () => {
    const customerId = await createLead(api.client);
    const answer = await api.client.as('sales').post(`/customers/${customerId}/contacts`, {
      channel: 'sms',
      direction: 'outbound',
      subject: 'Reminder',
      outcome: 'left-message',
      durationMinutes: 1,
    });
    expect(answer.status).toBe(201);
    const contact = (await api.eventStore.readStream(`customer-${customerId}`)).events.at(-1)!;
    expect(contact).toMatchObject({
      schemaVersion: 3,
      data: { channel: 'sms', outcome: 'left-message', durationMinutes: 1 },
    });
    const social = await api.client.as('sales').post(`/customers/${customerId}/contacts`, {
      channel: 'social',
      direction: 'inbound',
      subject: 'Comment on our post',
      outcome: 'later',
      durationMinutes: 0,
    });
    expect(social.status).toBe(400);
    expect(social.body.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'durationMinutes',
      'outcome',
    ]);
  });
});
