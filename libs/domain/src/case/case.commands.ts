import type { ComplaintCommand } from '../complaint/complaint.commands';
import type { Sealed } from '../shared/personal-data';
import type { CaseOutcome, RequestType, SettableCaseStatus } from './case.events';
import type { CaseSeverity, SlaTarget, SlaTargetKind } from './sla';

interface Timed {
  now: string;
}

export type OpenServiceRequest = Timed & {
  type: 'OpenServiceRequest';
  data: {
    caseId: string;
    customerId: string;
    requestType: RequestType;
    subject: Sealed;
    description: Sealed;
    severity: CaseSeverity;
    channel?: string;
    productRef?: string;
    /** The target of its severity (CRM_SLA_TARGETS): its deadlines start now. */
    sla: SlaTarget;
  };
};

export type AssignCase = Timed & {
  type: 'AssignCase';
  data: { caseId: string; assigneeId: string };
};

export type RespondToCase = Timed & {
  type: 'RespondToCase';
  data: { caseId: string; message: Sealed };
};

export type ChangeCaseStatus = Timed & {
  type: 'ChangeCaseStatus';
  data: { caseId: string; status: SettableCaseStatus };
};

export type ResolveCase = Timed & {
  type: 'ResolveCase';
  data: { caseId: string; resolution: Sealed; outcome: CaseOutcome; satisfaction?: number };
};

export type ReopenCase = Timed & {
  type: 'ReopenCase';
  data: { caseId: string; reason: Sealed };
};

/**
 * From the SLA deadline processor: the target of this cycle is missed if its deadline lies
 * before `now`. Refused (SLA_NOT_DUE) when it is not, or not any more, or already recorded:
 * so however often and by however many processors it is sent, the breach is recorded once.
 */
export type RecordSlaBreach = Timed & {
  type: 'RecordSlaBreach';
  data: { caseId: string; target: SlaTargetKind; cycle: number };
};

export type ServiceCaseCommand =
  | OpenServiceRequest
  | AssignCase
  | RespondToCase
  | ChangeCaseStatus
  | ResolveCase
  | ReopenCase
  | RecordSlaBreach;

/** Every command on a case: complaints are raised and resolved on their own paths too. */
export type CaseCommand = ServiceCaseCommand | ComplaintCommand;

/** The case a command addresses. */
export const commandCaseId = (command: CaseCommand): string =>
  'caseId' in command.data ? command.data.caseId : command.data.complaintId;
