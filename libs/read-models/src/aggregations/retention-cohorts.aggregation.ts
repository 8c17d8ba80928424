import { addTally, count, type Aggregation, type Tally } from '../aggregation';
import type { RetentionFigures } from '../analytics/retention.analytics';
import { monthOf, monthsFrom, round } from '../analytics/time';
import type { Customer360Document } from '../projections/customer-360.document';

const COHORT = 'cohort:';

/**
 * Acquisition cohorts × activity months. Per cohort (month of first conversion): its size,
 * and for its customer periods a difference array over months: +1 in the month a period
 * starts, −1 in the month it ends. A client is a customer at the end of month M exactly when
 * one of their periods started in or before M and ends after M, so the running sum of the
 * array up to M is the number of the cohort's customers at the end of M; `ended.M` counts
 * the periods that ended in M (monthly churn). Bounded by months, not clients.
 *
 * This holds for times up to now, as business times are (a future time is refused at the
 * command); the current month is then measured now, as computeRetention does.
 */
export const retentionCohortsAggregation: Aggregation<Customer360Document> = {
  name: 'retention-cohorts',
  collection: 'retention_cohort_tallies',
  contribution(doc) {
    if (doc.convertedAt === null || doc.customerPeriods.length === 0) return new Map();
    const tally: Tally = { size: 1 };
    for (const period of doc.customerPeriods) {
      const from = monthOf(period.from);
      if (period.to === null) {
        count(tally, `active.${from}`);
        continue;
      }
      const to = monthOf(period.to);
      count(tally, `ended.${to}`);
      // A period that ends in the month it started never spans a month's end.
      if (to > from) {
        count(tally, `active.${from}`);
        count(tally, `active.${to}`, -1);
      }
    }
    return new Map([[`${COHORT}${monthOf(doc.convertedAt)}`, tally]]);
  },
};

/** Sums named `${prefix}.YYYY-MM`, by month. */
function byMonth(sums: Tally, prefix: string): Map<string, number> {
  const months = new Map<string, number>();
  for (const [name, value] of Object.entries(sums))
    if (name.startsWith(`${prefix}.`)) months.set(name.slice(prefix.length + 1), value);
  return months;
}

/**
 * Running sums of a difference array at the end of each of `months` (consecutive), and
 * before the first of them.
 */
function runningTotals(
  changes: Map<string, number>,
  months: readonly string[],
): { before: number; atEnd: number[] } {
  let running = 0;
  for (const [month, change] of changes) if (month < months[0]!) running += change;
  const before = running;
  return { before, atEnd: months.map((month) => (running += changes.get(month) ?? 0)) };
}

/** GET /analytics/retention from the cohort tallies: the figures of computeRetention. */
export function retentionFromTallies(
  byKey: ReadonlyMap<string, Tally>,
  now: Date,
): RetentionFigures {
  const cohorts = [...byKey]
    .filter(([key, sums]) => key.startsWith(COHORT) && (sums.size ?? 0) > 0)
    .map(([key, sums]) => ({ cohort: key.slice(COHORT.length), sums }))
    .sort((a, b) => (a.cohort < b.cohort ? -1 : 1));
  if (cohorts.length === 0) return { cohorts: [], churnRate: 0, monthly: [] };
  const currentMonth = monthOf(now);
  const all: Tally = {};
  for (const { sums } of cohorts) addTally(all, sums);
  const months = monthsFrom(cohorts[0]!.cohort, currentMonth);
  const active = runningTotals(byMonth(all, 'active'), months);
  const ended = byMonth(all, 'ended');
  const acquiredIn = new Map(cohorts.map(({ cohort, sums }) => [cohort, sums.size!]));
  const total = all.size ?? 0;
  return {
    cohorts: cohorts.map(({ cohort, sums }) => {
      const span = monthsFrom(cohort, currentMonth);
      return {
        cohort,
        size: sums.size!,
        retention: runningTotals(byMonth(sums, 'active'), span).atEnd.map((customers) =>
          round(customers / sums.size!),
        ),
      };
    }),
    churnRate: round((total - active.atEnd[active.atEnd.length - 1]!) / total),
    monthly: months.map((month, i) => {
      const activeAtStart = i === 0 ? active.before : active.atEnd[i - 1]!;
      const acquired = acquiredIn.get(month) ?? 0;
      const churned = ended.get(month) ?? 0;
      const base = activeAtStart + acquired;
      return {
        month,
        activeAtStart,
        acquired,
        churned,
        churnRate: base === 0 ? 0 : round(churned / base),
      };
    }),
  };
}
