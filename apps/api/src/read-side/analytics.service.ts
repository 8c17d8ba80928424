import { Inject, Injectable } from '@nestjs/common';
import { ApiError, type AppConfig } from '@rapport/platform';
import {
  churnRisk,
  customer360Projection,
  customerRfmOf,
  DEFAULT_CHURN_RISK_OPTIONS,
  frequencyPrefix,
  lastWinInterval,
  pipelineFromTallies,
  pipelineOwnerKey,
  pipelineOwnersAggregation,
  rankingCollections,
  READ_STORE,
  readTallies,
  retentionCohortsAggregation,
  retentionFromTallies,
  RFM_FIGURES_ID,
  salesPipelineProjection,
  scoreOf,
  segmentFiguresOf,
  segmentOf,
  type AnyProjection,
  type ChurnRisk,
  type Customer360Document,
  type CustomerRankingRow,
  type CustomerRfm,
  type RankedChurnRisk,
  type ReadStore,
  type RfmFiguresDocument,
  type RfmSegment,
} from '@rapport/read-models';
import { APP_CONFIG, CLOCK, type Clock } from '../infrastructure/tokens';
import { ProjectionProgress } from './projection-progress';
import { READ_YOUR_WRITES_TIMEOUT_MS } from './read-your-writes';
import { ReadModelCatalog } from './read-model.catalog';

/** The definition version of each projection from which a figure is maintained. */
const PIPELINE_TALLIES_SINCE = 2;
const RETENTION_TALLIES_SINCE = 2;
const RANKINGS_SINCE = 3;

/** Rows whose stored churn score may be stale that a ranking re-scores itself. */
const STALE_ROWS_LIMIT = 1000;
/** Rows a page of a segment list may read past its filters before it answers what it has. */
const SEGMENT_SCAN_BUDGET = 5000;
/** How long a read figures document serves other requests. */
const FIGURES_CACHE_MS = 250;
const FIGURES_POLL_MS = 50;

export interface SegmentPage {
  customerIds: string[];
  nextCursor: string | null;
}

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

  /**
   * Leads and customers by descending churn risk at this instant. The rows' stored scores
   * hold until their rescoreAt; rows past it (the job has not reached them yet) or scored
   * after this instant are scored here from their documents. The top `limit` of the fresh
   * rows are among the first `limit + stale` of the rankKey index, so the page is exact
   * while fewer than STALE_ROWS_LIMIT rows are stale.
   */
  async churnRisk(limit: number) {
    await this.requireMaintained(customer360Projection, RANKINGS_SINCE, 'the churn ranking');
    const position = this.progress.position(customer360Projection.name);
    const { rows, documents } = rankingCollections(
      await this.catalog.activeGeneration(customer360Projection),
    );
    const now = this.clock();
    const nowIso = now.toISOString();
    const [due, early] = await Promise.all([
      this.store.range<CustomerRankingRow>(rows, {
        field: 'rescoreAt',
        to: nowIso,
        limit: STALE_ROWS_LIMIT,
      }),
      this.store.range<CustomerRankingRow>(rows, {
        field: 'scoredAt',
        after: nowIso,
        limit: STALE_ROWS_LIMIT,
      }),
    ]);
    const stale = new Set([...due, ...early].map((row) => row.id));
    const top = await this.store.range<CustomerRankingRow>(rows, {
      field: 'rankKey',
      limit: limit + stale.size,
    });
    const candidates = new Map<string, number>();
    for (const row of top) if (!stale.has(row.id)) candidates.set(row.id, row.churnScore ?? 0);
    const staleDocs = await this.store.getMany<Customer360Document>(documents, [...stale]);
    for (const doc of staleDocs.values())
      if (doc.status === 'lead' || doc.status === 'customer')
        candidates.set(doc.id, churnRisk(doc, now, DEFAULT_CHURN_RISK_OPTIONS).score);
    const chosen = [...candidates]
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .slice(0, limit)
      .map(([id]) => id);
    const docs = await this.store.getMany<Customer360Document>(
      documents,
      chosen.filter((id) => !staleDocs.has(id)),
    );
    const customers: RankedChurnRisk[] = [];
    for (const id of chosen) {
      const doc = staleDocs.get(id) ?? docs.get(id);
      // A client churned or erased since its row was read is no longer ranked.
      if (!doc || (doc.status !== 'lead' && doc.status !== 'customer')) continue;
      customers.push({
        customerId: doc.customerId,
        status: doc.status,
        ownerId: doc.ownerId,
        ...churnRisk(doc, now, DEFAULT_CHURN_RISK_OPTIONS),
      });
    }
    // Scored from the documents as they are now (one may have changed since its row).
    customers.sort((a, b) => b.score - a.score || (a.customerId < b.customerId ? -1 : 1));
    return { customers, position };
  }

  /** RFM segments and the Pareto share in one currency, from the job's last figures. */
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
   * A client's RFM segment in the default currency against the last figures; `undefined`
   * for a buyer while no figures exist yet (right after a rebuild).
   */
  async rfmOf(doc: Customer360Document): Promise<CustomerRfm | undefined> {
    const client = {
      customerId: doc.customerId,
      erased: doc.status === 'erased',
      wins: doc.deals.wonByCurrency,
    };
    const currency = this.config.defaultCurrency;
    const buyer = (client.wins[currency]?.count ?? 0) > 0;
    if (client.erased || !buyer) return customerRfmOf(emptyFigures, client, currency);
    const version = (await this.catalog.activeVersion(customer360Projection)) ?? 0;
    if (version < RANKINGS_SINCE) return undefined;
    const figures = await this.latestFigures();
    return figures && customerRfmOf(figures, client, currency);
  }

  churnRiskOf(doc: Customer360Document): ChurnRisk {
    return churnRisk(doc, this.clock(), DEFAULT_CHURN_RISK_OPTIONS);
  }

  /**
   * The clients of one segment (default currency), in the order of the segment index
   * (frequency, then last win, then id), filtered by status and owner. A segment is a set of
   * cells of the R × F grid; each cell is, for each frequency present, one range of last-win
   * times, read from the index. A page that reads SEGMENT_SCAN_BUDGET rows past its filters
   * answers what it found with a cursor to go on from.
   */
  async segmentPage(
    segment: RfmSegment,
    filter: { status?: string; ownerId?: string },
    cursor: string | undefined,
    limit: number,
  ): Promise<SegmentPage> {
    await this.requireMaintained(customer360Projection, RANKINGS_SINCE, 'the RFM segments');
    const { rows } = rankingCollections(await this.catalog.activeGeneration(customer360Projection));
    const found: CustomerRankingRow[] = [];
    let scanned = 0;
    let position = cursor;
    const keep = (row: CustomerRankingRow) =>
      (filter.status === undefined || row.status === filter.status) &&
      (filter.ownerId === undefined || row.ownerId === filter.ownerId);
    /** Reads [after, to) of a key until the page is full; false when the budget ran out. */
    const drain = async (field: 'segmentKey' | 'prospectKey', after?: string, to?: string) => {
      for (;;) {
        const from = maxKey(after, position);
        const page = await this.store.range<CustomerRankingRow>(rows, {
          field,
          ...(from !== undefined && { after: from }),
          ...(to !== undefined && { to }),
          limit: limit + 1 - found.length,
        });
        for (const row of page) {
          position = row[field]!;
          scanned++;
          if (keep(row)) found.push(row);
          if (found.length > limit) return true;
        }
        if (page.length === 0 || found.length > limit) return true;
        if (scanned >= SEGMENT_SCAN_BUDGET) return false;
      }
    };
    let complete = true;
    if (segment === 'prospects') {
      complete = await drain('prospectKey');
    } else {
      const figures = await this.figures(0);
      const own = figures.purposes['']?.currencies[this.config.defaultCurrency];
      const asOf = new Date(figures.asOf);
      while (own && complete && found.length <= limit) {
        const [next] = await this.store.range<CustomerRankingRow>(rows, {
          field: 'segmentKey',
          ...(position !== undefined && { after: position }),
          limit: 1,
        });
        if (!next) break;
        const frequency = Number(next.segmentKey!.split('|')[0]);
        const prefix = frequencyPrefix(frequency);
        const f = scoreOf(own.frequency, frequency);
        for (let r = 1; r <= 5 && complete && found.length <= limit; r++) {
          if (segmentOf(r, f) !== segment) continue;
          const interval = lastWinInterval(own.recency, r, asOf);
          if (!interval) continue;
          complete = await drain(
            'segmentKey',
            interval.after && `${prefix}|${interval.after}|~`,
            interval.upTo ? `${prefix}|${interval.upTo}|~` : `${prefix}|~`,
          );
        }
        // On to the next frequency present.
        position = maxKey(position, `${prefix}|~`);
      }
    }
    const page = found.slice(0, limit);
    const more = found.length > limit || !complete;
    const last = page[page.length - 1];
    return {
      customerIds: page.map((row) => row.customerId),
      nextCursor: !more
        ? null
        : found.length > limit && last
          ? (segment === 'prospects' ? last.prospectKey : last.segmentKey)!
          : (position ?? null),
    };
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
    if (figures) this.figuresCache = { generation, readAt: Date.now(), figures };
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
  position: 0,
  asOf: '',
  purposes: {},
};

const maxKey = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined ? a : a > b ? a : b;
