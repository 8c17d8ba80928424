import type { InMemoryEventStore } from '@rapport/event-store/adapters';
import { EventLogBuilder, leadsWithContacts, sealed } from '@rapport/testing';
import { InMemoryReadStore } from '../adapters/in-memory.read-store';
import type { Projection } from '../projection';
import { activitiesProjection, type ActivityDocument } from '../projections/activities.projection';
import { auditTrailProjection } from '../projections/audit-trail.projection';
import {
  customer360Projection,
  type Customer360Document,
} from '../projections/customer-360.projection';
import type { CommitBatch, ReadStore, StoredDocument } from '../read-store.port';
import { releaseParked, type ParkedDocument } from './parked-documents';
import { projectBatch, ProjectionSession } from './projection-session';
import { documentCollection, parkedCollection } from './projection-target';
import { seededEventStore } from '../testing/seeded-event-store';
import { liveTargets, ProjectionRunner } from './projection-runner';

const history = leadsWithContacts;

const seed = seededEventStore;

async function runToEnd(
  source: InMemoryEventStore,
  store: ReadStore,
  projections: Projection[] = [customer360Projection],
) {
  const targets = await liveTargets(store, projections);
  const until = await source.headPosition();
  await new ProjectionRunner(source, store, targets, { batchSize: 7, until }).run();
  return targets;
}

async function documents<T extends StoredDocument>(
  store: ReadStore,
  collection: string,
): Promise<T[]> {
  const all: T[] = [];
  for await (const page of store.scan<T>(collection)) all.push(...page);
  return all;
}

/** Writes the documents, then "crashes" before the checkpoint: what MongoDB can suffer. */
class CrashBeforeCheckpoint extends InMemoryReadStore {
  crashes = 0;
  constructor(private crashAfterBatches: number) {
    super();
  }
  override async commit(batch: CommitBatch): Promise<void> {
    if (this.crashAfterBatches-- === 0) {
      await super.commit({ writes: batch.writes, checkpoints: [] });
      this.crashes++;
      throw new Error('projector killed between documents and checkpoint');
    }
    await super.commit(batch);
  }
}

describe('projection engine', () => {
  it('counts nothing twice when killed between document write and checkpoint', async () => {
    const events = history(5, 6);
    const source = await seed(events);
    const clean = new InMemoryReadStore();
    await runToEnd(source, clean);

    const crashing = new CrashBeforeCheckpoint(2);
    await expect(runToEnd(source, crashing)).rejects.toThrow('killed');
    expect(crashing.crashes).toBe(1);
    // Restart from the checkpoint that was recorded: the last batch is replayed.
    const [target] = await runToEnd(source, crashing);
    const collection = documentCollection(target!);
    expect(await documents(crashing, collection)).toEqual(await documents(clean, collection));
    const totals = (await documents<Customer360Document>(crashing, collection)).map(
      (d) => d.contacts.total,
    );
    expect(totals).toEqual([6, 6, 6, 6, 6]);
  });

  it('writes a write-once projection exactly once per event across a crash and a replay', async () => {
    const source = await seed(history(3, 4));
    const clean = new InMemoryReadStore();
    const [cleanTarget] = await runToEnd(source, clean, [auditTrailProjection]);

    const crashing = new CrashBeforeCheckpoint(1);
    await expect(runToEnd(source, crashing, [auditTrailProjection])).rejects.toThrow('killed');
    const [target] = await runToEnd(source, crashing, [auditTrailProjection]);
    const entries = await documents(crashing, documentCollection(target!));
    expect(entries).toHaveLength(15);
    expect(entries).toEqual(await documents(clean, documentCollection(cleanTarget!)));
  });

  it('parks a client whose event breaks a projection, and keeps every other client flowing', async () => {
    const fragile: Projection<Customer360Document> = {
      ...customer360Projection,
      apply(doc, event, key) {
        if (
          key === 'c2' &&
          event.type === 'ContactLogged' &&
          (event.data as { contactId: string }).contactId === 'k2-1'
        ) {
          throw new Error('cannot project k2-1');
        }
        return customer360Projection.apply(doc, event, key);
      },
    };
    const source = await seed(history(4, 3));
    const store = new InMemoryReadStore();
    const [target] = await runToEnd(source, store, [fragile]);
    const docs = await documents<Customer360Document>(store, documentCollection(target!));
    expect(docs.map((d) => [d.id, d.contacts.total])).toEqual([
      ['c0', 3],
      ['c1', 3],
      ['c2', 1],
      ['c3', 3],
    ]);
    const parked = await store.get<ParkedDocument>(parkedCollection(target!), 'c2');
    expect(parked).toMatchObject({ released: false, error: 'cannot project k2-1' });
    expect(parked!.events.map((e) => (e.data as { contactId: string }).contactId)).toEqual([
      'k2-1',
      'k2-2',
    ]);
    expect(target!.position).toBe(await source.headPosition());

    // The operator skips the bad event: the rest is applied and the client flows again.
    const outcome = await releaseParked(store, target!, 'c2', { skipFirst: true });
    expect(outcome.released).toBe(true);
    expect((outcome.skipped?.data as { contactId: string }).contactId).toBe('k2-1');
    expect(
      (await store.get<Customer360Document>(documentCollection(target!), 'c2'))!.contacts.total,
    ).toBe(2);
    expect((await store.get<ParkedDocument>(parkedCollection(target!), 'c2'))!.released).toBe(true);
  });

  it('keeps a parked client parked when a retry fails again', async () => {
    const broken: Projection<Customer360Document> = {
      ...customer360Projection,
      apply(doc, event, key) {
        if (key === 'c1' && event.type === 'ContactLogged') throw new Error('still broken');
        return customer360Projection.apply(doc, event, key);
      },
    };
    const source = await seed(history(2, 2));
    const store = new InMemoryReadStore();
    const [target] = await runToEnd(source, store, [broken]);
    expect(await releaseParked(store, target!, 'c1')).toMatchObject({
      released: false,
      error: 'still broken',
    });
    const parked = await store.get<ParkedDocument>(parkedCollection(target!), 'c1');
    expect(parked!.events).toHaveLength(2);
  });

  it('keeps every later event of a client parked at its very first event, across batches', async () => {
    const brokenFromTheStart: Projection<Customer360Document> = {
      ...customer360Projection,
      apply(doc, event, key) {
        if (key === 'c3') throw new Error('cannot project c3');
        return customer360Projection.apply(doc, event, key);
      },
    };
    // 4 clients x (lead + 3 contacts) in batches of 7: c3's events land in three batches.
    const source = await seed(history(4, 3));
    const store = new InMemoryReadStore();
    const [target] = await runToEnd(source, store, [brokenFromTheStart]);
    expect(await store.get(documentCollection(target!), 'c3')).toBeUndefined();
    const parked = await store.get<ParkedDocument>(parkedCollection(target!), 'c3');
    expect(parked!.events.map((e) => e.type)).toEqual([
      'LeadCreated',
      'ContactLogged',
      'ContactLogged',
      'ContactLogged',
    ]);
  });

  it('applies nothing at or below its checkpoint', async () => {
    const events = history(2, 2);
    const store = new InMemoryReadStore();
    const [target] = await liveTargets(store, [customer360Projection]);
    await projectBatch(store, [target!], events);
    const before = await documents(store, documentCollection(target!));
    await projectBatch(store, [target!], events.slice(0, 3));
    expect(await documents(store, documentCollection(target!))).toEqual(before);
  });

  it('follows live appends until aborted', async () => {
    const source = await seed(history(1, 1));
    const store = new InMemoryReadStore();
    const targets = await liveTargets(store, [customer360Projection]);
    const controller = new AbortController();
    const seen: number[] = [];
    const running = new ProjectionRunner(source, store, targets, {
      onBatch: ({ lastEvent }) => {
        seen.push(lastEvent.position);
        if (lastEvent.position >= 3) controller.abort();
      },
    }).run(controller.signal);
    const more = history(1, 2).slice(2);
    await source.append({
      streams: [
        {
          streamId: more[0]!.streamId,
          expectedRevision: 'any',
          events: more.map((e) => ({
            id: `${e.id}x`,
            type: e.type,
            schemaVersion: 1,
            data: e.data,
            metadata: e.metadata,
          })),
        },
      ],
    });
    await running;
    expect(seen[seen.length - 1]).toBe(3);
    expect(
      (await store.get<Customer360Document>(documentCollection(targets[0]!), 'c0'))!.contacts.total,
    ).toBe(2);
  });

  it('remembers a bounded number of written keys in a live session started on an empty store, and stays correct past the bound', async () => {
    const events = history(40, 2);
    const store = new InMemoryReadStore();
    const targets = await liveTargets(store, [customer360Projection]);
    const session = new ProjectionSession(store, targets, { maxCached: 10 });
    let mostRemembered = 0;
    for (let i = 0; i < events.length; i += 7) {
      await session.apply(events.slice(i, i + 7));
      await session.flush();
      mostRemembered = Math.max(mostRemembered, session.rememberedKeys);
    }
    expect(mostRemembered).toBeLessThanOrEqual(10 + 7);
    const docs = await documents<Customer360Document>(store, documentCollection(targets[0]!));
    expect(docs).toHaveLength(40);
    expect(docs.every((doc) => doc.contacts.total === 2)).toBe(true);
  });
});

describe('documents an event touches by range (Projection.rangeOf)', () => {
  /** c1 has `count` activities open (a0, a1, ...); the erasure of c1 comes last. */
  function plannedThenErased(count: number) {
    const log = new EventLogBuilder();
    for (let i = 0; i < count; i++)
      log.append({
        type: 'ActivityScheduled',
        schemaVersion: 1,
        data: {
          activityId: `a${i}`,
          customerId: 'c1',
          kind: 'task',
          subject: sealed('s'),
          dueAt: `2026-03-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
          scheduledAt: '2026-02-01T00:00:00.000Z',
        },
      });
    const planned = [...log.events];
    const erasure = log.append({
      type: 'CustomerErased',
      schemaVersion: 1,
      data: { customerId: 'c1', reason: 'request', erasedAt: '2026-02-02T00:00:00.000Z' },
    });
    return { planned, erasure };
  }

  it('reaches every document of the range, however many pages the store answers in', async () => {
    const { planned, erasure } = plannedThenErased(1203);
    const store = new InMemoryReadStore();
    const targets = await liveTargets(store, [activitiesProjection]);
    await projectBatch(store, targets, planned);
    await projectBatch(store, targets, [erasure]);
    const docs = await documents<ActivityDocument>(store, documentCollection(targets[0]!));
    expect(docs).toHaveLength(1203);
    expect(docs.filter((d) => d.status !== 'cancelled' || d.customerOpenDue !== null)).toEqual([]);
  });

  it('queues the event for a parked document in the range, applied when it is released', async () => {
    const { planned, erasure } = plannedThenErased(2);
    const log = new EventLogBuilder();
    const reschedule = log.append({
      type: 'ActivityRescheduled',
      schemaVersion: 1,
      data: {
        activityId: 'a1',
        customerId: 'c1',
        previousDueAt: '2026-03-01T00:00:01.000Z',
        dueAt: '2026-03-05T00:00:00.000Z',
        rescheduledAt: '2026-02-01T12:00:00.000Z',
      },
    });
    let fixed = false;
    const fragile: Projection<ActivityDocument> = {
      ...activitiesProjection,
      apply(doc, event, key) {
        if (!fixed && event.type === 'ActivityRescheduled') throw new Error('cannot reschedule');
        return activitiesProjection.apply(doc, event, key);
      },
    };
    const store = new InMemoryReadStore();
    const [target] = await liveTargets(store, [fragile]);
    await projectBatch(store, [target!], planned);
    await projectBatch(store, [target!], [{ ...reschedule, position: 3 }]);
    await projectBatch(store, [target!], [{ ...erasure, position: 4 }]);
    const collection = documentCollection(target!);
    expect((await store.get<ActivityDocument>(collection, 'a0'))!.status).toBe('cancelled');
    const parked = await store.get<ParkedDocument>(parkedCollection(target!), 'a1');
    expect(parked!.events.map((e) => e.type)).toEqual(['ActivityRescheduled', 'CustomerErased']);

    fixed = true;
    expect(await releaseParked(store, target!, 'a1')).toMatchObject({ released: true });
    expect(await store.get<ActivityDocument>(collection, 'a1')).toMatchObject({
      status: 'cancelled',
      cancelReason: 'client erased',
      dueAt: '2026-03-05T00:00:00.000Z',
      customerOpenDue: null,
    });
  });
  it.each([
    ['in a later batch (found in the store)', [[0, 1], [2]]],
    ['in the same batch (found among the changes)', [[0, 1, 2]]],
  ])('queues the event for a document parked at its very first event, %s', async (_, batches) => {
    const { planned, erasure } = plannedThenErased(2);
    let fixed = false;
    const fragile: Projection<ActivityDocument> = {
      ...activitiesProjection,
      apply(doc, event, key) {
        if (!fixed && key === 'a1') throw new Error('cannot schedule a1');
        return activitiesProjection.apply(doc, event, key);
      },
    };
    const events = [...planned, erasure];
    const store = new InMemoryReadStore();
    const [target] = await liveTargets(store, [fragile]);
    for (const batch of batches)
      await projectBatch(
        store,
        [target!],
        batch.map((i) => events[i]!),
      );
    const collection = documentCollection(target!);
    expect(await store.get(collection, 'a1')).toBeUndefined();
    const parked = await store.get<ParkedDocument>(parkedCollection(target!), 'a1');
    expect(parked!.events.map((e) => e.type)).toEqual(['ActivityScheduled', 'CustomerErased']);

    fixed = true;
    expect(await releaseParked(store, target!, 'a1')).toMatchObject({ released: true });
    expect(await store.get<ActivityDocument>(collection, 'a1')).toMatchObject({
      status: 'cancelled',
      cancelReason: 'client erased',
      customerOpenDue: null,
    });
  });
});
