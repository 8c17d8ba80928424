import { assertNever, type Decider } from '../shared/decider';
import { conflict, invalid } from '../shared/domain-error';
import type { ActivityCommand } from './activity.commands';
import type { ActivityEvent, ActivityKind } from './activity.events';

export type ActivityState =
  | { status: 'none' }
  | {
      status: 'planned';
      activityId: string;
      customerId: string;
      kind: ActivityKind;
      dueAt: string;
      ownerId?: string;
    };

/** A planned activity lasts from a minute to a working week. */
const MAX_DURATION_MINUTES = 7 * 24 * 60;

export function decideActivity(command: ActivityCommand, state: ActivityState): ActivityEvent[] {
  switch (command.type) {
    case 'ScheduleActivity': {
      const { data } = command;
      if (state.status !== 'none') {
        throw conflict('ACTIVITY_ALREADY_EXISTS', `activity ${data.activityId} already exists`, {
          activityId: data.activityId,
        });
      }
      if (Number.isNaN(Date.parse(data.dueAt))) {
        throw invalid('INVALID_TIMESTAMP', 'dueAt is not a valid ISO 8601 time', {
          field: 'dueAt',
        });
      }
      const { durationMinutes } = data;
      if (
        durationMinutes !== undefined &&
        !(
          Number.isInteger(durationMinutes) &&
          durationMinutes >= 1 &&
          durationMinutes <= MAX_DURATION_MINUTES
        )
      ) {
        throw invalid(
          'INVALID_DURATION',
          `durationMinutes is a whole number from 1 to ${MAX_DURATION_MINUTES}`,
          { durationMinutes },
        );
      }
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
            ...(durationMinutes !== undefined && { durationMinutes }),
            scheduledAt: command.now,
          },
        },
      ];
    }
    default:
      // command.type: with a single command TypeScript narrows the tag, not the object.
      return assertNever(command.type, 'activity command');
  }
}

export function evolveActivity(_state: ActivityState, event: ActivityEvent): ActivityState {
  switch (event.type) {
    case 'ActivityScheduled':
      return {
        status: 'planned',
        activityId: event.data.activityId,
        customerId: event.data.customerId,
        kind: event.data.kind,
        dueAt: event.data.dueAt,
        ...(event.data.ownerId !== undefined && { ownerId: event.data.ownerId }),
      };
    default:
      return assertNever(event.type, 'activity event');
  }
}

export const activityDecider: Decider<ActivityCommand, ActivityEvent, ActivityState> = {
  initialState: () => ({ status: 'none' }),
  decide: decideActivity,
  evolve: evolveActivity,
};
