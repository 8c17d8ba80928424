import type {
  ComplaintEscalated,
  ComplaintRaised,
  ComplaintResolved,
} from '../complaint/complaint.events';
import type { Sealed } from '../shared/personal-data';
import type { CaseOutcome } from './case-outcome';
import type { CaseSeverity, SlaTargetKind } from './sla';

/** A service case is a complaint (raised on the complaint paths) or a service request. */
export const CASE_KINDS = ['complaint', 'request'] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

export const REQUEST_TYPES = ['question', 'wish', 'error', 'repair', 'warranty', 'return'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export { CASE_OUTCOMES, type CaseOutcome } from './case-outcome';

/** The statuses a support agent sets; `open` and `resolved` follow from the lifecycle. */
export const SETTABLE_CASE_STATUSES = ['in-progress', 'waiting-on-customer'] as const;
export type SettableCaseStatus = (typeof SETTABLE_CASE_STATUSES)[number];
export type CaseStatus = 'open' | SettableCaseStatus | 'resolved';
export const CASE_STATUSES = ['open', ...SETTABLE_CASE_STATUSES, 'resolved'] as const;

/**
 * The SLA deadlines of a case after an event: null for a target met, breached, or not
 * promised (complaints raised before SLAs existed). While the case waits on the customer the
 * clock stands: the deadlines are those it had when the wait began, moved forward by the wait
 * when it ends.
 */
export interface SlaDeadlines {
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
}

export type ServiceRequestOpened = {
  type: 'ServiceRequestOpened';
  schemaVersion: 1;
  data: {
    caseId: string;
    customerId: string;
    requestType: RequestType;
    subject: Sealed;
    description: Sealed;
    severity: CaseSeverity;
    channel?: string;
    productRef?: string;
    openedAt: string;
    firstResponseHours: number;
    resolutionHours: number;
  } & SlaDeadlines;
};

export type CaseAssigned = {
  type: 'CaseAssigned';
  schemaVersion: 1;
  data: {
    caseId: string;
    customerId: string;
    assigneeId: string;
    previousAssigneeId: string | null;
    assignedAt: string;
  };
};

/** A message to the client; the first one stops the first-response clock. */
export type CaseResponded = {
  type: 'CaseResponded';
  schemaVersion: 1;
  data: {
    caseId: string;
    customerId: string;
    message: Sealed;
    first: boolean;
    respondedAt: string;
  };
};

export type CaseStatusChanged = {
  type: 'CaseStatusChanged';
  schemaVersion: 1;
  data: {
    caseId: string;
    customerId: string;
    status: SettableCaseStatus;
    previousStatus: CaseStatus;
    changedAt: string;
  } & SlaDeadlines;
};

/** A service request resolved (a complaint's resolution is ComplaintResolved). */
export type CaseResolved = {
  type: 'CaseResolved';
  schemaVersion: 1;
  data: {
    caseId: string;
    customerId: string;
    resolution: Sealed;
    outcome: CaseOutcome;
    satisfaction?: number;
    openedAt: string;
    resolvedAt: string;
  };
};

export type CaseReopened = {
  type: 'CaseReopened';
  schemaVersion: 1;
  data: {
    caseId: string;
    customerId: string;
    reason: Sealed;
    /** 1 for the first reopening: the resolution clock starts again for this cycle. */
    cycle: number;
    reopenedAt: string;
    resolutionDueAt: string | null;
  };
};

/** A target missed: recorded once per case, target and cycle. */
export type CaseSlaBreached = {
  type: 'CaseSlaBreached';
  schemaVersion: 1;
  data: {
    caseId: string;
    customerId: string;
    target: SlaTargetKind;
    cycle: number;
    severity: CaseSeverity;
    dueAt: string;
    /** When the deadline processor noticed (after dueAt; later if it was down at the time). */
    detectedAt: string;
  };
};

/**
 * Why a case was escalated: `severity` when a critical case is opened (in the same append as
 * its opening), `sla-breach` when a target is missed (with its CaseSlaBreached).
 */
export const ESCALATION_CAUSES = ['severity', 'sla-breach'] as const;
export type EscalationCause = (typeof ESCALATION_CAUSES)[number];

/**
 * A case escalated. Version 2: `cause` says why; an escalation for its severity at opening
 * names no target (`target: null`, cycle 0), a breach escalation names the target and cycle
 * missed, so the two are told apart and the breach one is still recorded once per target and
 * cycle. Version 1 (stored before requests escalated at opening) was always a breach
 * escalation: caseEscalatedV1ToV2 presents it as one.
 */
export type CaseEscalated = {
  type: 'CaseEscalated';
  schemaVersion: 2;
  data: {
    caseId: string;
    customerId: string;
    reason: string;
    cause: EscalationCause;
    target: SlaTargetKind | null;
    cycle: number;
    escalatedAt: string;
  };
};

/** The events of the new case lifecycle (complaints also record ComplaintEvent). */
export type ServiceCaseEvent =
  | ServiceRequestOpened
  | CaseAssigned
  | CaseResponded
  | CaseStatusChanged
  | CaseResolved
  | CaseReopened
  | CaseSlaBreached
  | CaseEscalated;

/** Every event a case's stream may hold: a complaint's stream also holds complaint events. */
export type CaseEvent = ServiceCaseEvent | ComplaintRaised | ComplaintEscalated | ComplaintResolved;

/** A service request's stream; a complaint keeps its complaint stream (complaintStreamId). */
export const caseStreamId = (caseId: string) => `case-${caseId}`;

/** The id of the case an event belongs to (complaint events name it complaintId). */
export const caseIdOf = (event: CaseEvent): string =>
  'caseId' in event.data ? event.data.caseId : event.data.complaintId;
