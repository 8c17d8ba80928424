import { sealed } from '@rapport/testing';
import type { CustomerState } from '../customer/customer.decider';
import { DomainError } from '../shared/domain-error';
import { deciderSpecification } from '@rapport/testing';
import type { ScheduleActivity } from './activity.commands';
import { activityDecider } from './activity.decider';
import type { ActivityScheduled } from './activity.events';
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

describe('an activity with its client', () => {
  it("goes on the client owner's agenda unless another owner is named", () => {
    expect(
      decideActivityWithCustomer(schedule(), { status: 'none' }, lead('rep-1')).activity,
    ).toEqual([{ ...scheduled, data: { ...scheduled.data, ownerId: 'rep-1' } }]);
    expect(
      decideActivityWithCustomer(schedule({ ownerId: 'rep-9' }), { status: 'none' }, lead('rep-1'))
        .activity[0]!.data.ownerId,
    ).toBe('rep-9');
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
});
