import type { ContactOutcome } from '../customer/customer.events';
import type { Sealed } from '../shared/personal-data';
import type { ActivityKind } from './activity.events';

interface Timed {
  now: string;
}

export type ScheduleActivity = Timed & {
  type: 'ScheduleActivity';
  data: {
    activityId: string;
    customerId: string;
    kind: ActivityKind;
    subject: Sealed;
    notes?: Sealed;
    dueAt: string;
    ownerId?: string;
    /**
     * The person planning it: the owner when none is named and the client has none, so a planned
     * activity always lands on somebody's agenda when a person plans it (a service has none).
     */
    plannerId?: string;
    durationMinutes?: number;
  };
};

export type RescheduleActivity = Timed & {
  type: 'RescheduleActivity';
  data: { activityId: string; dueAt: string; reason?: string };
};

export type ReassignActivity = Timed & {
  type: 'ReassignActivity';
  data: { activityId: string; ownerId: string };
};

export type CompleteActivity = Timed & {
  type: 'CompleteActivity';
  data: {
    activityId: string;
    outcome: ContactOutcome;
    notes?: Sealed;
    /** When it was done; defaults to now, never in the future. */
    occurredAt?: string;
    /** The id of the contact a completed call, e-mail, meeting or visit records. */
    contactId: string;
  };
};

export type CancelActivity = Timed & {
  type: 'CancelActivity';
  data: { activityId: string; reason: string };
};

export type ActivityCommand =
  ScheduleActivity | RescheduleActivity | ReassignActivity | CompleteActivity | CancelActivity;
