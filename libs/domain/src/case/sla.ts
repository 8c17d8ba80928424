import { COMPLAINT_SEVERITIES, type ComplaintSeverity } from '../complaint/complaint.events';

/** A case's severity: the complaint severities, which requests share. */
export type CaseSeverity = ComplaintSeverity;
export const CASE_SEVERITIES = COMPLAINT_SEVERITIES;

/** What a case of one severity is promised: hours to the first response and to resolution. */
export interface SlaTarget {
  firstResponseHours: number;
  resolutionHours: number;
}

export type SlaTargets = Readonly<Record<CaseSeverity, SlaTarget>>;

/** The targets without CRM_SLA_TARGETS: a critical case is answered within the hour. */
export const DEFAULT_SLA_TARGETS: SlaTargets = {
  critical: { firstResponseHours: 1, resolutionHours: 8 },
  high: { firstResponseHours: 4, resolutionHours: 24 },
  medium: { firstResponseHours: 8, resolutionHours: 72 },
  low: { firstResponseHours: 24, resolutionHours: 120 },
};

/** The longest target accepted: a year. */
export const MAX_SLA_HOURS = 24 * 365;

export const SLA_TARGET_KINDS = ['first-response', 'resolution'] as const;
export type SlaTargetKind = (typeof SLA_TARGET_KINDS)[number];

const HOUR_MS = 3_600_000;

/** `at` plus `hours`, as an ISO time. */
export const addHours = (at: string, hours: number): string =>
  new Date(Date.parse(at) + Math.round(hours * HOUR_MS)).toISOString();

/** `at` moved by the milliseconds from `from` to `to` (a pause of the clock). */
export const shiftedBy = (at: string, from: string, to: string): string =>
  new Date(Date.parse(at) + Math.max(0, Date.parse(to) - Date.parse(from))).toISOString();
