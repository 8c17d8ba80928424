import type { EventEnvelope } from '@rapport/domain';
import { DEFAULT_CURRENCY, listingRow, type ListingContext } from '../listing';
import type {
  CommitBatch,
  RangeBounds,
  RangeCursor,
  ReadStore,
  StoredDocument,
} from '../read-store.port';
import { AggregateTallies } from './aggregate-tallies';
import type { ParkedDocument } from './parked-documents';
import {
  documentCollection,
  listingCollection,
  parkedCollection,
  type ProjectionTarget,
} from './projection-target';

/** Aggregate shard of the ordered paths (the log read in position order). */
export const LOG_SHARD = 'log';

export interface BatchOutcome {
  /** Documents changed per projection. */
  written: Record<string, number>;
  /** Keys newly parked in this batch, with the error. */
  parked: { projection: string; key: string; position: number; error: string }[];
}

interface TargetSession {
  documents: Map<string, StoredDocument>;
  parked: Map<string, ParkedDocument>;
  dirty: Set<string>;
  dirtyParked: Set<string>;
  /** Last position applied in memory; target.position is the last one committed. */
  applied: number;
  recordedAt?: string;
  /** Known to start from nothing: only documents this session wrote can exist in the store. */
  fresh?: boolean;
  /** For a fresh session: keys written by earlier flushes and evicted from the cache. */
  written: Set<string>;
  /** Applied since the last flush. */
  pending?: boolean;
  /** The projection's figures over all documents (see aggregation.ts). */
  tallies: AggregateTallies;
}

/** Page size when reading the documents in an event's range (see Projection.rangeOf). */
const RANGE_PAGE = 500;

const fieldOf = (doc: StoredDocument, field: string): unknown =>
  (doc as unknown as Record<string, unknown>)[field];

/** Whether a document lies in a range, compared as the stores compare (see RangeBounds). */
function inRange(doc: StoredDocument, range: RangeBounds): boolean {
  const value = fieldOf(doc, range.orderBy);
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  if (range.from !== undefined && value < range.from) return false;
  if (range.to !== undefined && value >= range.to) return false;
  return Object.entries(range.where ?? {}).every(
    ([field, expected]) => fieldOf(doc, field) === expected,
  );
}

/** Documents a write-behind session keeps per projection (~2 KB each for customer-360). */
const DEFAULT_MAX_CACHED = 250_000;

export interface SessionOptions {
  clock?: () => Date;
  /** The default currency of listing rows (CRM_DEFAULT_CURRENCY); EUR if not given. */
  defaultCurrency?: string;
  /**
   * Keep documents in memory between flushes (write-behind). Only for a generation no one
   * else writes, such as a rebuild: the cache would not see another writer's changes.
   */
  retain?: boolean;
  /** Retained documents beyond which the cache is emptied after a flush. */
  maxCached?: number;
  /**
   * Events come from a partitioned source (Kafka): positions are ordered per client only,
   * so no checkpoint is written (the source commits offsets) and only the per-document
   * guard filters redeliveries.
   */
  partitioned?: boolean;
  /**
   * The aggregate shard this session writes: one per Kafka partition (positions grow within
   * it), LOG_SHARD for the ordered paths.
   */
  shard?: string;
}

/**
 * The exactly-once core shared by every profile: for each projection, load the documents a
 * batch touches, apply each event whose position is above the document's (the guard), and
 * commit the new documents with the checkpoint. Redelivered or replayed events change nothing.
 * Applying and committing are separate steps so that a rebuild can apply many batches in
 * memory and commit them at once.
 */
export class ProjectionSession {
  private readonly sessions = new Map<ProjectionTarget, TargetSession>();
  private readonly clock: () => Date;

  constructor(
    private readonly store: ReadStore,
    private readonly targets: readonly ProjectionTarget[],
    private readonly options: SessionOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** The session state of a target; targets may be swapped in while a runner runs. */
  private sessionOf(target: ProjectionTarget): TargetSession {
    let session = this.sessions.get(target);
    if (!session) {
      session = {
        documents: new Map(),
        parked: new Map(),
        dirty: new Set(),
        dirtyParked: new Set(),
        applied: target.position,
        written: new Set(),
        tallies: new AggregateTallies(this.store, target, {
          shard: this.options.shard ?? LOG_SHARD,
          retain: this.options.retain === true,
        }),
      };
      this.sessions.set(target, session);
    }
    return session;
  }

  /** Forgets targets that are no longer in the list (swapped out by a rebuild). */
  private prune(): void {
    for (const target of this.sessions.keys())
      if (!this.targets.includes(target)) this.sessions.delete(target);
  }

  /** Applies events in memory; nothing is stored until flush(). */
  async apply(events: readonly EventEnvelope[]): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { written: {}, parked: [] };
    this.prune();
    for (const target of this.targets) {
      const session = this.sessionOf(target);
      // Partitioned sources (Kafka) interleave positions across partitions: there, only the
      // per-document guard decides, and the source keeps the checkpoint (consumer offsets).
      const relevant = this.options.partitioned
        ? events
        : events.filter((event) => event.position > session.applied);
      if (relevant.length === 0) continue;
      const last = relevant[relevant.length - 1]!;
      outcome.written[target.projection.name] = await this.applyTo(
        target,
        session,
        relevant,
        outcome,
      );
      session.applied = this.options.partitioned
        ? Math.max(session.applied, last.position)
        : last.position;
      session.pending = true;
      session.recordedAt = last.recordedAt;
    }
    return outcome;
  }

  /** Events applied in memory and not yet committed, over all targets. */
  get uncommitted(): number {
    let behind = 0;
    for (const [target, session] of this.sessions)
      behind = Math.max(behind, session.applied - target.position);
    return behind;
  }

  /** Document keys remembered as written by a fresh session (bounded by maxCached). */
  get rememberedKeys(): number {
    let keys = 0;
    for (const session of this.sessions.values()) keys += session.written.size;
    return keys;
  }

  /** Whether the retained documents have outgrown the cache: time to flush. */
  get cacheFull(): boolean {
    const limit = this.options.maxCached ?? DEFAULT_MAX_CACHED;
    for (const session of this.sessions.values()) if (session.documents.size > limit) return true;
    return false;
  }

  /**
   * Commits every changed document with the checkpoints, in one store commit, after the
   * aggregate documents (see AggregateTallies for why they go first).
   */
  async flush(): Promise<void> {
    const tallyWrites = [...this.sessions.values()].flatMap((s) => s.tallies.takeWrites());
    if (tallyWrites.length > 0) await this.store.commit({ writes: tallyWrites, checkpoints: [] });
    for (const session of this.sessions.values()) session.tallies.committed();
    const batch: CommitBatch = { writes: [], checkpoints: [] };
    const context: ListingContext = {
      now: this.clock(),
      defaultCurrency: this.options.defaultCurrency ?? DEFAULT_CURRENCY,
    };
    for (const [target, session] of this.sessions) {
      if (!session.pending) continue;
      const collection = documentCollection(target);
      const parkedIn = parkedCollection(target);
      const once = target.projection.writeOnce === true;
      const listings = target.projection.listings ?? [];
      for (const key of session.dirty) {
        const document = session.documents.get(key)!;
        batch.writes.push({ collection, document, ...(once && { once }) });
        // Each listing's row goes with its document, in the same commit and position.
        for (const listing of listings)
          batch.writes.push({
            collection: listingCollection(target, listing),
            document: listingRow(listing, document, context),
          });
      }
      for (const key of session.dirtyParked)
        batch.writes.push({ collection: parkedIn, document: session.parked.get(key)! });
      if (!this.options.partitioned) {
        batch.checkpoints.push({
          projection: target.projection.name,
          generation: target.generation,
          position: session.applied,
          ...(session.recordedAt !== undefined && { recordedAt: session.recordedAt }),
        });
      }
    }
    if (batch.writes.length === 0 && batch.checkpoints.length === 0) return;
    await this.store.commit(batch);
    for (const [target, session] of this.sessions) {
      session.pending = false;
      if (!this.options.partitioned) target.position = session.applied;
      session.dirty.clear();
      session.dirtyParked.clear();
      if (
        !this.options.retain ||
        target.projection.writeOnce ||
        session.documents.size > (this.options.maxCached ?? DEFAULT_MAX_CACHED)
      ) {
        // A fresh generation still knows which keys it wrote: only those need looking up.
        if (session.fresh && !target.projection.writeOnce) {
          for (const key of session.documents.keys()) session.written.add(key);
          for (const key of session.parked.keys()) session.written.add(key);
          // Bounded: a live session that started on an empty store (a new data dir) would
          // otherwise remember every document key it ever wrote, for the life of the process.
          // Past the limit it looks keys up in the store like any session.
          if (session.written.size > (this.options.maxCached ?? DEFAULT_MAX_CACHED)) {
            session.fresh = false;
            session.written.clear();
          }
        }
        session.documents.clear();
        session.parked.clear();
      }
    }
  }

  private async applyTo(
    target: ProjectionTarget,
    session: TargetSession,
    events: readonly EventEnvelope[],
    outcome: BatchOutcome,
  ): Promise<number> {
    const { projection } = target;
    const keyed = events.map((event) => ({ event, keys: projection.keysOf(event) }));
    if (session.fresh === undefined) {
      // A generation built from position 0 into an empty collection (a rebuild) has nothing
      // to look up: every document it needs, it creates.
      session.fresh =
        !this.options.partitioned &&
        target.position === 0 &&
        (await this.store.count(documentCollection(target))) === 0;
      session.tallies.fresh = session.fresh;
    }
    const missing = projection.writeOnce
      ? []
      : [...new Set(keyed.flatMap((k) => k.keys))].filter(
          (key) => !session.documents.has(key) && (!session.fresh || session.written.has(key)),
        );
    if (missing.length > 0) {
      for (const [key, doc] of await this.store.getMany<StoredDocument>(
        documentCollection(target),
        missing,
      )) {
        session.documents.set(key, doc);
      }
      for (const [key, doc] of await this.store.getMany<ParkedDocument>(
        parkedCollection(target),
        missing,
      )) {
        session.parked.set(key, doc);
      }
    }
    let changed = 0;
    for (const { event, keys: ownKeys } of keyed) {
      const range = projection.rangeOf?.(event);
      const keys = range
        ? [
            ...new Set([
              ...ownKeys,
              ...(await this.keysInRange(target, session, range)),
              ...(await this.parkedKeysOf(target, session, event.metadata.customerId)),
            ]),
          ]
        : ownKeys;
      for (const key of keys) {
        const parked = session.parked.get(key);
        if (parked && !parked.released) {
          if (event.position > parked.position) {
            parked.events.push(event);
            parked.position = event.position;
            session.dirtyParked.add(key);
          }
          continue;
        }
        const current = session.documents.get(key);
        if (current && current.position >= event.position) continue;
        try {
          // The returned document belongs to the engine from here on (see Projection.apply).
          const next = projection.apply(current, event, key) as StoredDocument;
          next.id = key;
          next.position = event.position;
          if (session.tallies.enabled) session.tallies.record(current, next, event.position);
          session.documents.set(key, next);
          if (!session.dirty.has(key)) changed++;
          session.dirty.add(key);
        } catch (error) {
          const message = (error as Error).message ?? String(error);
          session.parked.set(key, {
            id: key,
            position: event.position,
            projection: projection.name,
            key,
            customerId: event.metadata.customerId,
            events: [event],
            error: message,
            parkedAt: this.clock().toISOString(),
            released: false,
          });
          session.dirtyParked.add(key);
          outcome.parked.push({
            projection: projection.name,
            key,
            position: event.position,
            error: message,
          });
        }
      }
    }
    // After the documents were read (see AggregateTallies).
    await session.tallies.settle();
    return changed;
  }

  /**
   * The keys of the documents in a range as of the events applied so far: the store's (as
   * committed) and those changed in memory since the last commit, which the store has not seen.
   * Looked up when the event is applied, not with the batch's keys, so that documents created
   * earlier in the same batch are found. Documents read here join the session like any loaded
   * one; a newer version in memory is kept and decides, so that the keys are the same however
   * the log is cut in batches and commits.
   */
  /**
   * The client's parked documents, whatever their fields: one parked at its very first event
   * was never written, so no range finds it, yet an erasure must wait in its queue too.
   */
  private async parkedKeysOf(
    target: ProjectionTarget,
    session: TargetSession,
    customerId: string,
  ): Promise<string[]> {
    for (const doc of await this.store.findRange<ParkedDocument>(parkedCollection(target), {
      orderBy: 'customerId',
      from: customerId,
      // The smallest string after customerId itself: the range is that one value.
      to: `${customerId}\u0000`,
      limit: RANGE_PAGE,
    })) {
      if (!session.parked.has(doc.id)) session.parked.set(doc.id, doc);
    }
    return [...session.parked.values()]
      .filter((doc) => !doc.released && doc.customerId === customerId)
      .map((doc) => doc.id);
  }

  private async keysInRange(
    target: ProjectionTarget,
    session: TargetSession,
    range: RangeBounds,
  ): Promise<string[]> {
    const keys = new Set<string>();
    for (const key of session.dirty) {
      const doc = session.documents.get(key);
      if (doc && inRange(doc, range)) keys.add(key);
    }
    const loaded: string[] = [];
    let after: RangeCursor | undefined;
    for (;;) {
      const page = await this.store.findRange<StoredDocument>(documentCollection(target), {
        ...range,
        limit: RANGE_PAGE,
        ...(after && { after }),
      });
      for (const doc of page) {
        keys.add(doc.id);
        if (session.documents.has(doc.id)) continue;
        session.documents.set(doc.id, doc);
        loaded.push(doc.id);
      }
      const last = page[page.length - 1];
      if (page.length < RANGE_PAGE || !last) break;
      after = {
        value: fieldOf(last, range.orderBy) as string | number,
        id: last.id,
      };
    }
    // A parked document takes the event into its queue: know which of these are parked.
    const unknownParked = loaded.filter((key) => !session.parked.has(key));
    if (unknownParked.length > 0) {
      for (const [key, doc] of await this.store.getMany<ParkedDocument>(
        parkedCollection(target),
        unknownParked,
      )) {
        session.parked.set(key, doc);
      }
    }
    // A document the store still has in the range may have left it in memory: the event is
    // not for it (applying it would only move its position, unlike when the change is committed).
    return [...keys].filter((key) => inRange(session.documents.get(key)!, range)).sort();
  }
}

/** Applies one batch and commits it: the live path. */
export async function projectBatch(
  store: ReadStore,
  targets: readonly ProjectionTarget[],
  events: readonly EventEnvelope[],
  clock?: () => Date,
): Promise<BatchOutcome> {
  const session = new ProjectionSession(store, targets, clock ? { clock } : {});
  const outcome = await session.apply(events);
  await session.flush();
  return outcome;
}
