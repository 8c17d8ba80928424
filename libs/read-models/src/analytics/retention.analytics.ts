import type { Customer360Document } from '../projections/customer-360.document';
import { monthOf, monthsFrom, round, startOfNextMonth } from './time';

export interface Cohort {
  /** Month of first conversion, "YYYY-MM". */
  cohort: string;
  size: number;
  /** Share of the cohort active at the end of each month since conversion (index 0: the
   * conversion month itself); the current month is measured now. */
  retention: number[];
}

export interface MonthlyChurn {
  month: string;
  activeAtStart: number;
  acquired: number;
  churned: number;
  /** churned / (activeAtStart + acquired) */
  churnRate: number;
}

export interface RetentionFigures {
  cohorts: Cohort[];
  /** Share of every customer ever acquired who is not a customer now. */
  churnRate: number;
  monthly: MonthlyChurn[];
}

type Periods = Customer360Document['customerPeriods'];

/** A client is active at instant t when one of their customer periods holds it: from <= t < to. */
function activeAt(periods: Periods, at: Date): boolean {
  const t = at.getTime();
  return periods.some(
    (p) => new Date(p.from).getTime() <= t && (p.to === null || t < new Date(p.to).getTime()),
  );
}

/** Monthly acquisition cohorts and their retention; formulas in docs/read-models.md. */
export function computeRetention(docs: Iterable<Customer360Document>, now: Date): RetentionFigures {
  const acquired = [...docs].filter((d) => d.convertedAt !== null && d.customerPeriods.length > 0);
  if (acquired.length === 0) return { cohorts: [], churnRate: 0, monthly: [] };
  const currentMonth = monthOf(now);
  // A past month is measured at its last millisecond; the current month, now.
  const endOf = (month: string) =>
    month === currentMonth ? now : new Date(startOfNextMonth(month).getTime() - 1);

  const byCohort = new Map<string, Customer360Document[]>();
  for (const doc of acquired) {
    const cohort = monthOf(doc.convertedAt!);
    byCohort.set(cohort, [...(byCohort.get(cohort) ?? []), doc]);
  }
  const cohortMonths = [...byCohort.keys()].sort();
  const cohorts = cohortMonths.map((cohort) => {
    const members = byCohort.get(cohort)!;
    return {
      cohort,
      size: members.length,
      retention: monthsFrom(cohort, currentMonth).map((month) =>
        round(
          members.filter((d) => activeAt(d.customerPeriods, endOf(month))).length / members.length,
        ),
      ),
    };
  });

  const monthly = monthsFrom(cohortMonths[0]!, currentMonth).map((month) => {
    const start = new Date(`${month}-01T00:00:00.000Z`);
    const end = endOf(month);
    const activeAtStart = acquired.filter((d) =>
      activeAt(d.customerPeriods, new Date(start.getTime() - 1)),
    ).length;
    const newcomers = acquired.filter((d) => monthOf(d.convertedAt!) === month).length;
    const churned = acquired.reduce(
      (n, d) =>
        n +
        d.customerPeriods.filter(
          (p) => p.to !== null && new Date(p.to) >= start && new Date(p.to) <= end,
        ).length,
      0,
    );
    const base = activeAtStart + newcomers;
    return {
      month,
      activeAtStart,
      acquired: newcomers,
      churned,
      churnRate: base === 0 ? 0 : round(churned / base),
    };
  });

  const activeNow = acquired.filter((d) => activeAt(d.customerPeriods, now)).length;
  return { cohorts, churnRate: round((acquired.length - activeNow) / acquired.length), monthly };
}
