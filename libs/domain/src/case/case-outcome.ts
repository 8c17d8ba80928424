/** How a case was settled (a leaf module: complaint and case events both use it). */
export const CASE_OUTCOMES = [
  'repair',
  'replacement',
  'refund',
  'discount',
  'explanation',
  'rejected',
] as const;
export type CaseOutcome = (typeof CASE_OUTCOMES)[number];
