import { churnRisk, DEFAULT_CHURN_RISK_OPTIONS } from '../analytics/churn-risk.analytics';
import { DAY_MS } from '../analytics/time';
import type { Customer360Document } from '../projections/customer-360.document';

/** How far ahead a score is followed; a row is derived again at the latest then. */
export const CHURN_LOOKAHEAD_DAYS = 1;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The times of day (ms after midnight UTC) of every instant recorded in a document. */
function timesOfDay(value: unknown, into = new Set<number>()): Set<number> {
  if (typeof value === 'string') {
    if (value.length === 24 && ISO_TIME.test(value)) {
      const at = Date.parse(value);
      into.add(((at % DAY_MS) + DAY_MS) % DAY_MS);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) timesOfDay(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) timesOfDay(item, into);
  }
  return into;
}

/**
 * A client's churn-risk score at `at` and the first instant after which it differs, found by
 * evaluating the reference churnRisk(doc, t) itself, so that any sign it learns (overdue
 * follow-ups) is followed without change here:
 * - if the score one look-ahead later is the same, `until` is then (the row is derived again
 *   then: about once a day for a client whose score does not move);
 * - otherwise the change lies in between: signs move at a time of day the document records
 *   (a contact, a loss, a win, a due date, plus whole days or months), so those instants are
 *   tried first, by bisection; if the change is not at one of them, a bisection to the
 *   millisecond finds it.
 *
 * Limit: a score that changes and changes back within one look-ahead keeps its first value
 * until the later change (with today's signs, at most a 15-point no-win step and a 15-point
 * loss expiry on the same day).
 */
export function churnSchedule(doc: Customer360Document, at: Date): { score: number; until: Date } {
  const scoreAt = (t: number) => churnRisk(doc, new Date(t), DEFAULT_CHURN_RISK_OPTIONS).score;
  const start = at.getTime();
  const score = scoreAt(start);
  const end = start + CHURN_LOOKAHEAD_DAYS * DAY_MS;
  if (scoreAt(end) === score) return { score, until: new Date(end) };
  // score(before) === score, score(after) !== score.
  let before = start;
  let after = end;
  const midnight = start - (((start % DAY_MS) + DAY_MS) % DAY_MS);
  const candidates: number[] = [];
  for (const offset of timesOfDay(doc))
    for (let day = midnight + offset; day <= end; day += DAY_MS)
      if (day > start) candidates.push(day);
  candidates.sort((a, b) => a - b);
  let low = 0;
  let high = candidates.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (scoreAt(candidates[middle]!) === score) {
      before = Math.max(before, candidates[middle]!);
      low = middle + 1;
    } else {
      after = Math.min(after, candidates[middle]!);
      high = middle;
    }
  }
  if (after - before > 1 && scoreAt(after - 1) !== score) {
    // Not at a recorded time of day: to the millisecond.
    while (after - before > 1) {
      const middle = before + Math.floor((after - before) / 2);
      if (scoreAt(middle) === score) before = middle;
      else after = middle;
    }
  }
  return { score, until: new Date(after) };
}
