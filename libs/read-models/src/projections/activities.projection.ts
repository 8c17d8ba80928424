import {
  assertNever,
  CRM_EVENT_CATALOGUE,
  isCrmEvent,
  type ActivityEvent,
  type CustomerErased,
  type EnvelopeOf,
  type EventEnvelope,
} from '@rapport/domain';
import { activityOwnersAggregation } from '../aggregations/activity-owners.aggregation';
import type { Projection } from '../projection';
import { rangeKey, type RangeBounds } from '../read-store.port';
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

/** Why the erasure of its client closed an activity (the status is `cancelled`). */
export const CLIENT_ERASED = 'client erased';

const isErasure = (event: EventEnvelope): event is EnvelopeOf<CustomerErased> =>
  event.type === 'CustomerErased';

/** A client's open activities, whatever their due time: one range of customerOpenDue. */
function openActivitiesOf(customerId: string): RangeBounds {
  return {
    orderBy: 'customerOpenDue',
    from: rangeKey(customerId, ''),
    // Above every due time (ISO text): the client's part of the range ends here.
    to: rangeKey(customerId, '\uffff'),
  };
}

/**
 * The erasure of its client cancels an open activity (reason "client erased"): no command
 * may change it afterwards, and it would otherwise stay on every agenda and in the figures.
 * Done and cancelled ones keep what they were.
 */
function closedByErasure(current: ActivityDocument | undefined): ActivityDocument {
  // The engine only hands this event the client's open activities it found (see rangeOf).
  if (!current) throw new Error('CustomerErased reached an activity that does not exist');
  if (current.status !== 'open') return current;
  return withRangeFields({ ...current, status: 'cancelled', cancelReason: CLIENT_ERASED });
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
    dueAt: 'dueAt' in event.data ? event.data.dueAt : event.occurredAt,
    durationMinutes: null,
    status: 'open',
    outcome: null,
    occurredAt: null,
    cancelReason: null,
    contactId: null,
    customerAt: '',
    scheduledAt: event.occurredAt,
    rescheduled: 0,
    openDueAt: null,
    ownerOpenDue: null,
    customerOpenDue: null,
  };
}

/**
 * Planned activities, one document per activity: the agenda per owner and per client is an
 * index range over the open ones' due dates (ownerOpenDue, customerOpenDue, openDueAt); the
 * activity entries of a client's timeline are a range over customerAt. A client's erasure
 * cancels its open activities, found by their customerOpenDue range.
 */
export const activitiesProjection: Projection<ActivityDocument> = {
  name: 'activities',
  // 2: a client's erasure cancels its open activities.
  version: 2,
  collection: 'activities',
  indexes: ['openDueAt', 'ownerOpenDue', 'customerOpenDue', 'customerAt', 'customerId', 'ownerId'],
  aggregations: [activityOwnersAggregation],

  keysOf(event: EventEnvelope): readonly string[] {
    return isCrmEvent(event) && CRM_EVENT_CATALOGUE[event.type].aggregate === 'activity'
      ? [(event.data as { activityId: string }).activityId]
      : [];
  },

  rangeOf(event: EventEnvelope): RangeBounds | undefined {
    return isErasure(event) ? openActivitiesOf(event.data.customerId) : undefined;
  },

  apply(current, envelope) {
    if (isErasure(envelope)) return closedByErasure(current);
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
