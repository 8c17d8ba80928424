import type { EventEnvelope } from '@rapport/domain';
import { DEFAULT_CURRENCY, listingRow } from '../listing';
import type { DocumentWrite, ReadStore, StoredDocument } from '../read-store.port';
import { AggregateTallies } from './aggregate-tallies';
import {
  documentCollection,
  listingCollection,
  parkedCollection,
  type ProjectionTarget,
} from './projection-target';

/**
 * A document whose projection threw on one of its events. Its later events wait here, in
 * order, so that one bad client never stops the others; an operator retries or skips.
 */
export interface ParkedDocument extends StoredDocument {
  projection: string;
  key: string;
  /**
   * The client of the first parked event (indexed): an event that reaches a client's documents
   * by range (an erasure) must also reach the ones parked before they were ever written.
   * Absent on documents parked before it was kept.
   */
  customerId?: string;
  events: EventEnvelope[];
  error: string;
  parkedAt: string;
  released: boolean;
}

/**
 * Administrative updates of a parked document use half positions: the guard then orders them
 * after the last parked event and before any later real event, which still wins.
 */
const ADMIN_STEP = 0.5;

/** Aggregate shard written by releases (administrative, not in log order). */
const RELEASE_SHARD = 'release';

/**
 * Re-applies a parked document's events (after a fix, or skipping the first one). On success
 * the document is current again and new events flow to it; on failure it stays parked with
 * the new error. Returns whether it was released.
 */
export async function releaseParked(
  store: ReadStore,
  target: ProjectionTarget,
  key: string,
  options: { skipFirst?: boolean; now?: Date; defaultCurrency?: string } = {},
): Promise<{ released: boolean; error?: string; skipped?: EventEnvelope }> {
  const parkedIn = parkedCollection(target);
  const parked = await store.get<ParkedDocument>(parkedIn, key);
  if (!parked || parked.released) return { released: true };
  const collection = documentCollection(target);
  const stored = await store.get<StoredDocument>(collection, key);
  let document = stored;
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
  // The figures follow the document's change. Releases are not in log order: their shard
  // counts its own steps instead of taking event positions.
  const tallies = new AggregateTallies(store, target, { shard: RELEASE_SHARD, sequenced: true });
  tallies.record(stored, document, parked.position + ADMIN_STEP);
  await tallies.settle();
  const released: ParkedDocument = {
    ...parked,
    position: parked.position + ADMIN_STEP,
    events: [],
    released: true,
  };
  const writes: DocumentWrite[] = [
    ...tallies.takeWrites(),
    { collection: parkedIn, document: released },
  ];
  if (document) {
    writes.push({ collection, document });
    const context = {
      now: options.now ?? new Date(),
      defaultCurrency: options.defaultCurrency ?? DEFAULT_CURRENCY,
    };
    for (const listing of target.projection.listings ?? [])
      writes.push({
        collection: listingCollection(target, listing),
        document: listingRow(listing, document, context),
      });
  }
  await store.commit({ writes, checkpoints: [] });
  return { released: true, ...(skipped && { skipped }) };
}
