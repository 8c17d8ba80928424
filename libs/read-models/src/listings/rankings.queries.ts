import { churnRisk, DEFAULT_CHURN_RISK_OPTIONS } from '../analytics/churn-risk.analytics';
import type { RankedChurnRisk } from '../analytics/churn-risk.analytics';
import { segmentOf, type RfmSegment } from '../analytics/segments.analytics';
import type { Customer360Document } from '../projections/customer-360.document';
import type { ReadStore } from '../read-store.port';
import { frequencyPrefix, rankKey, type CustomerRankingRow } from './customer-rankings.listing';
import { lastWinInterval, scoreOf, type RfmFiguresDocument } from './rfm-figures';
import { keyRange } from './key-range';

/** Rows whose stored churn score may be stale that a ranking re-scores itself. */
export const STALE_ROWS_LIMIT = 1000;

/**
 * More rows are past their rescoring time than a ranking scores itself (the rankings job is
 * catching up, e.g. after the process was down past many clients' rescoring times): a ranking
 * now could leave out a client whose risk has grown, so none is given; the job clears them
 * within seconds.
 */
export class RankingBehindError extends Error {
  constructor(readonly staleRows: number) {
    super(`at least ${staleRows} clients' churn scores are being derived again`);
    this.name = 'RankingBehindError';
  }
}
/** Rows a page of a segment list may read past its filters before it answers what it has. */
export const SEGMENT_SCAN_BUDGET = 5000;

export interface RankingCollections {
  rows: string;
  documents: string;
}

/**
 * Leads and customers by descending churn risk at `now` (then id), the first `limit`. The
 * rows' stored scores hold from scoredAt until rescoreAt; rows past it (the job has not
 * reached them yet) or scored after `now` are scored here from their documents. The top
 * `limit` of the other rows are among the first `limit + stale` of the rankKey index, so
 * the page is the reference's while no more than STALE_ROWS_LIMIT rows of each kind are stale;
 * with more rows past their rescoring time it throws RankingBehindError rather than answer a
 * ranking that may be wrong. Reasons are
 * computed for the page only, from the documents.
 */
export async function rankChurnRiskFromRows(
  store: ReadStore,
  collections: RankingCollections,
  now: Date,
  limit: number,
): Promise<RankedChurnRisk[]> {
  return (await churnRiskPage(store, collections, now, limit)).customers;
}

export interface ChurnRiskPage {
  customers: RankedChurnRisk[];
  /** The rank key (score, id) after which the next page starts; null on the last page. */
  nextAfter: string | null;
}

/**
 * One page of the churn ranking: the clients ranked after `after` (the rank key of the
 * previous page's last client, as scored when that page was read), as rankChurnRiskFromRows
 * ranks them.
 */
export async function churnRiskPage(
  store: ReadStore,
  { rows, documents }: RankingCollections,
  now: Date,
  limit: number,
  after?: string,
): Promise<ChurnRiskPage> {
  const nowIso = now.toISOString();
  const [due, early] = await Promise.all([
    keyRange<CustomerRankingRow>(store, rows, {
      field: 'rescoreAt',
      to: nowIso,
      limit: STALE_ROWS_LIMIT + 1,
    }),
    keyRange<CustomerRankingRow>(store, rows, {
      field: 'scoredAt',
      after: nowIso,
      limit: STALE_ROWS_LIMIT,
    }),
  ]);
  // Rows scored after `now` are the projector's newest (or a clock behind the projector's, as in
  // tests): no job will change them, so only rows past their rescoring time refuse a ranking.
  if (due.length > STALE_ROWS_LIMIT) throw new RankingBehindError(due.length);
  const stale = new Set([...due, ...early].map((row) => row.id));
  // One more than the page, to know whether another follows.
  const top = await keyRange<CustomerRankingRow>(store, rows, {
    field: 'rankKey',
    ...(after !== undefined && { after }),
    limit: limit + 1 + stale.size,
  });
  const candidates = new Map<string, number>();
  for (const row of top) if (!stale.has(row.id)) candidates.set(row.id, row.churnScore ?? 0);
  const staleDocs = await store.getMany<Customer360Document>(documents, [...stale]);
  for (const doc of staleDocs.values()) {
    if (doc.status !== 'lead' && doc.status !== 'customer') continue;
    const score = churnRisk(doc, now, DEFAULT_CHURN_RISK_OPTIONS).score;
    if (after === undefined || rankKey(score, doc.id) > after) candidates.set(doc.id, score);
  }
  const ordered = [...candidates].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  const chosen = ordered.slice(0, limit);
  const last = chosen.at(-1);
  const nextAfter = ordered.length > limit && last ? rankKey(last[1], last[0]) : null;
  const docs = await store.getMany<Customer360Document>(
    documents,
    chosen.map(([id]) => id).filter((id) => !staleDocs.has(id)),
  );
  const ranked: RankedChurnRisk[] = [];
  for (const [id] of chosen) {
    const doc = staleDocs.get(id) ?? docs.get(id);
    // A client churned or erased since its row was read is no longer ranked.
    if (!doc || (doc.status !== 'lead' && doc.status !== 'customer')) continue;
    ranked.push({
      customerId: doc.customerId,
      status: doc.status,
      ownerId: doc.ownerId,
      ...churnRisk(doc, now, DEFAULT_CHURN_RISK_OPTIONS),
    });
  }
  // Scored from the documents as they are now (one may have changed since its row was read).
  ranked.sort((a, b) => b.score - a.score || (a.customerId < b.customerId ? -1 : 1));
  return { customers: ranked, nextAfter };
}

export interface SegmentPage {
  customerIds: string[];
  nextCursor: string | null;
}

const maxKey = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined ? a : a > b ? a : b;

/**
 * The clients of one RFM segment in `currency` (the rows' default currency), in the order
 * of the segment index (frequency, last win, id), filtered by status and owner. A segment is
 * a set of cells of the R × F grid; for each frequency present (found by a probe of the
 * index), each of its cells is one range of last-win times. A page that reads
 * SEGMENT_SCAN_BUDGET rows past its filters answers what it found with a cursor to go on.
 */
export async function segmentMembers(
  store: ReadStore,
  rows: string,
  figures: RfmFiguresDocument | undefined,
  query: {
    currency: string;
    segment: RfmSegment;
    status?: string;
    ownerId?: string;
    cursor?: string;
    limit: number;
  },
): Promise<SegmentPage> {
  const { limit } = query;
  const found: CustomerRankingRow[] = [];
  let scanned = 0;
  let position = query.cursor;
  const keep = (row: CustomerRankingRow) =>
    (query.status === undefined || row.status === query.status) &&
    (query.ownerId === undefined || row.ownerId === query.ownerId);
  /** Reads (after, to) of a key until the page is full; false when the budget ran out. */
  const drain = async (field: 'segmentKey' | 'prospectKey', after?: string, to?: string) => {
    for (;;) {
      const from = maxKey(after, position);
      const page = await keyRange<CustomerRankingRow>(store, rows, {
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
      if (page.length === 0) return true;
      if (scanned >= SEGMENT_SCAN_BUDGET) return false;
    }
  };
  let complete = true;
  if (query.segment === 'prospects') {
    complete = await drain('prospectKey');
  } else {
    const own = figures?.purposes['']?.currencies[query.currency];
    const asOf = new Date(figures?.asOf ?? 0);
    while (own && complete && found.length <= limit) {
      const [next] = await keyRange<CustomerRankingRow>(store, rows, {
        field: 'segmentKey',
        ...(position !== undefined && { after: position }),
        limit: 1,
      });
      if (!next) break;
      const frequency = Number(next.segmentKey!.split('|')[0]);
      const prefix = frequencyPrefix(frequency);
      const f = scoreOf(own.frequency, frequency);
      for (let r = 1; r <= 5 && complete && found.length <= limit; r++) {
        if (segmentOf(r, f) !== query.segment) continue;
        const interval = lastWinInterval(own.recency, r, asOf);
        if (!interval) continue;
        complete = await drain(
          'segmentKey',
          interval.after && `${prefix}|${interval.after}|~`,
          interval.upTo ? `${prefix}|${interval.upTo}|~` : `${prefix}|~`,
        );
      }
      // On to the next frequency present.
      if (complete) position = maxKey(position, `${prefix}|~`);
    }
  }
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  let nextCursor: string | null = null;
  if (found.length > limit && last)
    nextCursor = (query.segment === 'prospects' ? last.prospectKey : last.segmentKey)!;
  else if (!complete) nextCursor = position ?? null;
  return { customerIds: page.map((row) => row.customerId), nextCursor };
}
