import { fromMinor } from '@rapport/domain';
import type { Customer360Document } from '../projections/customer-360.document';
import { daysBetween, round } from './time';

/** RFM segments by recency and frequency scores (the usual R×F grid). */
export const RFM_SEGMENTS = [
  'champions',
  'loyal-customers',
  'potential-loyalists',
  'new-customers',
  'promising',
  'need-attention',
  'about-to-sleep',
  'cannot-lose-them',
  'at-risk',
  'hibernating',
  'prospects',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

export function segmentOf(r: number, f: number): RfmSegment {
  if (r >= 5 && f >= 4) return 'champions';
  if (r >= 3 && f >= 4) return 'loyal-customers';
  if (r >= 4 && f >= 2) return 'potential-loyalists';
  if (r === 5) return 'new-customers';
  if (r === 4) return 'promising';
  if (r === 3 && f === 3) return 'need-attention';
  if (r === 3) return 'about-to-sleep';
  if (f === 5) return 'cannot-lose-them';
  if (f >= 3) return 'at-risk';
  return 'hibernating';
}

export interface CustomerRfm {
  customerId: string;
  segment: RfmSegment;
  /** e.g. "545": recency, frequency and monetary scores, 1 (worst) to 5 (best). */
  rfm: string | null;
  recencyDays: number | null;
  frequency: number;
  monetary: number;
}

export interface SegmentFigures {
  currency: string;
  segments: { segment: RfmSegment; customers: number }[];
  /** Revenue share of the top 20% of clients by revenue (0 when there is no revenue). */
  paretoTopShare: number;
  /**
   * The Pareto curve: for k = 1 … 20, the revenue share of the top ⌈k × n / 20⌉ of the n
   * clients with revenue (the top 5 %, 10 %, … 100 %); empty when there is no revenue.
   */
  paretoCurve: number[];
  customers: Map<string, CustomerRfm>;
}

/**
 * Quintile scores by cumulative distribution: a value scores ceil(5 × share of values that
 * are as good or worse), so ties share the higher score and a lone value scores 5.
 * `higherIsBetter` false for recency (fewer days is better).
 */
function quintiles(values: number[], higherIsBetter: boolean): number[] {
  const goodness = values.map((v) => (higherIsBetter ? v : -v));
  const sorted = [...goodness].sort((a, b) => a - b);
  const asGoodOrWorse = (g: number) => {
    // Index of the first value greater than g: how many values are <= g.
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (sorted[mid]! <= g) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  return goodness.map((g) => Math.ceil((5 * asGoodOrWorse(g)) / values.length));
}

export interface SegmentOptions {
  currency: string;
  /** Count only clients who consented to this purpose (e.g. "marketing"). */
  consentPurpose?: string;
}

/** RFM segmentation over won deals in one currency, and the Pareto share; see docs/read-models.md. */
export function computeSegments(
  docs: readonly Customer360Document[],
  now: Date,
  options: SegmentOptions,
): SegmentFigures {
  const eligible = [...docs].filter(
    (d) =>
      d.status !== 'erased' &&
      (!options.consentPurpose || d.consents[options.consentPurpose] === true),
  );
  const buyers = eligible.filter((d) => (d.deals.wonByCurrency[options.currency]?.count ?? 0) > 0);
  const recency = buyers.map((d) =>
    Math.max(0, Math.floor(daysBetween(d.deals.wonByCurrency[options.currency]!.lastWonAt, now))),
  );
  const frequency = buyers.map((d) => d.deals.wonByCurrency[options.currency]!.count);
  const monetaryMinor = buyers.map((d) => d.deals.wonByCurrency[options.currency]!.amountMinor);
  const r = quintiles(recency, false);
  const f = quintiles(frequency, true);
  const m = quintiles(monetaryMinor, true);

  const customers = new Map<string, CustomerRfm>();
  buyers.forEach((doc, i) => {
    customers.set(doc.customerId, {
      customerId: doc.customerId,
      segment: segmentOf(r[i]!, f[i]!),
      rfm: `${r[i]}${f[i]}${m[i]}`,
      recencyDays: recency[i]!,
      frequency: frequency[i]!,
      monetary: fromMinor(monetaryMinor[i]!, options.currency),
    });
  });
  for (const doc of eligible) {
    if (!customers.has(doc.customerId)) {
      customers.set(doc.customerId, {
        customerId: doc.customerId,
        segment: 'prospects',
        rfm: null,
        recencyDays: null,
        frequency: 0,
        monetary: 0,
      });
    }
  }

  const counts = new Map<RfmSegment, number>();
  for (const c of customers.values()) counts.set(c.segment, (counts.get(c.segment) ?? 0) + 1);

  // The Pareto share is a business fact: erased clients' revenue stays in it.
  const revenue = [...docs]
    .filter(
      (d) =>
        d.status === 'erased' &&
        (!options.consentPurpose || d.consents[options.consentPurpose] === true),
    )
    .map((d) => d.deals.wonByCurrency[options.currency]?.amountMinor ?? 0)
    .filter((minor) => minor > 0)
    .concat(monetaryMinor)
    .sort((a, b) => b - a);
  const total = revenue.reduce((a, b) => a + b, 0);
  const top = revenue.slice(0, Math.ceil(revenue.length * 0.2)).reduce((a, b) => a + b, 0);
  const topShare = (k: number) =>
    revenue.slice(0, Math.ceil((k * revenue.length) / 20)).reduce((a, b) => a + b, 0) / total;

  return {
    currency: options.currency,
    segments: RFM_SEGMENTS.filter((s) => counts.has(s)).map((segment) => ({
      segment,
      customers: counts.get(segment)!,
    })),
    paretoTopShare: total === 0 ? 0 : round(top / total),
    paretoCurve: total === 0 ? [] : Array.from({ length: 20 }, (_, i) => round(topShare(i + 1))),
    customers,
  };
}
