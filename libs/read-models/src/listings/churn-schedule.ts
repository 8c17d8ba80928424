import { churnRisk, DEFAULT_CHURN_RISK_OPTIONS } from '../analytics/churn-risk.analytics';
import { DAY_MS } from '../analytics/time';
import type { Customer360Document } from '../projections/customer-360.document';

/** How far ahead a score is followed before the row is simply looked at again then. */
export const CHURN_LOOKAHEAD_DAYS = 7;

/**
 * A client's churn-risk score at `at` and the first instant after which it differs, found by
 * evaluating the reference churnRisk(doc, t) itself (so any sign it learns, such as overdue
 * follow-ups, is followed without change here): day by day up to CHURN_LOOKAHEAD_DAYS ahead,
 * then to the millisecond by bisection inside the day where it changed. If it does not change
 * within the look-ahead, `until` is the look-ahead's end (the row is re-derived then).
 *
 * Limit: a score that changes and changes back between two day steps (two signs moving by the
 * same points in opposite directions within one day) keeps its first value until the later
 * change; the signs of today's reference move at most once per day each and by different
 * amounts, except a 15-point win and a 15-point loss expiry on the same day.
 */
export function churnSchedule(doc: Customer360Document, at: Date): { score: number; until: Date } {
  const scoreAt = (t: number) => churnRisk(doc, new Date(t), DEFAULT_CHURN_RISK_OPTIONS).score;
  const start = at.getTime();
  const score = scoreAt(start);
  let before = start;
  for (let day = 1; day <= CHURN_LOOKAHEAD_DAYS; day++) {
    const t = start + day * DAY_MS;
    if (scoreAt(t) !== score) {
      // score(before) === score, score(after) !== score: bisect to the first differing ms.
      let after = t;
      while (after - before > 1) {
        const middle = before + Math.floor((after - before) / 2);
        if (scoreAt(middle) === score) before = middle;
        else after = middle;
      }
      return { score, until: new Date(after) };
    }
    before = t;
  }
  return { score, until: new Date(start + CHURN_LOOKAHEAD_DAYS * DAY_MS) };
}
