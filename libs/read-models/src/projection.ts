import type { EventEnvelope } from '@rapport/domain';
import type { Aggregation } from './aggregation';
import type { Listing } from './listing';
import type { RangeBounds } from './read-store.port';

/**
 * A projection is pure: given an event and the current document (or none), it returns the
 * new document. The engine, not the projection, handles positions,
 * duplicates, batching and storage. Documents must be plain JSON (no Dates, no undefined
 * inside arrays) so that every store returns exactly what was written.
 */
export interface Projection<Doc extends object = object> {
  /** Stable name, e.g. "customer-360": part of collection names and metrics. */
  readonly name: string;
  /** Bump when the definition changes: a rebuild then produces the new shape. */
  readonly version: number;
  /** Logical collection; each generation is stored apart (see physicalCollection). */
  readonly collection: string;
  /** Top-level fields queried by equality (become indexes). */
  readonly indexes: readonly string[];
  /**
   * Each document is written by exactly one event (its key names the event) and apply never
   * reads the current document: the engine then neither looks documents up nor keeps them
   * cached. A replayed event rewrites the same document, which the store's guard ignores.
   */
  readonly writeOnce?: boolean;
  /**
   * Figures over all of this projection's documents, kept current from each document's
   * change (see aggregation.ts). They belong to the projection's generation: rebuilt, verified
   * and retired with it.
   */
  readonly aggregations?: readonly Aggregation<Doc>[];
  /**
   * Sorted lists over all documents (see listing.ts): a row per document, written with it.
   */
  readonly listings?: readonly Listing<Doc>[];
  /** The documents an event touches; none when the projection ignores the event. */
  keysOf(event: EventEnvelope): readonly string[];
  /**
   * Documents an event touches beyond its keys, when they cannot be named from the event alone
   * (a client's erasure closes that client's open activities): those whose indexed field
   * `orderBy` lies in [from, to) (and matches `where`) when the event is applied, found in the
   * store and among the changes not yet committed, and the documents of the event's client that
   * are parked (their fields unknown until released: the event waits in their queue, so `apply`
   * must accept any document of that client). Bounded by what one client owns.
   */
  rangeOf?(event: EventEnvelope): RangeBounds | undefined;
  /**
   * Must not modify `document`. Returns a new document, or `document` itself when the event
   * changes nothing; the engine then owns the result and stamps its id and position.
   */
  apply(document: Doc | undefined, event: EventEnvelope, key: string): Doc;
}

// Projections of different document types run side by side in one engine.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProjection = Projection<any>;
