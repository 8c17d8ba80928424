import type { Sealed } from '../shared/personal-data';
import type { ActivityKind } from './activity.events';

export type ScheduleActivity = {
  type: 'ScheduleActivity';
  now: string;
  data: {
    activityId: string;
    customerId: string;
    kind: ActivityKind;
    subject: Sealed;
    notes?: Sealed;
    dueAt: string;
    ownerId?: string;
    durationMinutes?: number;
  };
};

export type ActivityCommand = ScheduleActivity;
