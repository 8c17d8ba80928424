import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '@rapport/platform';
import {
  churnRisk,
  computeSegments,
  customer360Projection,
  computePipeline,
  computeRetention,
  DEFAULT_CHURN_RISK_OPTIONS,
  pipelineFromTallies,
  pipelineOwnerKey,
  pipelineOwnersAggregation,
  rankChurnRisk,
  READ_STORE,
  readTallies,
  retentionCohortsAggregation,
  retentionFromTallies,
  salesPipelineProjection,
  type AnyProjection,
  type ChurnRisk,
  type Customer360Document,
  type PipelineDealDocument,
  type ReadStore,
  type SegmentFigures,
  type StoredDocument,
} from '@rapport/read-models';
import { APP_CONFIG, CLOCK, type Clock } from '../infrastructure/tokens';
import { ProjectionProgress } from './projection-progress';
import { ReadModelCatalog } from './read-model.catalog';

interface Snapshot<T> {
  position: number;
  collection: string;
  documents: T[];
  /** performance.now() when loading began. */
  loadedAt: number;
}

/**
 * How long a snapshot of every document may serve reads that ask for no newer position.
 * Under a steady stream of commands the position moves with every one; reloading every
 * client's document for every read would make each read cost O(clients).
 */
const SNAPSHOT_MAX_AGE_MS = 1000;

/**
 * Figures over every client or deal, computed from the documents when asked: they depend on
 * the current time (recency, silence) and on everyone at once (quintiles). The documents are
 * loaded once and shared by concurrent requests; a read is served from a snapshot that holds
 * its `minPosition` and is at most SNAPSHOT_MAX_AGE_MS old (or holds the latest position).
 */
@Injectable()
export class AnalyticsService {
  private readonly snapshots = new Map<string, Promise<Snapshot<StoredDocument>>>();
  private segmentsCache?: { key: string; figures: SegmentFigures };

  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly catalog: ReadModelCatalog,
    private readonly progress: ProjectionProgress,
  ) {}

  /**
   * Pipeline figures from the owners' tallies: one small document per owner and shard,
   * whatever the number of deals. `ownerId` given: that owner's deals only.
   */
  async pipeline(scope: { ownerId?: string } = {}) {
    const position = this.progress.position(salesPipelineProjection.name);
    if (!(await this.catalog.isCurrent(salesPipelineProjection))) {
      // Upgrade window: the tallies are being rebuilt; the documents are complete.
      const snapshot = await this.snapshot<PipelineDealDocument>(salesPipelineProjection);
      const deals = snapshot.documents.filter(
        (deal) => scope.ownerId === undefined || deal.ownerId === scope.ownerId,
      );
      return {
        ...computePipeline(deals, { stageProbabilities: this.config.stageProbabilities }),
        ...(scope.ownerId !== undefined && { ownerId: scope.ownerId }),
        position: snapshot.position,
      };
    }
    const collection = await this.catalog.aggregateCollection(
      salesPipelineProjection,
      pipelineOwnersAggregation,
    );
    const tallies = await readTallies(
      this.store,
      collection,
      scope.ownerId !== undefined ? [pipelineOwnerKey(scope.ownerId)] : undefined,
    );
    return {
      ...pipelineFromTallies(tallies, { stageProbabilities: this.config.stageProbabilities }),
      ...(scope.ownerId !== undefined && { ownerId: scope.ownerId }),
      position,
    };
  }

  /** Retention from the cohort tallies: one small document per cohort month and shard. */
  async retention() {
    const position = this.progress.position(customer360Projection.name);
    if (!(await this.catalog.isCurrent(customer360Projection))) {
      // Upgrade window: the tallies are being rebuilt; the documents are complete.
      const snapshot = await this.snapshot<Customer360Document>(customer360Projection);
      return { ...computeRetention(snapshot.documents, this.clock()), position: snapshot.position };
    }
    const collection = await this.catalog.aggregateCollection(
      customer360Projection,
      retentionCohortsAggregation,
    );
    const tallies = await readTallies(this.store, collection);
    return { ...retentionFromTallies(tallies, this.clock()), position };
  }

  async churnRisk(limit: number, minPosition?: number) {
    const snapshot = await this.snapshot<Customer360Document>(customer360Projection, minPosition);
    const ranked = rankChurnRisk(snapshot.documents, this.clock(), DEFAULT_CHURN_RISK_OPTIONS);
    return { customers: ranked.slice(0, limit), total: ranked.length, position: snapshot.position };
  }

  async segments(
    currency = this.config.defaultCurrency,
    consentPurpose?: string,
    minPosition?: number,
  ): Promise<SegmentFigures & { position: number }> {
    const snapshot = await this.snapshot<Customer360Document>(customer360Projection, minPosition);
    const now = this.clock();
    // Recency is counted in whole days: the figures only change with the data or the date.
    const key = `${snapshot.collection}@${snapshot.position}/${currency}/${consentPurpose ?? ''}/${now.toISOString().slice(0, 10)}`;
    if (this.segmentsCache?.key !== key) {
      this.segmentsCache = {
        key,
        figures: computeSegments(snapshot.documents, now, {
          currency,
          ...(consentPurpose && { consentPurpose }),
        }),
      };
    }
    return { ...this.segmentsCache.figures, position: snapshot.position };
  }

  churnRiskOf(doc: Customer360Document): ChurnRisk {
    return churnRisk(doc, this.clock(), DEFAULT_CHURN_RISK_OPTIONS);
  }

  private async snapshot<T extends StoredDocument>(
    projection: AnyProjection,
    minPosition = 0,
  ): Promise<Snapshot<T>> {
    const collection = await this.catalog.collection(projection);
    const position = this.progress.position(projection.name);
    const key = projection.name;
    const cached = await this.snapshots.get(key);
    if (
      cached &&
      cached.collection === collection &&
      (cached.position >= position ||
        (cached.position >= minPosition &&
          performance.now() - cached.loadedAt < SNAPSHOT_MAX_AGE_MS))
    )
      return cached as Snapshot<T>;
    const loadedAt = performance.now();
    const loading = (async () => {
      const documents: StoredDocument[] = [];
      for await (const page of this.store.scan(collection, 2000)) documents.push(...page);
      return { position, collection, documents, loadedAt };
    })();
    this.snapshots.set(key, loading);
    try {
      return (await loading) as Snapshot<T>;
    } catch (error) {
      this.snapshots.delete(key);
      throw error;
    }
  }
}
