import { EventLogBuilder, sealed } from '@rapport/testing';
import { fieldHistory } from './field-history.fold';

const customerId = 'c-1';
const at = '2026-01-05T10:00:00.000Z';

describe('field history: from what to what each change set a field', () => {
  it('gives a new client every field from null, and a correction from the previous value', () => {
    const log = new EventLogBuilder();
    const created = log.append({
      type: 'LeadCreated',
      schemaVersion: 1,
      data: { customerId, name: sealed('Ada'), company: 'AE', source: 'fair', createdAt: at },
    });
    const corrected = log.append({
      type: 'CustomerProfileCorrected',
      schemaVersion: 1,
      data: {
        customerId,
        changes: { name: sealed('Ada L'), email: sealed('ada@x'), company: 'AE' },
        correctedFields: ['name', 'email', 'company'],
        at,
      },
    });
    const history = fieldHistory(log.events);
    expect(history.get(created.id)).toEqual([
      { field: 'name', from: null, to: sealed('Ada') },
      { field: 'company', from: null, to: 'AE' },
      { field: 'source', from: null, to: 'fair' },
      { field: 'status', from: null, to: 'lead' },
    ]);
    // The company was given again unchanged: not a change.
    expect(history.get(corrected.id)).toEqual([
      { field: 'name', from: sealed('Ada'), to: sealed('Ada L') },
      { field: 'email', from: null, to: sealed('ada@x') },
    ]);
  });

  it("follows a deal's stage and amount and an activity's due date and owner", () => {
    const log = new EventLogBuilder();
    log.append({
      type: 'DealOpened',
      schemaVersion: 1,
      data: {
        dealId: 'd1',
        customerId,
        title: 'Boat',
        amount: 100,
        currency: 'EUR',
        stage: 'qualification',
        openedAt: at,
      },
    });
    const staged = log.append({
      type: 'DealStageChanged',
      schemaVersion: 1,
      data: { dealId: 'd1', customerId, from: 'qualification', to: 'proposal', changedAt: at },
    });
    const won = log.append({
      type: 'DealWon',
      schemaVersion: 1,
      data: { dealId: 'd1', customerId, amount: 120, currency: 'EUR', openedAt: at, wonAt: at },
    });
    log.append({
      type: 'ActivityScheduled',
      schemaVersion: 1,
      data: {
        activityId: 'a1',
        customerId,
        kind: 'call',
        subject: sealed('call back'),
        dueAt: '2026-01-06T10:00:00.000Z',
        ownerId: 'rep-1',
        scheduledAt: at,
      },
    });
    const moved = log.append({
      type: 'ActivityRescheduled',
      schemaVersion: 1,
      data: {
        activityId: 'a1',
        customerId,
        previousDueAt: '2026-01-06T10:00:00.000Z',
        dueAt: '2026-01-07T10:00:00.000Z',
        rescheduledAt: at,
      },
    });
    const handed = log.append({
      type: 'ActivityReassigned',
      schemaVersion: 1,
      data: {
        activityId: 'a1',
        customerId,
        previousOwnerId: 'rep-1',
        ownerId: 'rep-2',
        reassignedAt: at,
      },
    });
    const history = fieldHistory(log.events);
    expect(history.get(staged.id)).toEqual([
      { field: 'deals.d1.stage', from: 'qualification', to: 'proposal' },
    ]);
    expect(history.get(won.id)).toEqual([
      { field: 'deals.d1.status', from: 'open', to: 'won' },
      { field: 'deals.d1.amount', from: 100, to: 120 },
    ]);
    expect(history.get(moved.id)).toEqual([
      {
        field: 'activities.a1.dueAt',
        from: '2026-01-06T10:00:00.000Z',
        to: '2026-01-07T10:00:00.000Z',
      },
    ]);
    expect(history.get(handed.id)).toEqual([
      { field: 'activities.a1.ownerId', from: 'rep-1', to: 'rep-2' },
    ]);
  });
});
