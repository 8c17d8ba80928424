import {
  aggregateDocumentId,
  addTally,
  contributionChange,
  type AggregateDocument,
  type AnyAggregation,
  type Tally,
} from '../aggregation';
import type { DocumentWrite, ReadStore } from '../read-store.port';
import { aggregateCollection, type ProjectionTarget } from './projection-target';

export interface TallyOptions {
  /** The shard this writer owns (see AggregateDocument). */
  shard: string;
  /** Keep aggregate documents in memory between flushes (write-behind, a rebuild). */
  retain?: boolean;
  /**
   * Administrative changes (parked releases) are not in log order: every recorded change
   * applies, and the shard's position counts its writes instead of being an event position.
   */
  sequenced?: boolean;
}

interface PendingChange {
  collection: string;
  key: string;
  position: number;
  sums: Tally;
}

interface CachedAggregate {
  collection: string;
  document: AggregateDocument;
  /** Position stored when loaded: changes at or below it are in the store already. */
  baseline: number;
}

/**
 * The aggregate side of a projection session: turns each document change into tally changes
 * and applies them to the aggregate documents of this writer's shard.
 *
 * Ordering that keeps the figures exact without a transaction across collections:
 * - aggregate documents are read after the projection's documents (settle() runs after the
 *   documents of a batch are loaded), and written before them (the session commits tallies
 *   first). A crash in between replays the batch: the documents are changed again from the
 *   same old state, and the aggregate guard (change position ≤ stored position) drops the
 *   changes the tallies already hold.
 * - within a shard, positions only grow (log order, or one Kafka partition), so the guard
 *   compares with a single number per aggregate document.
 */
export class AggregateTallies {
  private readonly cache = new Map<string, CachedAggregate>();
  private readonly dirty = new Set<string>();
  private pending: PendingChange[] = [];
  private readonly aggregations: readonly AnyAggregation[];
  /** A generation built from nothing: only aggregates this writer created can exist. */
  fresh = false;
  private readonly written = new Set<string>();

  constructor(
    private readonly store: ReadStore,
    private readonly target: ProjectionTarget,
    private readonly options: TallyOptions,
  ) {
    this.aggregations = target.projection.aggregations ?? [];
  }

  get enabled(): boolean {
    return this.aggregations.length > 0;
  }

  /** Queues the figures' change for a document going from `before` to `after` at `position`. */
  record(before: object | undefined, after: object | undefined, position: number): void {
    for (const aggregation of this.aggregations) {
      const change = contributionChange(
        before && aggregation.contribution(before),
        after && aggregation.contribution(after),
      );
      const collection = aggregateCollection(this.target, aggregation);
      for (const [key, sums] of change) this.pending.push({ collection, key, position, sums });
    }
  }

  /** Loads the aggregate documents the queued changes need and applies the changes. */
  async settle(): Promise<void> {
    if (this.pending.length === 0) return;
    const missing = new Map<string, Set<string>>();
    for (const change of this.pending) {
      const id = aggregateDocumentId(change.key, this.options.shard);
      const cacheKey = `${change.collection}\u0000${id}`;
      if (this.cache.has(cacheKey) || (this.fresh && !this.written.has(cacheKey))) continue;
      let ids = missing.get(change.collection);
      if (!ids) missing.set(change.collection, (ids = new Set()));
      ids.add(id);
    }
    for (const [collection, ids] of missing) {
      const found = await this.store.getMany<AggregateDocument>(collection, [...ids]);
      for (const [id, document] of found) {
        this.cache.set(`${collection}\u0000${id}`, {
          collection,
          document: { ...document, sums: { ...document.sums } },
          baseline: document.position,
        });
      }
    }
    for (const change of this.pending) {
      const id = aggregateDocumentId(change.key, this.options.shard);
      const cacheKey = `${change.collection}\u0000${id}`;
      let cached = this.cache.get(cacheKey);
      if (!cached) {
        cached = {
          collection: change.collection,
          document: { id, position: 0, key: change.key, shard: this.options.shard, sums: {} },
          baseline: 0,
        };
        this.cache.set(cacheKey, cached);
      }
      if (!this.options.sequenced && change.position <= cached.baseline) continue;
      addTally(cached.document.sums, change.sums);
      cached.document.position = this.options.sequenced
        ? cached.baseline + 1
        : Math.max(cached.document.position, change.position);
      this.dirty.add(cacheKey);
    }
    this.pending = [];
  }

  /** The changed aggregate documents, to commit before the projection's documents. */
  takeWrites(): DocumentWrite[] {
    const writes: DocumentWrite[] = [];
    for (const cacheKey of this.dirty) {
      const cached = this.cache.get(cacheKey)!;
      const document: AggregateDocument = { ...cached.document, sums: { ...cached.document.sums } };
      writes.push({ collection: cached.collection, document });
    }
    return writes;
  }

  /** After a successful commit of takeWrites(). */
  committed(): void {
    for (const cacheKey of this.dirty) {
      const cached = this.cache.get(cacheKey)!;
      cached.baseline = cached.document.position;
      if (this.fresh) this.written.add(cacheKey);
    }
    this.dirty.clear();
    if (!this.options.retain) this.cache.clear();
  }
}
