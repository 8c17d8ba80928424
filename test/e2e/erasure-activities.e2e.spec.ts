import { TestClock } from '@rapport/testing';
import { startTestApi, TEST_MASTER_KEY, type TestApi } from '../support/api-harness';
import { runCliWith } from '../support/cli-runner';
import { createLead, expectCreated } from '../support/world';

/**
 * An erased client's planned work leaves everyone's agenda and figures: planned at
 * 2026-01-10 for two clients of the same owner, read at 2026-01-15T09:00Z (one activity
 * overdue), then the first client is erased.
 */
describe('erasing a client cancels their open activities', () => {
  const clock = new TestClock('2026-01-10T08:00:00.000Z');
  let api: TestApi;
  let erased: string;
  let kept: string;
  const ids: Record<string, string> = {};
  let head = 0;

  const plan = async (name: string, customerId: string, dueAt: string) => {
    const answer = await api.client.as('sales').post(`/customers/${customerId}/activities`, {
      kind: 'call',
      subject: `About ${name}`,
      dueAt,
    });
    expectCreated(answer, `plan ${name}`);
    ids[name] = answer.body.activityId;
    head = answer.body.position;
  };
  const names = (items: { activityId: string }[]) =>
    items.map((item) => Object.keys(ids).find((name) => ids[name] === item.activityId));
  const agenda = async (role: 'sales' | 'analyst' | 'admin', query = '') => {
    const response = await api.client.as(role).get(`/activities?minPosition=${head}${query}`);
    expect(response.status).toBe(200);
    return names(response.body.items);
  };

  beforeAll(async () => {
    api = await startTestApi({ clock });
    erased = await createLead(api.client, { ownerId: 'sales-user' });
    kept = await createLead(api.client, { ownerId: 'sales-user' });
    await plan('overdue', erased, '2026-01-12T10:00:00Z');
    await plan('next week', erased, '2026-01-20T10:00:00Z');
    await plan('done', erased, '2026-01-11T10:00:00Z');
    await plan('other client', kept, '2026-01-21T10:00:00Z');
    const done = await api.client
      .as('sales')
      .post(`/activities/${ids.done}/complete`, { outcome: 'reached' });
    expectCreated(done, 'complete');
    head = done.body.position;
    clock.set('2026-01-15T09:00:00.000Z');
  });
  afterAll(() => api.close());

  it('takes them off every agenda, keeps the other clients’ ones, and counts them as cancelled', async () => {
    expect(await agenda('sales')).toEqual(['overdue', 'next week', 'other client']);

    const erasure = await api.client
      .as('admin')
      .post(`/customers/${erased}/erasure`, { reason: 'right to be forgotten' });
    expectCreated(erasure, 'erase');
    head = erasure.body.position;

    expect(await agenda('sales')).toEqual(['other client']);
    expect(await agenda('sales', '&due=overdue')).toEqual([]);
    expect(await agenda('analyst')).toEqual(['other client']);
    expect(await agenda('admin', `&customerId=${erased}`)).toEqual([]);

    const figures = await api.client.as('sales').get(`/analytics/activities?minPosition=${head}`);
    expect(figures.status).toBe(200);
    expect(figures.body.owners).toEqual([
      expect.objectContaining({
        ownerId: 'sales-user',
        planned: 1,
        overdue: 0,
        done: 1,
        cancelled: 2,
      }),
    ]);
  });

  it('lists no open activity in the erased client’s 360 view, and none overdue', async () => {
    const view = await api.client.as('admin').get(`/customers/${erased}?minPosition=${head}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      status: 'erased',
      nextActivity: null,
      overdueActivities: 0,
      activities: { open: 0, scheduled: 3, done: 1, cancelled: 2 },
    });
    const other = await api.client.as('admin').get(`/customers/${kept}?minPosition=${head}`);
    expect(other.body).toMatchObject({
      nextActivity: { activityId: ids['other client'] },
      activities: { open: 1, scheduled: 1, done: 0, cancelled: 0 },
    });
  });

  it('verifies: the live read models equal a rebuild from the log (rapport verify)', async () => {
    const verified = await runCliWith(
      { CRM_DATA_DIR: api.dataDir, CRM_MASTER_KEY: TEST_MASTER_KEY },
      '--json',
      'verify',
    );
    expect(verified.code).toBe(0);
    expect(verified.json.ok).toBe(true);
  });
});
