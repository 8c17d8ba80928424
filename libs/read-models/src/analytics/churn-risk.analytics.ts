import type { Customer360Document } from '../projections/customer-360.document';
import { DAY_MS, daysBetween } from './time';

export interface ChurnRiskOptions {
  /** Expected days between contacts when a client has too little history of their own:
   * the literature's benchmark is about four contacts a year. */
  cadenceBenchmarkDays: number;
  /** Contacts needed before a client's own cadence replaces the benchmark. */
  minContactsForOwnCadence: number;
  /** A client with no won deal for this many months is at risk. */
  noWinMonths: number;
  /** Deals lost within this many days count against the client. */
  recentLossDays: number;
  /** Points per planned activity (a follow-up) left undone past its due time, and their cap. */
  overdueActivityPoints: number;
  overdueActivityMaxPoints: number;
}

export const DEFAULT_CHURN_RISK_OPTIONS: ChurnRiskOptions = {
  cadenceBenchmarkDays: 91,
  minContactsForOwnCadence: 3,
  noWinMonths: 12,
  recentLossDays: 180,
  overdueActivityPoints: 10,
  overdueActivityMaxPoints: 20,
};

export interface ChurnRisk {
  /** 0 (no sign) to 100 (churned). */
  score: number;
  reasons: string[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const day = (at: string) => at.slice(0, 10);

/**
 * An explainable churn-risk score: each warning sign adds points, capped at 100, and names
 * itself in `reasons`. Formulas in docs/read-models.md.
 */
export function churnRisk(
  doc: Customer360Document,
  now: Date,
  options: ChurnRiskOptions = DEFAULT_CHURN_RISK_OPTIONS,
): ChurnRisk {
  if (doc.status === 'erased') return { score: 0, reasons: ['erased: not assessed'] };
  if (doc.status === 'churned') {
    return {
      score: 100,
      reasons: [
        `churned on ${day(doc.churnedAt ?? now.toISOString())}${doc.churnReason ? `: ${doc.churnReason}` : ''}`,
      ],
    };
  }
  const parts: { points: number; reason: string }[] = [];

  const contacts = doc.contacts;
  const ownCadence =
    contacts.total >= options.minContactsForOwnCadence &&
    contacts.firstContactAt &&
    contacts.lastContactAt
      ? daysBetween(contacts.firstContactAt, contacts.lastContactAt) / (contacts.total - 1)
      : null;
  const expected =
    ownCadence !== null ? Math.min(365, Math.max(7, ownCadence)) : options.cadenceBenchmarkDays;
  const since = contacts.lastContactAt ?? doc.createdAt;
  if (since) {
    const silentDays = Math.floor(daysBetween(since, now));
    const ratio = silentDays / expected;
    if (ratio > 1) {
      parts.push({
        points: Math.min(40, Math.round((ratio - 1) * 20)),
        reason: `${contacts.lastContactAt ? 'no contact for' : 'never contacted in'} ${plural(silentDays, 'day')} (${
          ownCadence !== null ? 'usual cadence' : 'benchmark'
        }: every ${Math.round(expected)} days)`,
      });
    }
  }

  const { complaints } = doc;
  if (complaints.open > 0) {
    parts.push({
      points: Math.min(20, complaints.open * 10),
      reason: plural(complaints.open, 'open complaint'),
    });
  }
  if (complaints.openCritical > 0) {
    parts.push({
      points: Math.min(30, complaints.openCritical * 15),
      reason: plural(complaints.openCritical, 'open critical complaint'),
    });
  }
  if (complaints.averageSatisfaction !== null && complaints.averageSatisfaction <= 2) {
    parts.push({
      points: 10,
      reason: `low complaint satisfaction (${complaints.averageSatisfaction}/5)`,
    });
  }

  const breached = doc.cases?.breached ?? 0;
  if (breached > 0) {
    parts.push({
      points: Math.min(20, breached * 10),
      reason: `${plural(breached, 'open service case')} past their SLA`,
    });
  }

  const overdue = overdueActivityDueDates(doc, now);
  if (overdue.length > 0) {
    parts.push({
      points: Math.min(
        options.overdueActivityMaxPoints,
        overdue.length * options.overdueActivityPoints,
      ),
      reason: `${plural(overdue.length, 'overdue follow-up')} (oldest due ${day(overdue[0]!)})`,
    });
  }

  const lossCutoff = now.getTime() - options.recentLossDays * DAY_MS;
  const recentLosses = doc.deals.recentLosses.filter(
    (at) => new Date(at).getTime() >= lossCutoff,
  ).length;
  if (recentLosses > 0) {
    parts.push({
      points: Math.min(15, recentLosses * 5),
      reason: `${plural(recentLosses, 'deal')} lost in the last ${options.recentLossDays} days`,
    });
  }

  const winCutoff = new Date(now);
  winCutoff.setUTCMonth(winCutoff.getUTCMonth() - options.noWinMonths);
  const lastWin = doc.deals.lastWonAt;
  const knownSince = doc.createdAt ? new Date(doc.createdAt) : now;
  if (
    (lastWin === null && knownSince < winCutoff) ||
    (lastWin !== null && new Date(lastWin) < winCutoff)
  ) {
    parts.push({ points: 15, reason: `no deal won in the last ${options.noWinMonths} months` });
  }

  return {
    score: Math.min(
      100,
      parts.reduce((sum, p) => sum + p.points, 0),
    ),
    reasons: parts.map((p) => p.reason),
  };
}

/** Due times of the client's open activities that are past, oldest first. */
export function overdueActivityDueDates(doc: Customer360Document, now: Date): string[] {
  const nowIso = now.toISOString();
  return Object.values(doc.activities?.open ?? {})
    .map((activity) => activity.dueAt)
    .filter((dueAt) => dueAt < nowIso)
    .sort();
}

export interface RankedChurnRisk extends ChurnRisk {
  customerId: string;
  status: string;
  ownerId: string | null;
}

/** Living clients (leads and customers) by descending risk; churned and erased ones are not "at risk". */
export function rankChurnRisk(
  docs: Iterable<Customer360Document>,
  now: Date,
  options: ChurnRiskOptions = DEFAULT_CHURN_RISK_OPTIONS,
): RankedChurnRisk[] {
  const ranked: RankedChurnRisk[] = [];
  for (const doc of docs) {
    if (doc.status !== 'lead' && doc.status !== 'customer') continue;
    ranked.push({
      customerId: doc.customerId,
      status: doc.status,
      ownerId: doc.ownerId,
      ...churnRisk(doc, now, options),
    });
  }
  return ranked.sort((a, b) => b.score - a.score || (a.customerId < b.customerId ? -1 : 1));
}
