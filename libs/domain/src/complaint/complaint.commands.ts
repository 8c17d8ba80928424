import type { Sealed } from '../shared/personal-data';
import type { CaseOutcome } from '../case/case-outcome';
import type { SlaTarget } from '../case/sla';
import type { ComplaintSeverity } from './complaint.events';

interface Timed {
  now: string;
}

export type RaiseComplaint = Timed & {
  type: 'RaiseComplaint';
  data: {
    complaintId: string;
    customerId: string;
    category: string;
    severity: ComplaintSeverity;
    description: Sealed;
    channel?: string;
    /** The target of its severity (CRM_SLA_TARGETS): its deadlines start now. */
    sla?: SlaTarget;
  };
};

export type ResolveComplaint = Timed & {
  type: 'ResolveComplaint';
  data: { complaintId: string; resolution: Sealed; satisfaction?: number; outcome?: CaseOutcome };
};

export type ComplaintCommand = RaiseComplaint | ResolveComplaint;
