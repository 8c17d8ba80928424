import type { Sealed } from '../shared/personal-data';
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
  };
};

export type ResolveComplaint = Timed & {
  type: 'ResolveComplaint';
  data: { complaintId: string; resolution: Sealed; satisfaction?: number };
};

export type ComplaintCommand = RaiseComplaint | ResolveComplaint;
