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
  /** Documents written per projection. */
  written: Record<string, number>;
  /** Keys newly parked in this batch, with the error. */
  parked: { projection: string; key: string; position: number; error: string }[];
}

/**
 * The exactly-once core shared by every profile: for each projection, load the documents the
 * batch touches, apply each event whose position is above the document's (the guard), and
 * commit the new documents with the checkpoint. Redelivered or replayed events change nothing.
 */
export async function projectBatch(
  store: ReadStore,
  targets: readonly ProjectionTarget[],
  events: readonly EventEnvelope[],
  clock: () => Date = () => new Date(),
): Promise<BatchOutcome> {
  const batch: CommitBatch = { writes: [], checkpoints: [] };
  const outcome: BatchOutcome = { written: {}, parked: [] };
  const applied: { target: ProjectionTarget; position: number }[] = [];
  for (const target of targets) {
    const relevant = events.filter((event) => event.position > target.position);
    if (relevant.length === 0) continue;
    const last = relevant[relevant.length - 1]!;
    const writes = await projectFor(store, target, relevant, outcome, clock);
    batch.writes.push(...writes);
    outcome.written[target.projection.name] = writes.length;
    batch.checkpoints.push({
      projection: target.projection.name,
      generation: target.generation,
      position: last.position,
      recordedAt: last.recordedAt,
    });
    applied.push({ target, position: last.position });
  }
  if (batch.checkpoints.length === 0) return outcome;
  await store.commit(batch);
  for (const { target, position } of applied) target.position = position;
  return outcome;
}

async function projectFor(
  store: ReadStore,
  target: ProjectionTarget,
  events: readonly EventEnvelope[],
  outcome: BatchOutcome,
  clock: () => Date,
): Promise<DocumentWrite[]> {
  const { projection } = target;
  const keyed = events.map((event) => ({ event, keys: projection.keysOf(event) }));
  const keys = [...new Set(keyed.flatMap((k) => k.keys))];
  if (keys.length === 0) return [];
  const collection = documentCollection(target);
  const parkedIn = parkedCollection(target);
  const documents = await store.getMany<StoredDocument>(collection, keys);
  const parkedDocs = await store.getMany<ParkedDocument>(parkedIn, keys);
  const changed = new Set<string>();
  const changedParked = new Set<string>();

  for (const { event, keys: eventKeys } of keyed) {
    for (const key of eventKeys) {
      const parked = parkedDocs.get(key);
      if (parked && !parked.released) {
        if (event.position > parked.position) {
          parked.events.push(event);
          parked.position = event.position;
          changedParked.add(key);
        }
        continue;
      }
      const current = documents.get(key);
      if (current && current.position >= event.position) continue;
      try {
        const next = projection.apply(current, event, key) as object;
        documents.set(key, { ...next, id: key, position: event.position });
        changed.add(key);
      } catch (error) {
        const message = (error as Error).message ?? String(error);
        parkedDocs.set(key, {
          id: key,
          position: event.position,
          projection: projection.name,
          key,
          events: [event],
          error: message,
          parkedAt: clock().toISOString(),
          released: false,
        });
        changedParked.add(key);
        outcome.parked.push({
          projection: projection.name,
          key,
          position: event.position,
          error: message,
        });
      }
    }
  }
  if (changedParked.size > 0) await store.ensureCollection(parkedIn, []);
  return [
    ...[...changed].map((key) => ({ collection, document: documents.get(key)! })),
    ...[...changedParked].map((key) => ({ collection: parkedIn, document: parkedDocs.get(key)! })),
  ];
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
