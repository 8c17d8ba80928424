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
