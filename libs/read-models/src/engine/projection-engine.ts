import type { EventEnvelope } from '@rapport/domain';
import type { AnyProjection } from '../projection';
import {
  physicalCollection,
  type CommitBatch,
  type DocumentWrite,
  type ReadStore,
  type StoredDocument,
} from '../read-store.port';

/** One generation of one projection, as the engine drives it. */
export interface ProjectionTarget {
  projection: AnyProjection;
  generation: number;
  /** Last position applied (the checkpoint). */
  position: number;
}

/**
 * A document whose projection threw on one of its events. Its later events wait here, in
 * order, so that one bad client never stops the others; an operator retries or skips.
 */
export interface ParkedDocument extends StoredDocument {
  projection: string;
  key: string;
  events: EventEnvelope[];
  error: string;
  parkedAt: string;
  released: boolean;
}

export const parkedCollection = (target: ProjectionTarget) =>
  physicalCollection(`parked_${target.projection.collection}`, target.generation);

export const documentCollection = (target: ProjectionTarget) =>
  physicalCollection(target.projection.collection, target.generation);

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
}

/** Documents a write-behind session keeps per projection (~2 KB each for customer-360). */
const DEFAULT_MAX_CACHED = 250_000;

export interface SessionOptions {
  clock?: () => Date;
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

  /** Commits every changed document with the checkpoints, in one store commit. */
  async flush(): Promise<void> {
    const batch: CommitBatch = { writes: [], checkpoints: [] };
    for (const [target, session] of this.sessions) {
      if (!session.pending) continue;
      const collection = documentCollection(target);
      const parkedIn = parkedCollection(target);
      const once = target.projection.writeOnce === true;
      for (const key of session.dirty)
        batch.writes.push({
          collection,
          document: session.documents.get(key)!,
          ...(once && { once }),
        });
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
    for (const { event, keys } of keyed) {
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
    return changed;
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

/**
 * Administrative updates of a parked document use half positions: the guard then orders them
 * after the last parked event and before any later real event, which still wins.
 */
const ADMIN_STEP = 0.5;

/**
 * Re-applies a parked document's events (after a fix, or skipping the first one). On success
 * the document is current again and new events flow to it; on failure it stays parked with
 * the new error. Returns whether it was released.
 */
export async function releaseParked(
  store: ReadStore,
  target: ProjectionTarget,
  key: string,
  options: { skipFirst?: boolean } = {},
): Promise<{ released: boolean; error?: string; skipped?: EventEnvelope }> {
  const parkedIn = parkedCollection(target);
  const parked = await store.get<ParkedDocument>(parkedIn, key);
  if (!parked || parked.released) return { released: true };
  const collection = documentCollection(target);
  let document = await store.get<StoredDocument>(collection, key);
  const events = options.skipFirst ? parked.events.slice(1) : parked.events;
  const skipped = options.skipFirst ? parked.events[0] : undefined;
  try {
    for (const event of events) {
      if (document && document.position >= event.position) continue;
      const next = target.projection.apply(document, event, key) as object;
      document = { ...next, id: key, position: event.position };
    }
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    const stillParked: ParkedDocument = {
      ...parked,
      position: parked.position + ADMIN_STEP,
      error: message,
    };
    await store.commit({
      writes: [{ collection: parkedIn, document: stillParked }],
      checkpoints: [],
    });
    return { released: false, error: message, ...(skipped && { skipped }) };
  }
  const released: ParkedDocument = {
    ...parked,
    position: parked.position + ADMIN_STEP,
    events: [],
    released: true,
  };
  const writes: DocumentWrite[] = [{ collection: parkedIn, document: released }];
  if (document) writes.push({ collection, document });
  await store.commit({ writes, checkpoints: [] });
  return { released: true, ...(skipped && { skipped }) };
}
