import type { ContactOutcome } from '../customer/customer.events';
import type { Sealed } from '../shared/personal-data';

/** What may be planned with a client: the contact channels that can be scheduled, or a task. */
export const ACTIVITY_KINDS = ['call', 'email', 'meeting', 'visit', 'task'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** Kinds whose completion is a contact with the client (recorded as ContactLogged too). */
export const CONTACT_ACTIVITY_KINDS = ['call', 'email', 'meeting', 'visit'] as const;

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

export type ActivityRescheduled = {
  type: 'ActivityRescheduled';
  schemaVersion: 1;
  data: {
    activityId: string;
    customerId: string;
    previousDueAt: string;
    dueAt: string;
    reason?: string;
    rescheduledAt: string;
  };
};

export type ActivityReassigned = {
  type: 'ActivityReassigned';
  schemaVersion: 1;
  data: {
    activityId: string;
    customerId: string;
    previousOwnerId?: string;
    ownerId: string;
    reassignedAt: string;
  };
};

export type ActivityCompleted = {
  type: 'ActivityCompleted';
  schemaVersion: 1;
  data: {
    activityId: string;
    customerId: string;
    kind: ActivityKind;
    outcome: ContactOutcome;
    notes?: Sealed;
    /** The contact the completion recorded (calls, e-mails, meetings, visits). */
    contactId?: string;
    dueAt: string;
    /** When it was done (business time); completedAt: when that was recorded. */
    occurredAt: string;
    completedAt: string;
  };
};

export type ActivityCancelled = {
  type: 'ActivityCancelled';
  schemaVersion: 1;
  data: {
    activityId: string;
    customerId: string;
    reason: string;
    dueAt: string;
    cancelledAt: string;
  };
};

export type ActivityEvent =
  | ActivityScheduled
  | ActivityRescheduled
  | ActivityReassigned
  | ActivityCompleted
  | ActivityCancelled;

export const activityStreamId = (activityId: string) => `activity-${activityId}`;
