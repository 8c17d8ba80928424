import {
  assertNever,
  CRM_EVENT_CATALOGUE,
  isCrmEvent,
  type ActivityEvent,
  type EnvelopeOf,
  type EventEnvelope,
} from '@rapport/domain';
import { activityOwnersAggregation } from '../aggregations/activity-owners.aggregation';
import type { Projection } from '../projection';
import { rangeKey } from '../read-store.port';
import type { ActivityDocument } from './activity.document';

export type * from './activity.document';

/** When an activity stands on the client's timeline: when it was done, else its due time. */
export const activityTime = (doc: ActivityDocument): string => doc.occurredAt ?? doc.dueAt;

/** The range fields of an activity: the agenda's set while it is open, null once closed. */
function withRangeFields(doc: ActivityDocument): ActivityDocument {
  const open = doc.status === 'open';
  return {
    ...doc,
    customerAt: rangeKey(doc.customerId, activityTime(doc)),
    openDueAt: open ? doc.dueAt : null,
    ownerOpenDue: open ? rangeKey(doc.ownerId ?? '', doc.dueAt) : null,
    customerOpenDue: open ? rangeKey(doc.customerId, doc.dueAt) : null,
  };
}

function unscheduled(event: EnvelopeOf<ActivityEvent>): ActivityDocument {
  // Only reached if a stream's first event were not ActivityScheduled (never, per stream
  // order): the activity is kept with what the event says rather than parked.
  const { activityId, customerId } = event.data;
  return {
    id: activityId,
    position: 0,
    activityId,
    customerId,
    ownerId: null,
    kind: 'task',
    subject: null,
    notes: null,
    dueAt: 'dueAt' in event.data ? event.data.dueAt : event.recordedAt,
    durationMinutes: null,
    status: 'open',
    outcome: null,
    occurredAt: null,
    cancelReason: null,
    contactId: null,
    customerAt: '',
    scheduledAt: event.recordedAt,
    rescheduled: 0,
    openDueAt: null,
    ownerOpenDue: null,
    customerOpenDue: null,
  };
}

/**
 * Planned activities, one document per activity: the agenda per owner and per client is an
 * index range over the open ones' due dates (ownerOpenDue, customerOpenDue, openDueAt); the
 * activity entries of a client's timeline are a range over customerAt.
 */
export const activitiesProjection: Projection<ActivityDocument> = {
  name: 'activities',
  version: 1,
  collection: 'activities',
  indexes: ['openDueAt', 'ownerOpenDue', 'customerOpenDue', 'customerAt', 'customerId', 'ownerId'],
  aggregations: [activityOwnersAggregation],

  keysOf(event: EventEnvelope): readonly string[] {
    return isCrmEvent(event) && CRM_EVENT_CATALOGUE[event.type].aggregate === 'activity'
      ? [(event.data as { activityId: string }).activityId]
      : [];
  },

  apply(current, envelope) {
    const event = envelope as EnvelopeOf<ActivityEvent>;
    switch (event.type) {
      case 'ActivityScheduled': {
        const { data } = event;
        return withRangeFields({
          id: data.activityId,
          position: 0,
          activityId: data.activityId,
          customerId: data.customerId,
          ownerId: data.ownerId ?? null,
          kind: data.kind,
          subject: data.subject,
          notes: data.notes ?? null,
          dueAt: data.dueAt,
          durationMinutes: data.durationMinutes ?? null,
          status: 'open',
          outcome: null,
          occurredAt: null,
          cancelReason: null,
          contactId: null,
          customerAt: '',
          scheduledAt: data.scheduledAt,
          rescheduled: 0,
          openDueAt: null,
          ownerOpenDue: null,
          customerOpenDue: null,
        });
      }
      case 'ActivityRescheduled': {
        const doc = current ?? unscheduled(event);
        return withRangeFields({
          ...doc,
          dueAt: event.data.dueAt,
          rescheduled: doc.rescheduled + 1,
        });
      }
      case 'ActivityReassigned':
        return withRangeFields({ ...(current ?? unscheduled(event)), ownerId: event.data.ownerId });
      case 'ActivityCompleted': {
        const doc = current ?? unscheduled(event);
        return withRangeFields({
          ...doc,
          status: 'done',
          outcome: event.data.outcome,
          notes: event.data.notes ?? doc.notes,
          occurredAt: event.data.occurredAt,
          contactId: event.data.contactId ?? null,
        });
      }
      case 'ActivityCancelled':
        return withRangeFields({
          ...(current ?? unscheduled(event)),
          status: 'cancelled',
          cancelReason: event.data.reason,
        });
      default:
        return assertNever(event, 'event type in activities');
    }
  },
};
