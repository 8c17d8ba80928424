import { Inject, Injectable } from '@nestjs/common';
import { ApiError, type AppConfig } from '@rapport/platform';
import {
  churnRisk,
  customer360Projection,
  customerRfmOf,
  DEFAULT_CHURN_RISK_OPTIONS,
  pipelineFromTallies,
  churnRiskPage,
  pipelineOwnerKey,
  pipelineOwnersAggregation,
  RankingBehindError,
  rankingCollections,
  READ_STORE,
  readTallies,
  retentionCohortsAggregation,
  retentionFromTallies,
  RFM_FIGURES_FORMAT,
  RFM_FIGURES_ID,
  salesPipelineProjection,
  segmentFiguresOf,
  segmentMembers,
  type AnyProjection,
  type ChurnRisk,
  type Customer360Document,
  type CustomerRfm,
  type ReadStore,
  type RfmFiguresDocument,
  type RfmSegment,
  type SegmentPage,
} from '@rapport/read-models';
import { APP_CONFIG, CLOCK, type Clock } from '../infrastructure/tokens';
import { ProjectionProgress } from './projection-progress';
import { READ_YOUR_WRITES_TIMEOUT_MS } from './read-your-writes';
import { ReadModelCatalog } from './read-model.catalog';
import { badCursor, decodeCursor, encodeCursor } from './page-cursor';

/** The rank key a churn-risk cursor carries: `<100 − score, 3 digits>|<client id>`. */
function rankKeyOf(cursor: string): string {
  const [key] = decodeCursor(cursor, 1);
  if (!/^\d{3}\|[0-9a-f-]{1,100}$/.test(key!)) badCursor();
  return key!;
}

/** The definition version of each projection from which a figure is maintained. */
const PIPELINE_TALLIES_SINCE = 2;
const RETENTION_TALLIES_SINCE = 2;
const RANKINGS_SINCE = 3;

/** How long a read figures document serves other requests. */
const FIGURES_CACHE_MS = 250;
const FIGURES_POLL_MS = 50;

/**
 * Figures over all clients and deals, each read from what the projector maintains: tallies
 * (pipeline, retention), the rankings' rows (churn ranking, segment members, from an index a
 * page at a time) and the RFM figures of the rankings job. No request reads a document per
 * client; see docs/read-models.md.
 */
@Injectable()
export class AnalyticsService {
  private figuresCache?: { generation: number; readAt: number; figures: RfmFiguresDocument };

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
    await this.requireMaintained(salesPipelineProjection, PIPELINE_TALLIES_SINCE, 'the pipeline');
    const position = this.progress.position(salesPipelineProjection.name);
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
    await this.requireMaintained(customer360Projection, RETENTION_TALLIES_SINCE, 'retention');
    const position = this.progress.position(customer360Projection.name);
    const collection = await this.catalog.aggregateCollection(
      customer360Projection,
      retentionCohortsAggregation,
    );
    const tallies = await readTallies(this.store, collection);
    return { ...retentionFromTallies(tallies, this.clock()), position };
  }

  /** Leads and customers by descending churn risk now, from the rankings' index. */
  async churnRisk(limit: number, cursor?: string) {
    const after = cursor === undefined ? undefined : rankKeyOf(cursor);
    await this.requireMaintained(customer360Projection, RANKINGS_SINCE, 'the churn ranking');
    const position = this.progress.position(customer360Projection.name);
    const collections = rankingCollections(
      await this.catalog.activeGeneration(customer360Projection),
    );
    const page = await churnRiskPage(this.store, collections, this.clock(), limit, after).catch(
      (error: unknown) => {
        if (!(error instanceof RankingBehindError)) throw error;
        throw new ApiError(
          503,
          'RANKING_BEHIND',
          `${error.message}: the ranking is answered again once they are (a few seconds)`,
          { staleRows: error.staleRows },
          { 'Retry-After': '2' },
        );
      },
    );
    return {
      customers: page.customers,
      nextCursor: page.nextAfter === null ? null : encodeCursor([page.nextAfter]),
      position,
    };
  }

  /** RFM segments, the Pareto share and curve in one currency, from the job's last figures. */
  async segments(currency = this.config.defaultCurrency, consentPurpose?: string, minPosition = 0) {
    await this.requireMaintained(customer360Projection, RANKINGS_SINCE, 'the RFM segments');
    const figures = await this.figures(minPosition);
    return {
      currency,
      ...segmentFiguresOf(figures, currency, consentPurpose ?? ''),
      asOf: figures.asOf,
      position: figures.position,
    };
  }

  /**
   * A client's RFM segment in the default currency against the last figures; null for a
   * buyer while none exist yet (a generation just built), undefined for an erased client.
   */
  async rfmOf(doc: Customer360Document): Promise<CustomerRfm | null | undefined> {
    const client = {
      customerId: doc.customerId,
      erased: doc.status === 'erased',
      wins: doc.deals.wonByCurrency,
    };
    const currency = this.config.defaultCurrency;
    const buyer = (client.wins[currency]?.count ?? 0) > 0;
    if (client.erased || !buyer) return customerRfmOf(emptyFigures, client, currency);
    const version = (await this.catalog.activeVersion(customer360Projection)) ?? 0;
    if (version < RANKINGS_SINCE) return null;
    const figures = await this.latestFigures();
    return figures ? customerRfmOf(figures, client, currency) : null;
  }

  churnRiskOf(doc: Customer360Document): ChurnRisk {
    return churnRisk(doc, this.clock(), DEFAULT_CHURN_RISK_OPTIONS);
  }

  /** A page of the clients of one segment (default currency); see segmentMembers. */
  async segmentPage(
    segment: RfmSegment,
    filter: { status?: string; ownerId?: string },
    cursor: string | undefined,
    limit: number,
  ): Promise<SegmentPage> {
    await this.requireMaintained(customer360Projection, RANKINGS_SINCE, 'the RFM segments');
    const { rows } = rankingCollections(await this.catalog.activeGeneration(customer360Projection));
    return segmentMembers(
      this.store,
      rows,
      segment === 'prospects' ? undefined : await this.figures(0),
      {
        currency: this.config.defaultCurrency,
        segment,
        ...filter,
        ...(cursor !== undefined && { cursor }),
        limit,
      },
    );
  }

  /** The latest figures, waiting (up to the read-your-writes timeout) for `minPosition`. */
  private async figures(minPosition: number): Promise<RfmFiguresDocument> {
    const deadline = Date.now() + READ_YOUR_WRITES_TIMEOUT_MS;
    for (;;) {
      const figures = await this.latestFigures(minPosition > 0);
      if (figures && figures.position >= minPosition) return figures;
      if (Date.now() >= deadline) {
        throw new ApiError(
          503,
          figures ? 'READ_MODEL_BEHIND' : 'FIGURES_NOT_READY',
          figures
            ? `the RFM figures have not reached position ${minPosition} yet`
            : 'the RFM figures of this generation are being computed',
          { minPosition, position: figures?.position ?? null },
          { 'Retry-After': '1' },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, FIGURES_POLL_MS));
    }
  }

  private async latestFigures(fresh = false): Promise<RfmFiguresDocument | undefined> {
    const generation = await this.catalog.activeGeneration(customer360Projection);
    const cached = this.figuresCache;
    if (
      !fresh &&
      cached?.generation === generation &&
      Date.now() - cached.readAt < FIGURES_CACHE_MS
    )
      return cached.figures;
    const figures = await this.store.get<RfmFiguresDocument>(
      rankingCollections(generation).figures,
      RFM_FIGURES_ID,
    );
    // A document of an older format (before an upgrade's first run) lacks a figure: not yet.
    if (figures?.format !== RFM_FIGURES_FORMAT) return undefined;
    this.figuresCache = { generation, readAt: Date.now(), figures };
    return figures;
  }

  /**
   * Just after an upgrade, the active generation may have been built by a definition that did
   * not maintain a figure yet (its rebuild runs beside it): then the figure is not answered
   * from partial data but refused with 503, saying when to come back.
   */
  private async requireMaintained(projection: AnyProjection, since: number, figure: string) {
    const version = await this.catalog.activeVersion(projection);
    if (version === undefined || version >= since) return;
    throw new ApiError(
      503,
      'FIGURES_REBUILDING',
      `${figure} is being rebuilt after an upgrade (${projection.name} version ${version} → ${projection.version}); ` +
        'it is answered again once the rebuild is swapped in (GET /admin/projections shows its progress)',
      { projection: projection.name, activeVersion: version, version: projection.version },
      { 'Retry-After': '30' },
    );
  }
}

/** No buyers anywhere: what prospects and erased clients are scored against. */
const emptyFigures: RfmFiguresDocument = {
  id: RFM_FIGURES_ID,
  format: RFM_FIGURES_FORMAT,
  position: 0,
  asOf: '',
  purposes: {},
};
