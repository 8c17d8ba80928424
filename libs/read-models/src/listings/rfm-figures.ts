import { fromMinor } from '@rapport/domain';
import {
  RFM_SEGMENTS,
  segmentOf,
  type CustomerRfm,
  type RfmSegment,
} from '../analytics/segments.analytics';
import { DAY_MS, round } from '../analytics/time';
import type { CustomerRankingRow } from './customer-rankings.listing';

/**
 * Quintile boundaries of one dimension, as goodness values (higher is better; recency is
 * −days): `[g1, …, g5]`, gk the least value observed that scores k or more. Every value then
 * scores the number of boundaries at or below it, as the reference's cumulative distribution
 * does (a value between two observed ones scores as the lower one).
 */
export type Boundaries = number[];

export interface CurrencyRfmFigures {
  /** Clients (not erased) with a won deal in the currency. */
  buyers: number;
  recency: Boundaries;
  frequency: Boundaries;
  monetary: Boundaries;
  segments: { segment: RfmSegment; customers: number }[];
  paretoTopShare: number;
  /** The Pareto curve: `PARETO_POINTS` revenue shares, of the top 1/20, 2/20, … of clients. */
  paretoCurve: number[];
}

export interface PurposeRfmFigures {
  /** Clients not erased (and consenting, for a purpose). */
  eligible: number;
  currencies: Record<string, CurrencyRfmFigures>;
}

/** The RFM figures of one run of the rankings job, over every client's row. */
export interface RfmFiguresDocument {
  id: string;
  /** RFM_FIGURES_FORMAT when computed; a document of an older format is computed again. */
  format?: number;
  /** The customer-360 checkpoint when the run began: the rows hold at least that. */
  position: number;
  /** The "now" of recency: days since the last win are counted up to this instant. */
  asOf: string;
  /** By consent purpose; "" = every client. */
  purposes: Record<string, PurposeRfmFigures>;
}

export const RFM_FIGURES_ID = 'rfm';
/** 2: with the Pareto curve. */
export const RFM_FIGURES_FORMAT = 2;

const increment = (counts: Map<number, number>, value: number) =>
  counts.set(value, (counts.get(value) ?? 0) + 1);

class CurrencyAccumulator {
  buyers = 0;
  readonly recencyAndFrequency = new Map<string, number>();
  readonly recency = new Map<number, number>();
  readonly frequency = new Map<number, number>();
  readonly monetary = new Map<number, number>();
  /** Revenue per client, erased ones included (a business fact). */
  readonly revenue = new Map<number, number>();
}

/** Points of the Pareto curve: the top 5 %, 10 %, … 100 % of clients with revenue. */
export const PARETO_POINTS = 20;
/** The Pareto curve's 20 % point (1-based): the top 20 % share, paretoTopShare. */
const PARETO_TOP_20 = PARETO_POINTS / 5;

/** Boundaries of a histogram of goodness values (value → clients). */
function boundariesOf(histogram: ReadonlyMap<number, number>): Boundaries {
  const values = [...histogram.keys()].sort((a, b) => a - b);
  const total = [...histogram.values()].reduce((a, b) => a + b, 0);
  const boundaries: Boundaries = [];
  let asGoodOrWorse = 0;
  for (const value of values) {
    asGoodOrWorse += histogram.get(value)!;
    const score = Math.ceil((5 * asGoodOrWorse) / total);
    while (boundaries.length < score) boundaries.push(value);
  }
  return boundaries;
}

/** The score (1–5) of a goodness value against boundaries. */
export function scoreOf(boundaries: Boundaries, goodness: number): number {
  let score = 0;
  for (const boundary of boundaries) if (boundary <= goodness) score++;
  return Math.max(1, score);
}

/** Whole days from the last win to `asOf` (0 for a win at or after it), as the reference counts. */
export const recencyDays = (lastWonAt: string, asOf: Date) =>
  Math.max(0, Math.floor((asOf.getTime() - Date.parse(lastWonAt)) / DAY_MS));

/**
 * Accumulates the rows, a page at a time, into the figures of every consent purpose and
 * currency: histograms whose size is the number of distinct values, not of clients.
 */
export class RfmFiguresBuilder {
  private readonly purposes = new Map<
    string,
    { eligible: number; currencies: Map<string, CurrencyAccumulator> }
  >();

  constructor(private readonly asOf: Date) {}

  add(row: CustomerRankingRow): void {
    for (const purpose of ['', ...row.granted]) {
      let figures = this.purposes.get(purpose);
      if (!figures) this.purposes.set(purpose, (figures = { eligible: 0, currencies: new Map() }));
      if (!row.erased) figures.eligible++;
      for (const [currency, wins] of Object.entries(row.wins)) {
        if (wins.count <= 0) continue;
        let acc = figures.currencies.get(currency);
        if (!acc) figures.currencies.set(currency, (acc = new CurrencyAccumulator()));
        if (wins.amountMinor > 0 || !row.erased) increment(acc.revenue, wins.amountMinor);
        if (row.erased) continue;
        const days = recencyDays(wins.lastWonAt, this.asOf);
        acc.buyers++;
        increment(acc.recency, -days);
        increment(acc.frequency, wins.count);
        increment(acc.monetary, wins.amountMinor);
        const cell = `${days}|${wins.count}`;
        acc.recencyAndFrequency.set(cell, (acc.recencyAndFrequency.get(cell) ?? 0) + 1);
      }
    }
  }

  finish(position: number): RfmFiguresDocument {
    const purposes: Record<string, PurposeRfmFigures> = {};
    for (const [purpose, figures] of this.purposes) {
      const currencies: Record<string, CurrencyRfmFigures> = {};
      for (const [currency, acc] of figures.currencies)
        currencies[currency] = currencyFigures(acc, figures.eligible);
      purposes[purpose] = { eligible: figures.eligible, currencies };
    }
    return {
      id: RFM_FIGURES_ID,
      format: RFM_FIGURES_FORMAT,
      position,
      asOf: this.asOf.toISOString(),
      purposes,
    };
  }
}

function currencyFigures(acc: CurrencyAccumulator, eligible: number): CurrencyRfmFigures {
  const recency = boundariesOf(acc.recency);
  const frequency = boundariesOf(acc.frequency);
  const counts = new Map<RfmSegment, number>();
  for (const [cell, clients] of acc.recencyAndFrequency) {
    const [days, count] = cell.split('|').map(Number) as [number, number];
    const segment = segmentOf(scoreOf(recency, -days), scoreOf(frequency, count));
    counts.set(segment, (counts.get(segment) ?? 0) + clients);
  }
  if (eligible > acc.buyers) counts.set('prospects', eligible - acc.buyers);
  const paretoCurve = paretoCurveOf(acc.revenue);
  return {
    buyers: acc.buyers,
    recency,
    frequency,
    monetary: boundariesOf(acc.monetary),
    segments: RFM_SEGMENTS.filter((s) => counts.has(s)).map((segment) => ({
      segment,
      customers: counts.get(segment)!,
    })),
    paretoTopShare: paretoCurve[PARETO_TOP_20 - 1] ?? 0,
    paretoCurve,
  };
}

/**
 * The Pareto curve of a revenue histogram (amount in minor units → clients): for k = 1 …
 * PARETO_POINTS, the revenue of the top ⌈k × n / PARETO_POINTS⌉ of the n clients with revenue,
 * by amount, over the revenue of all of them. One walk over the distinct amounts, largest
 * first; empty when there is no revenue.
 */
function paretoCurveOf(revenue: ReadonlyMap<number, number>): number[] {
  const amounts = [...revenue.keys()].sort((a, b) => b - a);
  const clients = [...revenue.values()].reduce((a, b) => a + b, 0);
  const top: number[] = [];
  let taken = 0;
  let total = 0;
  for (const amount of amounts) {
    const count = revenue.get(amount)!;
    // Every point whose top ends within this amount's clients.
    for (
      let k = top.length + 1;
      k <= PARETO_POINTS && Math.ceil((k * clients) / PARETO_POINTS) <= taken + count;
      k++
    )
      top.push(total + amount * (Math.ceil((k * clients) / PARETO_POINTS) - taken));
    taken += count;
    total += amount * count;
  }
  return total === 0 ? [] : top.map((share) => round(share / total));
}

/** The figures of one currency and purpose; a currency no one bought in has only prospects. */
export function segmentFiguresOf(
  document: RfmFiguresDocument,
  currency: string,
  purpose = '',
): Pick<CurrencyRfmFigures, 'segments' | 'paretoTopShare' | 'paretoCurve'> {
  const figures = document.purposes[purpose];
  const own = figures?.currencies[currency];
  if (own)
    return {
      segments: own.segments,
      paretoTopShare: own.paretoTopShare,
      paretoCurve: own.paretoCurve,
    };
  const eligible = figures?.eligible ?? 0;
  return {
    segments: eligible > 0 ? [{ segment: 'prospects', customers: eligible }] : [],
    paretoTopShare: 0,
    paretoCurve: [],
  };
}

/** A client's RFM in one currency against the boundaries of the last run. */
export function customerRfmOf(
  document: RfmFiguresDocument,
  client: { customerId: string; erased: boolean; wins: CustomerRankingRow['wins'] },
  currency: string,
): CustomerRfm | undefined {
  if (client.erased) return undefined;
  const wins = client.wins[currency];
  const figures = document.purposes['']?.currencies[currency];
  if (!wins || wins.count <= 0 || !figures) {
    return {
      customerId: client.customerId,
      segment: 'prospects',
      rfm: null,
      recencyDays: null,
      frequency: 0,
      monetary: 0,
    };
  }
  const days = recencyDays(wins.lastWonAt, new Date(document.asOf));
  const r = scoreOf(figures.recency, -days);
  const f = scoreOf(figures.frequency, wins.count);
  const m = scoreOf(figures.monetary, wins.amountMinor);
  return {
    customerId: client.customerId,
    segment: segmentOf(r, f),
    rfm: `${r}${f}${m}`,
    recencyDays: days,
    frequency: wins.count,
    monetary: fromMinor(wins.amountMinor, currency),
  };
}

/**
 * The last-win times of R score `r`, as an interval of ISO times: `after` exclusive, `upTo`
 * inclusive (undefined: unbounded), at the run's `asOf`.
 */
export function lastWinInterval(
  boundaries: Boundaries,
  r: number,
  asOf: Date,
): { after?: string; upTo?: string } | undefined {
  const low = boundaries[r - 1];
  const high = r < 5 ? boundaries[r] : undefined;
  if (low === undefined || (high !== undefined && high <= low)) return undefined;
  // Goodness in [low, high) ⇔ days in (−high, −low] ⇔ lastWonAt in (asOf − (1 − low) d, asOf − (1 − high) d].
  const at = (days: number) => new Date(asOf.getTime() - (days + 1) * DAY_MS).toISOString();
  const mostDays = -low;
  const fewerDays = high === undefined ? undefined : -high;
  return {
    after: at(mostDays),
    ...(fewerDays !== undefined && fewerDays >= 0 && { upTo: at(fewerDays) }),
  };
}
