import { assertNever, type Decider } from '../shared/decider';
import { conflict, invalid, notFound } from '../shared/domain-error';
import type { Sealed } from '../shared/personal-data';
import { assertDuration, assertNotInFuture, requireText } from '../shared/rules';
import type { ActivityCommand } from './activity.commands';
import { CONTACT_ACTIVITY_KINDS, type ActivityEvent, type ActivityKind } from './activity.events';

export type ActivityState =
  | { status: 'none' }
  | {
      status: 'planned' | 'completed' | 'cancelled';
      activityId: string;
      customerId: string;
      kind: ActivityKind;
      /** Kept to record the contact a completion is: the same subject, still sealed. */
      subject: Sealed;
      dueAt: string;
      ownerId?: string;
      durationMinutes?: number;
    };

type ExistingActivity = Exclude<ActivityState, { status: 'none' }>;

/** The activity, or the not-found refusal of every command on an unknown one. */
export function requireActivity(state: ActivityState, activityId: string): ExistingActivity {
  if (state.status === 'none') {
    throw notFound('ACTIVITY_NOT_FOUND', `activity ${activityId} does not exist`, { activityId });
  }
  return state;
}

/** A completed or cancelled activity is closed: nothing changes it any more. */
function requirePlanned(state: ActivityState, activityId: string): ExistingActivity {
  const activity = requireActivity(state, activityId);
  if (activity.status !== 'planned') {
    throw conflict('ACTIVITY_CLOSED', `activity ${activityId} is already ${activity.status}`, {
      activityId,
      status: activity.status,
    });
  }
  return activity;
}

function requireTime(field: string, value: string): void {
  if (Number.isNaN(Date.parse(value))) {
    throw invalid('INVALID_TIMESTAMP', `${field} is not a valid ISO 8601 time`, { field });
  }
}

/** Whether completing an activity of this kind is a contact with the client. */
export const isContactActivity = (
  kind: ActivityKind,
): kind is (typeof CONTACT_ACTIVITY_KINDS)[number] =>
  (CONTACT_ACTIVITY_KINDS as readonly string[]).includes(kind);

export function decideActivity(command: ActivityCommand, state: ActivityState): ActivityEvent[] {
  const { now } = command;
  switch (command.type) {
    case 'ScheduleActivity': {
      const { data } = command;
      if (state.status !== 'none') {
        throw conflict('ACTIVITY_ALREADY_EXISTS', `activity ${data.activityId} already exists`, {
          activityId: data.activityId,
        });
      }
      requireTime('dueAt', data.dueAt);
      assertDuration(data.durationMinutes);
      return [
        {
          type: 'ActivityScheduled',
          schemaVersion: 1,
          data: {
            activityId: data.activityId,
            customerId: data.customerId,
            kind: data.kind,
            subject: data.subject,
            ...(data.notes !== undefined && { notes: data.notes }),
            dueAt: data.dueAt,
            ...(data.ownerId !== undefined && { ownerId: data.ownerId }),
            ...(data.durationMinutes !== undefined && { durationMinutes: data.durationMinutes }),
            scheduledAt: now,
          },
        },
      ];
    }
    case 'RescheduleActivity': {
      const { data } = command;
      const activity = requirePlanned(state, data.activityId);
      requireTime('dueAt', data.dueAt);
      if (Date.parse(data.dueAt) === Date.parse(activity.dueAt)) {
        throw conflict('ACTIVITY_UNCHANGED', `activity ${data.activityId} is already due then`, {
          dueAt: activity.dueAt,
        });
      }
      return [
        {
          type: 'ActivityRescheduled',
          schemaVersion: 1,
          data: {
            activityId: activity.activityId,
            customerId: activity.customerId,
            previousDueAt: activity.dueAt,
            dueAt: data.dueAt,
            ...(data.reason !== undefined && { reason: data.reason }),
            rescheduledAt: now,
          },
        },
      ];
    }
    case 'ReassignActivity': {
      const { data } = command;
      const activity = requirePlanned(state, data.activityId);
      requireText('ownerId', data.ownerId);
      if (activity.ownerId === data.ownerId) {
        throw conflict(
          'OWNER_UNCHANGED',
          `${data.ownerId} already owns activity ${data.activityId}`,
        );
      }
      return [
        {
          type: 'ActivityReassigned',
          schemaVersion: 1,
          data: {
            activityId: activity.activityId,
            customerId: activity.customerId,
            ...(activity.ownerId !== undefined && { previousOwnerId: activity.ownerId }),
            ownerId: data.ownerId,
            reassignedAt: now,
          },
        },
      ];
    }
    case 'CompleteActivity': {
      const { data } = command;
      const activity = requirePlanned(state, data.activityId);
      const occurredAt = data.occurredAt ?? now;
      assertNotInFuture('occurredAt', occurredAt, now);
      return [
        {
          type: 'ActivityCompleted',
          schemaVersion: 1,
          data: {
            activityId: activity.activityId,
            customerId: activity.customerId,
            kind: activity.kind,
            outcome: data.outcome,
            ...(data.notes !== undefined && { notes: data.notes }),
            ...(isContactActivity(activity.kind) && { contactId: data.contactId }),
            dueAt: activity.dueAt,
            occurredAt,
            completedAt: now,
          },
        },
      ];
    }
    case 'CancelActivity': {
      const { data } = command;
      const activity = requirePlanned(state, data.activityId);
      requireText('reason', data.reason);
      return [
        {
          type: 'ActivityCancelled',
          schemaVersion: 1,
          data: {
            activityId: activity.activityId,
            customerId: activity.customerId,
            reason: data.reason,
            dueAt: activity.dueAt,
            cancelledAt: now,
          },
        },
      ];
    }
    default:
      return assertNever(command, 'activity command');
  }
}

export function evolveActivity(state: ActivityState, event: ActivityEvent): ActivityState {
  switch (event.type) {
    case 'ActivityScheduled':
      return {
        status: 'planned',
        activityId: event.data.activityId,
        customerId: event.data.customerId,
        kind: event.data.kind,
        subject: event.data.subject,
        dueAt: event.data.dueAt,
        ...(event.data.ownerId !== undefined && { ownerId: event.data.ownerId }),
        ...(event.data.durationMinutes !== undefined && {
          durationMinutes: event.data.durationMinutes,
        }),
      };
    case 'ActivityRescheduled':
      return state.status === 'none' ? state : { ...state, dueAt: event.data.dueAt };
    case 'ActivityReassigned':
      return state.status === 'none' ? state : { ...state, ownerId: event.data.ownerId };
    case 'ActivityCompleted':
      return state.status === 'none' ? state : { ...state, status: 'completed' };
    case 'ActivityCancelled':
      return state.status === 'none' ? state : { ...state, status: 'cancelled' };
    default:
      return assertNever(event, 'activity event');
  }
}

export const activityDecider: Decider<ActivityCommand, ActivityEvent, ActivityState> = {
  initialState: () => ({ status: 'none' }),
  decide: decideActivity,
  evolve: evolveActivity,
};
