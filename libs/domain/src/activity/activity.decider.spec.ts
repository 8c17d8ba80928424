import { sealed } from '@rapport/testing';
import type { CustomerState } from '../customer/customer.decider';
import { DomainError } from '../shared/domain-error';
import { deciderSpecification } from '@rapport/testing';
import { replay } from '../shared/decider';
import type { ActivityCommand, ScheduleActivity } from './activity.commands';
import { activityDecider } from './activity.decider';
import type { ActivityEvent, ActivityScheduled } from './activity.events';
import { decideActivityWithCustomer } from './activity-with-customer.decider';

const spec = deciderSpecification(activityDecider);
const now = '2026-03-01T10:00:00.000Z';
const activityId = 'a-1';
const customerId = 'c-1';

const schedule = (data: Partial<ScheduleActivity['data']> = {}): ScheduleActivity => ({
  type: 'ScheduleActivity',
  now,
  data: {
    activityId,
    customerId,
    kind: 'call',
    subject: sealed('renewal'),
    dueAt: '2026-03-05T09:00:00.000Z',
    ...data,
  },
});

const scheduled: ActivityScheduled = {
  type: 'ActivityScheduled',
  schemaVersion: 1,
  data: {
    activityId,
    customerId,
    kind: 'call',
    subject: sealed('renewal'),
    dueAt: '2026-03-05T09:00:00.000Z',
    scheduledAt: now,
  },
};

const lead = (ownerId?: string): CustomerState => ({
  status: 'lead',
  customerId,
  ...(ownerId !== undefined && { ownerId }),
  consents: {},
});

describe('activity decider', () => {
  it('schedules an activity due in the future', () => {
    spec.given([]).when(schedule()).then([scheduled]);
  });

  it('keeps notes, an owner and a duration', () => {
    spec
      .given([])
      .when(
        schedule({ notes: sealed('bring the contract'), ownerId: 'rep-2', durationMinutes: 30 }),
      )
      .then([
        {
          ...scheduled,
          data: {
            ...scheduled.data,
            notes: sealed('bring the contract'),
            ownerId: 'rep-2',
            durationMinutes: 30,
          },
        },
      ]);
  });

  it('refuses to schedule the same activity twice', () => {
    spec.given([scheduled]).when(schedule()).thenFails('ACTIVITY_ALREADY_EXISTS', 'conflict');
  });

  it('refuses a duration that is not a whole number of minutes up to a week', () => {
    for (const durationMinutes of [0, -5, 1.5, 10_081]) {
      spec.given([]).when(schedule({ durationMinutes })).thenFails('INVALID_DURATION', 'invalid');
    }
  });
});

const planned = (ownerId?: string): ActivityScheduled => ({
  ...scheduled,
  data: { ...scheduled.data, ...(ownerId !== undefined && { ownerId }), durationMinutes: 20 },
});

describe('changing a planned activity', () => {
  it('reschedules, keeping where it was due', () => {
    spec
      .given([scheduled])
      .when({
        type: 'RescheduleActivity',
        now,
        data: { activityId, dueAt: '2026-03-09T09:00:00.000Z', reason: 'client ill' },
      })
      .then([
        {
          type: 'ActivityRescheduled',
          schemaVersion: 1,
          data: {
            activityId,
            customerId,
            previousDueAt: '2026-03-05T09:00:00.000Z',
            dueAt: '2026-03-09T09:00:00.000Z',
            reason: 'client ill',
            rescheduledAt: now,
          },
        },
      ]);
  });

  it('refuses to reschedule to the time it is already due', () => {
    spec
      .given([scheduled])
      .when({
        type: 'RescheduleActivity',
        now,
        data: { activityId, dueAt: '2026-03-05T10:00:00+01:00' },
      })
      .thenFails('ACTIVITY_UNCHANGED', 'conflict');
  });

  it('reassigns to another owner, and refuses the same owner', () => {
    spec
      .given([planned('rep-1')])
      .when({ type: 'ReassignActivity', now, data: { activityId, ownerId: 'rep-2' } })
      .then([
        {
          type: 'ActivityReassigned',
          schemaVersion: 1,
          data: {
            activityId,
            customerId,
            previousOwnerId: 'rep-1',
            ownerId: 'rep-2',
            reassignedAt: now,
          },
        },
      ]);
    spec
      .given([planned('rep-1')])
      .when({ type: 'ReassignActivity', now, data: { activityId, ownerId: 'rep-1' } })
      .thenFails('OWNER_UNCHANGED', 'conflict');
  });

  it('completes, with the outcome and when it was done (not in the future)', () => {
    const complete = (occurredAt?: string) =>
      ({
        type: 'CompleteActivity',
        now,
        data: {
          activityId,
          outcome: 'reached',
          notes: sealed('agreed'),
          contactId: 'k-1',
          ...(occurredAt !== undefined && { occurredAt }),
        },
      }) as const;
    spec
      .given([scheduled])
      .when(complete('2026-03-01T09:30:00.000Z'))
      .then([
        {
          type: 'ActivityCompleted',
          schemaVersion: 1,
          data: {
            activityId,
            customerId,
            kind: 'call',
            outcome: 'reached',
            notes: sealed('agreed'),
            contactId: 'k-1',
            dueAt: '2026-03-05T09:00:00.000Z',
            occurredAt: '2026-03-01T09:30:00.000Z',
            completedAt: now,
          },
        },
      ]);
    spec
      .given([scheduled])
      .when(complete('2026-04-01T00:00:00.000Z'))
      .thenFails('TIMESTAMP_IN_FUTURE', 'invalid');
  });

  it('cancels with a reason', () => {
    spec
      .given([scheduled])
      .when({ type: 'CancelActivity', now, data: { activityId, reason: 'deal lost' } })
      .then([
        {
          type: 'ActivityCancelled',
          schemaVersion: 1,
          data: {
            activityId,
            customerId,
            reason: 'deal lost',
            dueAt: '2026-03-05T09:00:00.000Z',
            cancelledAt: now,
          },
        },
      ]);
  });

  it('refuses every change once the activity is completed or cancelled, and for an unknown one', () => {
    const completedEvent: ActivityEvent = {
      type: 'ActivityCompleted',
      schemaVersion: 1,
      data: {
        activityId,
        customerId,
        kind: 'call',
        outcome: 'done',
        dueAt: scheduled.data.dueAt,
        occurredAt: now,
        completedAt: now,
      },
    };
    const cancelledEvent: ActivityEvent = {
      type: 'ActivityCancelled',
      schemaVersion: 1,
      data: { activityId, customerId, reason: 'r', dueAt: scheduled.data.dueAt, cancelledAt: now },
    };
    const changes: ActivityCommand[] = [
      { type: 'RescheduleActivity', now, data: { activityId, dueAt: '2026-05-01T00:00:00.000Z' } },
      { type: 'ReassignActivity', now, data: { activityId, ownerId: 'rep-5' } },
      { type: 'CompleteActivity', now, data: { activityId, outcome: 'done', contactId: 'k' } },
      { type: 'CancelActivity', now, data: { activityId, reason: 'r' } },
    ];
    for (const change of changes) {
      spec.given([scheduled, completedEvent]).when(change).thenFails('ACTIVITY_CLOSED', 'conflict');
      spec.given([scheduled, cancelledEvent]).when(change).thenFails('ACTIVITY_CLOSED', 'conflict');
      spec.given([]).when(change).thenFails('ACTIVITY_NOT_FOUND', 'not-found');
    }
  });
});

describe('an activity with its client', () => {
  it("goes on the client owner's agenda unless another owner is named", () => {
    expect(
      decideActivityWithCustomer(schedule(), { status: 'none' }, lead('rep-1')).activity,
    ).toEqual([{ ...scheduled, data: { ...scheduled.data, ownerId: 'rep-1' } }]);
    expect(
      decideActivityWithCustomer(schedule({ ownerId: 'rep-9' }), { status: 'none' }, lead('rep-1'))
        .activity[0]!.data,
    ).toMatchObject({ ownerId: 'rep-9' });
  });

  it('goes on the agenda of the person who planned it when the lead has no owner', () => {
    const byPlanner = (customer: CustomerState, data: Partial<ScheduleActivity['data']>) =>
      decideActivityWithCustomer(schedule(data), { status: 'none' }, customer).activity[0]!.data;
    expect(byPlanner(lead(), { plannerId: 'support-3' })).toEqual({
      ...scheduled.data,
      ownerId: 'support-3',
    });
    expect(byPlanner(lead('rep-1'), { plannerId: 'support-3' })).toMatchObject({
      ownerId: 'rep-1',
    });
    expect(byPlanner(lead(), { plannerId: 'support-3', ownerId: 'rep-9' })).toMatchObject({
      ownerId: 'rep-9',
    });
    expect(byPlanner(lead(), {})).not.toHaveProperty('ownerId');
  });

  it('is refused for an unknown client (404) and an erased one (409)', () => {
    const refusal = (customer: CustomerState) => {
      try {
        decideActivityWithCustomer(schedule(), { status: 'none' }, customer);
      } catch (error) {
        return error instanceof DomainError ? [error.code, error.kind] : error;
      }
      return 'accepted';
    };
    expect(refusal({ status: 'none' })).toEqual(['CUSTOMER_NOT_FOUND', 'not-found']);
    expect(refusal({ status: 'erased', customerId })).toEqual(['CUSTOMER_ERASED', 'conflict']);
  });

  it('records a completed call as the contact that took place, in the same decision', () => {
    const state = replay(activityDecider, [planned('rep-1')]);
    const decision = decideActivityWithCustomer(
      {
        type: 'CompleteActivity',
        now,
        data: { activityId, outcome: 'no-answer', contactId: 'k-9' },
      },
      state,
      lead('rep-1'),
    );
    expect(decision.customer).toEqual([
      {
        type: 'ContactLogged',
        schemaVersion: 3,
        data: {
          customerId,
          contactId: 'k-9',
          channel: 'call',
          direction: 'outbound',
          subject: sealed('renewal'),
          outcome: 'no-answer',
          durationMinutes: 20,
          activityId,
          occurredAt: now,
          loggedAt: now,
        },
      },
    ]);
  });

  it('records no contact for a completed task', () => {
    const task = replay(activityDecider, [
      { ...scheduled, data: { ...scheduled.data, kind: 'task' } },
    ]);
    const decision = decideActivityWithCustomer(
      { type: 'CompleteActivity', now, data: { activityId, outcome: 'done', contactId: 'k-9' } },
      task,
      lead(),
    );
    expect(decision.customer).toEqual([]);
    expect(decision.activity[0]!.data).not.toHaveProperty('contactId');
  });

  it('changes nothing of an erased client', () => {
    const state = replay(activityDecider, [scheduled]);
    expect(() =>
      decideActivityWithCustomer(
        { type: 'CancelActivity', now, data: { activityId, reason: 'r' } },
        state,
        { status: 'erased', customerId },
      ),
    ).toThrow(expect.objectContaining({ code: 'CUSTOMER_ERASED' }));
  });
});
