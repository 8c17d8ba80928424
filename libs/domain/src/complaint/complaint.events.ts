import type { CaseOutcome } from '../case/case-outcome';
import type { Sealed } from '../shared/personal-data';

export const COMPLAINT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type ComplaintSeverity = (typeof COMPLAINT_SEVERITIES)[number];

export type ComplaintRaised = {
  type: 'ComplaintRaised';
  schemaVersion: 1;
  data: {
    complaintId: string;
    customerId: string;
    category: string;
    severity: ComplaintSeverity;
    description: Sealed;
    channel?: string;
    raisedAt: string;
    /**
     * The SLA promised when it was raised (CRM_SLA_TARGETS of its severity) and its deadlines.
     * Absent from complaints raised before service cases had SLAs: those have no deadlines.
     */
    firstResponseHours?: number;
    resolutionHours?: number;
    firstResponseDueAt?: string;
    resolutionDueAt?: string;
  };
};

/** A critical complaint goes straight to the escalation queue. */
export type ComplaintEscalated = {
  type: 'ComplaintEscalated';
  schemaVersion: 1;
  data: { complaintId: string; customerId: string; reason: string; escalatedAt: string };
};

export type ComplaintResolved = {
  type: 'ComplaintResolved';
  schemaVersion: 1;
  data: {
    complaintId: string;
    customerId: string;
    resolution: Sealed;
    satisfaction?: number;
    /** Given when resolved as a service case (POST /cases/:id/resolve). */
    outcome?: CaseOutcome;
    raisedAt: string;
    resolvedAt: string;
  };
};

export type ComplaintEvent = ComplaintRaised | ComplaintEscalated | ComplaintResolved;

export const complaintStreamId = (complaintId: string) => `complaint-${complaintId}`;
