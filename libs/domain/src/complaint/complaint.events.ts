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
    raisedAt: string;
    resolvedAt: string;
  };
};

export type ComplaintEvent = ComplaintRaised | ComplaintEscalated | ComplaintResolved;

export const complaintStreamId = (complaintId: string) => `complaint-${complaintId}`;
