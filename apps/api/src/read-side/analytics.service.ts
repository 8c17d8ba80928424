import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '@rapport/platform';
import {
  churnRisk,
  computePipeline,
  computeRetention,
  computeSegments,
  customer360Projection,
  DEFAULT_CHURN_RISK_OPTIONS,
  rankChurnRisk,
  READ_STORE,
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
}

/**
 * Figures over every client or deal, computed from the documents when asked: they depend on
 * the current time (recency, silence) and on everyone at once (quintiles). The documents are
 * loaded once per read-model position and shared by concurrent requests.
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

  async pipeline() {
    const snapshot = await this.snapshot<PipelineDealDocument>(salesPipelineProjection);
    return {
      ...computePipeline(snapshot.documents, {
        stageProbabilities: this.config.stageProbabilities,
      }),
      position: snapshot.position,
    };
  }

  async retention() {
    const snapshot = await this.snapshot<Customer360Document>(customer360Projection);
    return { ...computeRetention(snapshot.documents, this.clock()), position: snapshot.position };
  }

  async churnRisk(limit: number) {
    const snapshot = await this.snapshot<Customer360Document>(customer360Projection);
    const ranked = rankChurnRisk(snapshot.documents, this.clock(), DEFAULT_CHURN_RISK_OPTIONS);
    return { customers: ranked.slice(0, limit), total: ranked.length, position: snapshot.position };
  }

  async segments(
    currency = this.config.defaultCurrency,
    consentPurpose?: string,
  ): Promise<SegmentFigures & { position: number }> {
    const snapshot = await this.snapshot<Customer360Document>(customer360Projection);
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
  ): Promise<Snapshot<T>> {
    const collection = await this.catalog.collection(projection);
    const position = this.progress.position(projection.name);
    const key = projection.name;
    const cached = await this.snapshots.get(key);
    if (cached && cached.collection === collection && cached.position >= position)
      return cached as Snapshot<T>;
    const loading = (async () => {
      const documents: StoredDocument[] = [];
      for await (const page of this.store.scan(collection, 2000)) documents.push(...page);
      return { position, collection, documents };
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
