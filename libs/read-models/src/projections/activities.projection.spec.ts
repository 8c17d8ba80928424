import { EventLogBuilder, projectionSpecification, sealed } from '@rapport/testing';
import { activityOwnersAggregation } from '../aggregations/activity-owners.aggregation';
import { activitiesProjection, type ActivityDocument } from './activities.projection';

const spec = projectionSpecification(activitiesProjection);

function planned() {
  const log = new EventLogBuilder();
  log.append({
    type: 'ActivityScheduled',
    schemaVersion: 1,
    data: {
      activityId: 'a1',
      customerId: 'c1',
      kind: 'call',
      subject: sealed('renewal'),
      notes: sealed('ask about volume'),
      dueAt: '2026-03-02T09:00:00.000Z',
      ownerId: 'rep|1',
      durationMinutes: 15,
      scheduledAt: '2026-03-01T08:00:00.000Z',
    },
  });
  log.append({
    type: 'ActivityScheduled',
    schemaVersion: 1,
    data: {
      activityId: 'a2',
      customerId: 'c2',
      kind: 'task',
      subject: sealed('send offer'),
      dueAt: '2026-03-03T00:00:00.000Z',
      scheduledAt: '2026-03-01T08:00:00.000Z',
    },
  });
  return log;
}

const a1: ActivityDocument = {
  id: 'a1',
  position: 1,
  activityId: 'a1',
  customerId: 'c1',
  ownerId: 'rep|1',
  kind: 'call',
  subject: sealed('renewal'),
  notes: sealed('ask about volume'),
  dueAt: '2026-03-02T09:00:00.000Z',
  durationMinutes: 15,
  status: 'open',
  outcome: null,
  occurredAt: null,
  cancelReason: null,
  contactId: null,
  customerAt: 'c1|2026-03-02T09:00:00.000Z',
  scheduledAt: '2026-03-01T08:00:00.000Z',
  rescheduled: 0,
  openDueAt: '2026-03-02T09:00:00.000Z',
  ownerOpenDue: 'rep%7C1|2026-03-02T09:00:00.000Z',
  customerOpenDue: 'c1|2026-03-02T09:00:00.000Z',
};

describe('activities projection', () => {
  it('keeps a planned activity open on its owner’s and its client’s agenda, by due time', async () => {
    await spec.given(planned().events).then('a1', a1);
    await spec.given(planned().events).then('a2', {
      ...a1,
      id: 'a2',
      position: 2,
      activityId: 'a2',
      customerId: 'c2',
      ownerId: null,
      kind: 'task',
      subject: sealed('send offer'),
      notes: null,
      dueAt: '2026-03-03T00:00:00.000Z',
      durationMinutes: null,
      customerAt: 'c2|2026-03-03T00:00:00.000Z',
      openDueAt: '2026-03-03T00:00:00.000Z',
      ownerOpenDue: '|2026-03-03T00:00:00.000Z',
      customerOpenDue: 'c2|2026-03-03T00:00:00.000Z',
    });
  });

  it('moves with a reschedule and a new owner, and leaves every agenda once done', async () => {
    const log = planned();
    log.append({
      type: 'ActivityRescheduled',
      schemaVersion: 1,
      data: {
        activityId: 'a1',
        customerId: 'c1',
        previousDueAt: a1.dueAt,
        dueAt: '2026-03-04T09:00:00.000Z',
        rescheduledAt: '2026-03-02T08:00:00.000Z',
      },
    });
    log.append({
      type: 'ActivityReassigned',
      schemaVersion: 1,
      data: {
        activityId: 'a1',
        customerId: 'c1',
        previousOwnerId: 'rep|1',
        ownerId: 'rep-2',
        reassignedAt: '2026-03-02T08:30:00.000Z',
      },
    });
    const moved = {
      ...a1,
      position: 4,
      ownerId: 'rep-2',
      dueAt: '2026-03-04T09:00:00.000Z',
      rescheduled: 1,
      customerAt: 'c1|2026-03-04T09:00:00.000Z',
      openDueAt: '2026-03-04T09:00:00.000Z',
      ownerOpenDue: 'rep-2|2026-03-04T09:00:00.000Z',
      customerOpenDue: 'c1|2026-03-04T09:00:00.000Z',
    };
    await spec.given(log.events).then('a1', moved);
    log.append({
      type: 'ActivityCompleted',
      schemaVersion: 1,
      data: {
        activityId: 'a1',
        customerId: 'c1',
        kind: 'call',
        outcome: 'reached',
        notes: sealed('wants 20% more'),
        contactId: 'k1',
        dueAt: moved.dueAt,
        occurredAt: '2026-03-04T09:10:00.000Z',
        completedAt: '2026-03-04T09:30:00.000Z',
      },
    });
    await spec.given(log.events).then('a1', {
      ...moved,
      position: 5,
      status: 'done',
      outcome: 'reached',
      notes: sealed('wants 20% more'),
      occurredAt: '2026-03-04T09:10:00.000Z',
      contactId: 'k1',
      // On the client's timeline when it was done.
      customerAt: 'c1|2026-03-04T09:10:00.000Z',
      openDueAt: null,
      ownerOpenDue: null,
      customerOpenDue: null,
    });
  });

  it('keeps a cancelled activity with its reason, on no agenda, and is unchanged by replays', async () => {
    const log = planned();
    log.append({
      type: 'ActivityCancelled',
      schemaVersion: 1,
      data: {
        activityId: 'a2',
        customerId: 'c2',
        reason: 'client on holiday',
        dueAt: '2026-03-03T00:00:00.000Z',
        cancelledAt: '2026-03-02T00:00:00.000Z',
      },
    });
    const docs = await spec
      .given(log.events)
      .whenDelivered(log.events)
      .whenReplayed(1, log.events.slice(1))
      .documents<ActivityDocument>();
    expect(docs.map((d) => [d.id, d.status, d.cancelReason, d.openDueAt])).toEqual([
      ['a1', 'open', null, a1.dueAt],
      ['a2', 'cancelled', 'client on holiday', null],
    ]);
  });

  describe('when the client is erased', () => {
    const erasure = (log: EventLogBuilder) =>
      log.append({
        type: 'CustomerErased',
        schemaVersion: 1,
        data: { customerId: 'c1', reason: 'request', erasedAt: '2026-03-05T00:00:00.000Z' },
      });
    /** c1 has a1 (open) and a3 (done); c2 has a2 (open). */
    function plannedAndDone() {
      const log = planned();
      log.append({
        type: 'ActivityScheduled',
        schemaVersion: 1,
        data: {
          activityId: 'a3',
          customerId: 'c1',
          kind: 'task',
          subject: sealed('prepare'),
          dueAt: '2026-03-01T10:00:00.000Z',
          scheduledAt: '2026-03-01T08:00:00.000Z',
        },
      });
      log.append({
        type: 'ActivityCompleted',
        schemaVersion: 1,
        data: {
          activityId: 'a3',
          customerId: 'c1',
          kind: 'task',
          outcome: 'done',
          dueAt: '2026-03-01T10:00:00.000Z',
          occurredAt: '2026-03-01T09:00:00.000Z',
          completedAt: '2026-03-01T09:00:00.000Z',
        },
      });
      return log;
    }
    const summary = (docs: ActivityDocument[]) =>
      docs.map((d) => [d.id, d.status, d.cancelReason, d.ownerOpenDue, d.customerOpenDue]);
    const afterErasure = [
      ['a1', 'cancelled', 'client erased', null, null],
      ['a2', 'open', null, '|2026-03-03T00:00:00.000Z', 'c2|2026-03-03T00:00:00.000Z'],
      ['a3', 'done', null, null, null],
    ];

    it('cancels the client’s open activities (reason "client erased"), leaving the agendas', async () => {
      const log = plannedAndDone();
      erasure(log);
      // Scheduled and erased in one batch: found among the changes not yet committed.
      await spec.given(log.events).then('a1', {
        ...a1,
        position: 5,
        status: 'cancelled',
        cancelReason: 'client erased',
        openDueAt: null,
        ownerOpenDue: null,
        customerOpenDue: null,
      });
      expect(summary(await spec.given(log.events).documents<ActivityDocument>())).toEqual(
        afterErasure,
      );
    });

    it('finds the open activities in the store when the erasure comes in a later batch', async () => {
      const log = plannedAndDone();
      const before = [...log.events];
      const erased = erasure(log);
      const docs = await spec.given(before).whenDelivered([erased]).documents<ActivityDocument>();
      expect(summary(docs)).toEqual(afterErasure);
    });

    it('is unchanged by a redelivered or replayed erasure', async () => {
      const log = plannedAndDone();
      const erased = erasure(log);
      const docs = await spec
        .given(log.events)
        .whenDelivered([erased])
        .whenReplayed(2, log.events.slice(2))
        .documents<ActivityDocument>();
      expect(summary(docs)).toEqual(afterErasure);
      expect(docs.find((d) => d.id === 'a1')!.position).toBe(erased.position);
    });
  });

  it('tallies activities by owner and status', () => {
    expect(activityOwnersAggregation.contribution(a1)).toEqual(
      new Map([['owner:rep|1', { open: 1 }]]),
    );
    expect(
      activityOwnersAggregation.contribution({ ...a1, ownerId: null, status: 'cancelled' }),
    ).toEqual(new Map([['no-owner', { cancelled: 1 }]]));
  });
});
