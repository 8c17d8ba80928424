import type { Sealed } from '../shared/personal-data';

/** What may be planned with a client: the contact channels that can be scheduled, or a task. */
export const ACTIVITY_KINDS = ['call', 'email', 'meeting', 'visit', 'task'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** Something planned with or for a client: a call to make, a meeting, a task. */
export type ActivityScheduled = {
  type: 'ActivityScheduled';
  schemaVersion: 1;
  data: {
    activityId: string;
    customerId: string;
    kind: ActivityKind;
    /** Personal data: what the activity is about (sealed like a contact's subject). */
    subject: Sealed;
    notes?: Sealed;
    /** When it is due: may lie in the future, unlike everything that already happened. */
    dueAt: string;
    /** Whose agenda it is on: the client's owner unless another is named. */
    ownerId?: string;
    durationMinutes?: number;
    scheduledAt: string;
  };
};

export type ActivityEvent = ActivityScheduled;

export const activityStreamId = (activityId: string) => `activity-${activityId}`;
