import { DEFAULT_CURRENCY, listingRow } from '../listing';
import type { Customer360Document } from '../projections/customer-360.document';
import { customer360Projection } from '../projections/customer-360.projection';
import type { DocumentWrite, ReadStore } from '../read-store.port';
import {
  companionCollection,
  documentCollection,
  listingCollection,
  type ProjectionTarget,
} from '../engine/projection-target';
import {
  changeKeyOf,
  customerRankingsListing,
  type CustomerRankingRow,
} from './customer-rankings.listing';
import { RFM_FIGURES_FORMAT, RfmFiguresBuilder, type RfmFiguresDocument } from './rfm-figures';
import { keyRange } from './key-range';

/** Rows re-scored per step of the rescoring (one getMany and one commit). */
const RESCORE_BATCH = 500;
/** Rows read per page while the figures are computed. */
const FIGURES_PAGE = 2000;

export const RFM_FIGURES_COLLECTION = 'rfm_figures';

/** The collections of the rankings in one generation of customer-360. */
export const rankingCollections = (generation: number) => {
  const target = { projection: customer360Projection, generation };
  return {
    rows: listingCollection(target, customerRankingsListing),
    figures: companionCollection(target, RFM_FIGURES_COLLECTION),
    documents: documentCollection(target),
  };
};

export interface RankingsJobOptions {
  clock?: () => Date;
  defaultCurrency?: string;
}

/**
 * The time-driven half of the rankings, run by the process that runs the projections:
 * - rescore(): rows whose churn score may have changed (rescoreAt passed) are derived again
 *   from their document, through the `rescoreAt` index, a batch at a time;
 * - computeFigures(): the RFM boundaries, segment counts, Pareto share and curve, from one pass over
 *   the rows (small, a page at a time, into histograms), written as one figures document.
 * Both keep their progress in the store (the rows' rescoreAt, the figures' position and
 * asOf), so a restarted process resumes where the last one stopped.
 */
export class RankingsJob {
  private readonly clock: () => Date;
  private readonly defaultCurrency: string;

  constructor(
    private readonly store: ReadStore,
    options: RankingsJobOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.defaultCurrency = options.defaultCurrency ?? DEFAULT_CURRENCY;
  }

  /** Re-derives every row due at `now`; returns how many. */
  async rescore(target: Pick<ProjectionTarget, 'generation'>, now = this.clock()): Promise<number> {
    const { rows, documents } = rankingCollections(target.generation);
    const nowIso = now.toISOString();
    let rescored = 0;
    for (;;) {
      const due = await keyRange<CustomerRankingRow>(this.store, rows, {
        field: 'rescoreAt',
        to: nowIso,
        limit: RESCORE_BATCH,
      });
      if (due.length === 0) return rescored;
      const docs = await this.store.getMany<Customer360Document>(
        documents,
        due.map((row) => row.id),
      );
      const writes: DocumentWrite[] = [];
      for (const row of due) {
        const doc = docs.get(row.id);
        if (!doc) continue;
        writes.push({
          collection: rows,
          document: listingRow(customerRankingsListing, doc, {
            now,
            defaultCurrency: this.defaultCurrency,
          }),
          refresh: true,
        });
      }
      await this.store.commit({ writes, checkpoints: [] });
      rescored += writes.length;
      // A row whose document moved on is rewritten by the projector; none can stay due.
      if (due.length < RESCORE_BATCH || writes.length === 0) return rescored;
    }
  }

  /** One pass over the rows into the RFM figures, as of `now`. */
  async computeFigures(
    target: Pick<ProjectionTarget, 'generation' | 'position'>,
    now = this.clock(),
  ): Promise<RfmFiguresDocument> {
    const { rows, figures } = rankingCollections(target.generation);
    const builder = new RfmFiguresBuilder(now);
    for await (const page of this.store.scan<CustomerRankingRow>(rows, FIGURES_PAGE))
      for (const row of page) builder.add(row);
    const document = builder.finish(target.position);
    await this.store.commit({
      writes: [{ collection: figures, document, refresh: true }],
      checkpoints: [],
    });
    return document;
  }

  /**
   * Whether a row changed after the figures' position; if none did, the figures hold up to
   * `position` too and are moved there (one small write) instead of computed again: events
   * that change no client (audit records of reads) cost no run.
   */
  async carryForward(
    target: Pick<ProjectionTarget, 'generation' | 'position'>,
    figures: RfmFiguresDocument,
  ): Promise<boolean> {
    const { rows, figures: collection } = rankingCollections(target.generation);
    const changed = await keyRange(this.store, rows, {
      field: 'changeKey',
      after: changeKeyOf(figures.position),
      limit: 1,
    });
    if (changed.length > 0) return false;
    await this.store.commit({
      writes: [{ collection, document: { ...figures, position: target.position }, refresh: true }],
      checkpoints: [],
    });
    return true;
  }

  /** The figures of the last run in a generation, if any. */
  async figures(generation: number): Promise<RfmFiguresDocument | undefined> {
    const { figures } = rankingCollections(generation);
    return this.store.get<RfmFiguresDocument>(figures, 'rfm');
  }
}

/** Between two looks at the rankings: rows due for rescoring wait at most this long. */
const TICK_MS = 250;
/** Figures are recomputed at least this often, for recency, when nothing else changes. */
const FIGURES_MAX_AGE_MS = 60 * 60 * 1000;
/** A run of the figures is followed by a pause of this many times its duration (≥ 1 tick). */
const PAUSE_FACTOR = 4;

/**
 * Keeps the rankings of the active customer-360 generation current until aborted: rescores
 * due rows every tick, and recomputes the figures when the log moved (at most one run per
 * PAUSE_FACTOR × the last run's duration, so a large population costs a bounded share of the
 * process) or when they are an hour old. A generation built by an older definition (no rows
 * yet, until its rebuild is swapped in) is left alone.
 */
export async function keepRankingsCurrent(
  store: ReadStore,
  signal: AbortSignal,
  options: RankingsJobOptions & { onError?: (error: unknown) => void } = {},
): Promise<void> {
  const job = new RankingsJob(store, options);
  const clock = options.clock ?? (() => new Date());
  let nextFiguresAt = 0;
  while (!signal.aborted) {
    try {
      const active = (await store.projectionStates()).find(
        (s) => s.projection === customer360Projection.name && s.active,
      );
      if (active && active.version >= customer360Projection.version) {
        await job.rescore(active);
        const figures = await job.figures(active.generation);
        const started = Date.now();
        // (a document of an older format lacks a figure: computed again at once)
        const stale =
          !figures ||
          figures.format !== RFM_FIGURES_FORMAT ||
          clock().getTime() - Date.parse(figures.asOf) > FIGURES_MAX_AGE_MS;
        const behind = figures !== undefined && figures.position < active.position;
        if (
          stale ||
          (behind && started >= nextFiguresAt && !(await job.carryForward(active, figures)))
        ) {
          await job.computeFigures(active);
          nextFiguresAt = Date.now() + PAUSE_FACTOR * (Date.now() - started);
        }
      }
    } catch (error) {
      options.onError?.(error);
    }
    await pause(TICK_MS, signal);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
