import { count, type Aggregation, type Tally } from '../aggregation';
import type { ServiceCaseDocument } from '../projections/service-case.document';

/** Aggregate key of the cases opened in one month (UTC). */
export const serviceMonthKey = (month: string) => `month:${month}`;

/** The name prefix of one kind and category's sums in a month's tally. */
export const serviceGroup = (kind: string, category: string) =>
  `${kind}|${encodeURIComponent(category)}`;

export const groupOfName = (name: string): { kind: string; category: string; figure: string } => {
  const [kind = '', category = '', ...figure] = name.split('|');
  return { kind, category: decodeURIComponent(category), figure: figure.join('|') };
};

const HOUR_MS = 3_600_000;

/**
 * The histogram bucket of a duration: whole hours up to a week, whole days (in hours) up to a
 * year, then a year. So a histogram has at most about 520 buckets, whatever the number of cases.
 */
export function hoursBucket(from: string, to: string): number {
  const hours = Math.max(0, Math.floor((Date.parse(to) - Date.parse(from)) / HOUR_MS));
  if (hours <= 168) return hours;
  if (hours < 8760) return Math.floor(hours / 24) * 24;
  return 8760;
}

/**
 * Service figures per month of opening, kind and category: opened, resolved, histograms of
 * hours to the first response (`frt:<h>`) and to the latest resolution (`res:<h>`), SLA
 * targets met and missed, reopened cases, satisfaction (sum and count) and outcomes. Medians
 * and percentiles come from the histograms; nothing reads the cases.
 */
export const serviceFiguresAggregation: Aggregation<ServiceCaseDocument> = {
  name: 'service-figures',
  collection: 'service_figure_tallies',
  contribution(doc) {
    const tally: Tally = {};
    const group = serviceGroup(doc.kind, doc.category);
    const add = (figure: string, by = 1) => count(tally, `${group}|${figure}`, by);
    add('opened');
    if (doc.firstRespondedAt !== null) {
      add(`frt:${hoursBucket(doc.openedAt, doc.firstRespondedAt)}`);
    }
    if (doc.status === 'resolved' && doc.resolvedAt !== null) {
      add('resolved');
      add(`res:${hoursBucket(doc.openedAt, doc.resolvedAt)}`);
      if (doc.outcome !== null) add(`outcome:${doc.outcome}`);
      if (doc.satisfaction !== null) {
        add('satisfactionSum', doc.satisfaction);
        add('satisfactionCount');
      }
    }
    if (doc.reopened > 0) add('reopened');
    // Reopened and not resolved again: resolved once all the same (the reopen rate's base).
    if (doc.reopened > 0 && doc.status !== 'resolved') add('reopenedOpen');
    add('slaMissed', doc.breaches.length);
    const missed = (target: string, cycle?: number) =>
      doc.breaches.some((b) => b.target === target && (cycle === undefined || b.cycle === cycle));
    if (doc.firstResponseHours !== null && doc.firstRespondedAt !== null) {
      if (!missed('first-response')) add('slaMet');
    }
    if (doc.resolutionHours !== null && doc.status === 'resolved') {
      if (!missed('resolution', doc.cycle)) add('slaMet');
    }
    return new Map([[serviceMonthKey(doc.openedAt.slice(0, 7)), tally]]);
  },
};
