import type { ComplaintEvent } from '../complaint/complaint.events';
import { assertNever, type Decider } from '../shared/decider';
import { conflict, invalid, notFound } from '../shared/domain-error';
import type { Sealed } from '../shared/personal-data';
import { requireText } from '../shared/rules';
import type { CaseCommand } from './case.commands';
import type {
  CaseEvent,
  CaseKind,
  CaseOutcome,
  CaseStatus,
  ServiceCaseEvent,
  SlaDeadlines,
} from './case.events';
import { addHours, shiftedBy, type CaseSeverity, type SlaTarget, type SlaTargetKind } from './sla';

/**
 * One aggregate for every service case. Complaints keep their stream (`complaint-<id>`) and
 * their events (ComplaintRaised, ComplaintEscalated, ComplaintResolved, as stored since the
 * first release): this decider folds them as the opening, escalation and resolution of a case
 * of kind `complaint`, so stored complaint streams need no upcaster and no migration, and a
 * complaint's id is its case id. Requests live on `case-<id>`. Every later step (assignment,
 * responses, status, reopening, SLA breaches) is the same event on either stream.
 */
export interface ExistingCase {
  status: CaseStatus;
  caseId: string;
  customerId: string;
  kind: CaseKind;
  /** A complaint's category, a request's type. */
  category: string;
  severity: CaseSeverity;
  openedAt: string;
  assigneeId: string | null;
  escalated: boolean;
  firstRespondedAt: string | null;
  /** 0, then one more per reopening. */
  cycle: number;
  /** The SLA promised at opening; null for complaints raised before SLAs existed. */
  sla: SlaTarget | null;
  /** The running deadlines (frozen while waiting on the customer). */
  dues: SlaDeadlines;
  /** Since when the case waits on the customer (the SLA clock stands); null otherwise. */
  waitingSince: string | null;
  /** `<target>@<cycle>` of every breach recorded. */
  breaches: string[];
}

export type CaseState = { status: 'none' } | ExistingCase;

const NO_DEADLINES: SlaDeadlines = { firstResponseDueAt: null, resolutionDueAt: null };

const breachKey = (target: SlaTargetKind, cycle: number) => `${target}@${cycle}`;

/** The case, or the not-found refusal every command on an unknown case gets. */
export function requireCase(state: CaseState, caseId: string): ExistingCase {
  if (state.status === 'none') {
    throw notFound('CASE_NOT_FOUND', `case ${caseId} does not exist`, { caseId });
  }
  return state;
}

/** The refusal a complaint path gives for an unknown complaint (its historic code). */
export function requireComplaint(state: CaseState, complaintId: string): ExistingCase {
  if (state.status === 'none' || state.kind !== 'complaint') {
    throw notFound('COMPLAINT_NOT_FOUND', `complaint ${complaintId} does not exist`, {
      complaintId,
    });
  }
  return state;
}

function requireSatisfaction(satisfaction: number | undefined): void {
  if (
    satisfaction !== undefined &&
    !(Number.isInteger(satisfaction) && satisfaction >= 1 && satisfaction <= 5)
  ) {
    throw invalid('INVALID_SATISFACTION', 'satisfaction is a whole number from 1 to 5', {
      satisfaction,
    });
  }
}

/** Only reopening changes a resolved case. */
function requireOpen(existing: ExistingCase): ExistingCase {
  if (existing.status === 'resolved') {
    throw conflict('CASE_CLOSED', `case ${existing.caseId} is resolved; reopen it first`, {
      caseId: existing.caseId,
    });
  }
  return existing;
}

function deadlines(sla: SlaTarget | undefined, now: string): SlaDeadlines {
  return sla
    ? {
        firstResponseDueAt: addHours(now, sla.firstResponseHours),
        resolutionDueAt: addHours(now, sla.resolutionHours),
      }
    : NO_DEADLINES;
}

/** The deadlines once a wait on the customer that began at `since` ends at `now`. */
function resumed(dues: SlaDeadlines, since: string, now: string): SlaDeadlines {
  return {
    firstResponseDueAt: dues.firstResponseDueAt && shiftedBy(dues.firstResponseDueAt, since, now),
    resolutionDueAt: dues.resolutionDueAt && shiftedBy(dues.resolutionDueAt, since, now),
  };
}

/** The deadline of a target still running at `now`, if it has passed; else undefined. */
export function missedDeadline(
  state: CaseState,
  target: SlaTargetKind,
  cycle: number,
  now: string,
): string | undefined {
  if (state.status === 'none' || state.status === 'resolved') return undefined;
  if (state.cycle !== cycle || state.waitingSince !== null) return undefined;
  if (state.breaches.includes(breachKey(target, cycle))) return undefined;
  const due =
    target === 'first-response' ? state.dues.firstResponseDueAt : state.dues.resolutionDueAt;
  return due !== null && Date.parse(due) <= Date.parse(now) ? due : undefined;
}

export function decideCase(command: CaseCommand, state: CaseState): CaseEvent[] {
  const { now } = command;
  switch (command.type) {
    case 'RaiseComplaint': {
      const { data } = command;
      if (state.status !== 'none') {
        throw conflict('COMPLAINT_ALREADY_EXISTS', `complaint ${data.complaintId} already exists`);
      }
      requireText('category', data.category);
      const events: ComplaintEvent[] = [
        {
          type: 'ComplaintRaised',
          schemaVersion: 1,
          data: {
            complaintId: data.complaintId,
            customerId: data.customerId,
            category: data.category,
            severity: data.severity,
            description: data.description,
            ...(data.channel !== undefined && { channel: data.channel }),
            raisedAt: now,
            ...(data.sla && {
              firstResponseHours: data.sla.firstResponseHours,
              resolutionHours: data.sla.resolutionHours,
              ...(deadlines(data.sla, now) as {
                firstResponseDueAt: string;
                resolutionDueAt: string;
              }),
            }),
          },
        },
      ];
      if (data.severity === 'critical') {
        events.push({
          type: 'ComplaintEscalated',
          schemaVersion: 1,
          data: {
            complaintId: data.complaintId,
            customerId: data.customerId,
            reason: 'critical severity',
            escalatedAt: now,
          },
        });
      }
      return events;
    }
    case 'ResolveComplaint': {
      const { data } = command;
      const complaint = requireComplaint(state, data.complaintId);
      if (complaint.status === 'resolved') {
        throw conflict(
          'COMPLAINT_ALREADY_RESOLVED',
          `complaint ${data.complaintId} is already resolved`,
        );
      }
      requireSatisfaction(data.satisfaction);
      return [complaintResolved(complaint, data, now)];
    }
    case 'OpenServiceRequest': {
      const { data } = command;
      if (state.status !== 'none') {
        throw conflict('CASE_ALREADY_EXISTS', `case ${data.caseId} already exists`, {
          caseId: data.caseId,
        });
      }
      const events: CaseEvent[] = [
        {
          type: 'ServiceRequestOpened',
          schemaVersion: 1,
          data: {
            caseId: data.caseId,
            customerId: data.customerId,
            requestType: data.requestType,
            subject: data.subject,
            description: data.description,
            severity: data.severity,
            ...(data.channel !== undefined && { channel: data.channel }),
            ...(data.productRef !== undefined && { productRef: data.productRef }),
            openedAt: now,
            firstResponseHours: data.sla.firstResponseHours,
            resolutionHours: data.sla.resolutionHours,
            ...deadlines(data.sla, now),
          },
        },
      ];
      // As a critical complaint: escalated at once, in the same append as its opening.
      if (data.severity === 'critical') {
        events.push({
          type: 'CaseEscalated',
          schemaVersion: 2,
          data: {
            caseId: data.caseId,
            customerId: data.customerId,
            reason: 'critical severity',
            cause: 'severity',
            target: null,
            cycle: 0,
            escalatedAt: now,
          },
        });
      }
      return events;
    }
    case 'AssignCase': {
      const { data } = command;
      const existing = requireOpen(requireCase(state, data.caseId));
      requireText('assigneeId', data.assigneeId);
      if (existing.assigneeId === data.assigneeId) {
        throw conflict('CASE_ALREADY_ASSIGNED', `case ${data.caseId} is already assigned to them`, {
          assigneeId: data.assigneeId,
        });
      }
      return [
        {
          type: 'CaseAssigned',
          schemaVersion: 1,
          data: {
            caseId: existing.caseId,
            customerId: existing.customerId,
            assigneeId: data.assigneeId,
            previousAssigneeId: existing.assigneeId,
            assignedAt: now,
          },
        },
      ];
    }
    case 'RespondToCase': {
      const { data } = command;
      const existing = requireOpen(requireCase(state, data.caseId));
      return [
        {
          type: 'CaseResponded',
          schemaVersion: 1,
          data: {
            caseId: existing.caseId,
            customerId: existing.customerId,
            message: data.message,
            first: existing.firstRespondedAt === null,
            respondedAt: now,
          },
        },
      ];
    }
    case 'ChangeCaseStatus': {
      const { data } = command;
      const existing = requireOpen(requireCase(state, data.caseId));
      if (existing.status === data.status) {
        throw conflict('CASE_STATUS_UNCHANGED', `case ${data.caseId} is already ${data.status}`, {
          status: data.status,
        });
      }
      const dues =
        existing.waitingSince !== null
          ? resumed(existing.dues, existing.waitingSince, now)
          : existing.dues;
      return [
        {
          type: 'CaseStatusChanged',
          schemaVersion: 1,
          data: {
            caseId: existing.caseId,
            customerId: existing.customerId,
            status: data.status,
            previousStatus: existing.status,
            changedAt: now,
            ...dues,
          },
        },
      ];
    }
    case 'ResolveCase': {
      const { data } = command;
      const existing = requireCase(state, data.caseId);
      if (existing.status === 'resolved') {
        throw conflict('CASE_ALREADY_RESOLVED', `case ${data.caseId} is already resolved`, {
          caseId: data.caseId,
        });
      }
      requireSatisfaction(data.satisfaction);
      if (existing.kind === 'complaint') return [complaintResolved(existing, data, now)];
      return [
        {
          type: 'CaseResolved',
          schemaVersion: 1,
          data: {
            caseId: existing.caseId,
            customerId: existing.customerId,
            resolution: data.resolution,
            outcome: data.outcome,
            ...(data.satisfaction !== undefined && { satisfaction: data.satisfaction }),
            openedAt: existing.openedAt,
            resolvedAt: now,
          },
        },
      ];
    }
    case 'ReopenCase': {
      const { data } = command;
      const existing = requireCase(state, data.caseId);
      if (existing.status !== 'resolved') {
        throw conflict('CASE_NOT_RESOLVED', `case ${data.caseId} is not resolved`, {
          caseId: data.caseId,
          status: existing.status,
        });
      }
      return [
        {
          type: 'CaseReopened',
          schemaVersion: 1,
          data: {
            caseId: existing.caseId,
            customerId: existing.customerId,
            reason: data.reason,
            cycle: existing.cycle + 1,
            reopenedAt: now,
            resolutionDueAt: existing.sla ? addHours(now, existing.sla.resolutionHours) : null,
          },
        },
      ];
    }
    case 'RecordSlaBreach': {
      const { data } = command;
      const existing = requireCase(state, data.caseId);
      const dueAt = missedDeadline(existing, data.target, data.cycle, now);
      if (dueAt === undefined) {
        throw conflict(
          'SLA_NOT_DUE',
          `the ${data.target} target of case ${data.caseId} (cycle ${data.cycle}) is not missed or already recorded`,
          { caseId: data.caseId, target: data.target, cycle: data.cycle },
        );
      }
      const target = data.target === 'first-response' ? 'first response' : 'resolution';
      return [
        {
          type: 'CaseSlaBreached',
          schemaVersion: 1,
          data: {
            caseId: existing.caseId,
            customerId: existing.customerId,
            target: data.target,
            cycle: data.cycle,
            severity: existing.severity,
            dueAt,
            detectedAt: now,
          },
        },
        // Recorded once per missed target and cycle, also for a case escalated before (at
        // opening for its severity, or for an earlier breach): it stays escalated as it was
        // (escalatedAt and the cause of its first escalation do not change).
        {
          type: 'CaseEscalated',
          schemaVersion: 2,
          data: {
            caseId: existing.caseId,
            customerId: existing.customerId,
            reason: `${target} overdue since ${dueAt}`,
            cause: 'sla-breach',
            target: data.target,
            cycle: data.cycle,
            escalatedAt: now,
          },
        },
      ];
    }
    default:
      return assertNever(command, 'case command');
  }
}

function complaintResolved(
  complaint: ExistingCase,
  data: { resolution: Sealed; satisfaction?: number; outcome?: CaseOutcome },
  now: string,
): ComplaintEvent {
  return {
    type: 'ComplaintResolved',
    schemaVersion: 1,
    data: {
      complaintId: complaint.caseId,
      customerId: complaint.customerId,
      resolution: data.resolution,
      ...(data.satisfaction !== undefined && { satisfaction: data.satisfaction }),
      ...(data.outcome !== undefined && { outcome: data.outcome }),
      raisedAt: complaint.openedAt,
      resolvedAt: now,
    },
  };
}

function resolvedCase(state: CaseState): CaseState {
  return state.status === 'none'
    ? state
    : { ...state, status: 'resolved', waitingSince: null, dues: NO_DEADLINES };
}

export function evolveCase(state: CaseState, event: CaseEvent): CaseState {
  switch (event.type) {
    case 'ComplaintRaised': {
      const { data } = event;
      const sla =
        data.firstResponseHours !== undefined && data.resolutionHours !== undefined
          ? { firstResponseHours: data.firstResponseHours, resolutionHours: data.resolutionHours }
          : null;
      return {
        status: 'open',
        caseId: data.complaintId,
        customerId: data.customerId,
        kind: 'complaint',
        category: data.category,
        severity: data.severity,
        openedAt: data.raisedAt,
        assigneeId: null,
        escalated: false,
        firstRespondedAt: null,
        cycle: 0,
        sla,
        dues: {
          firstResponseDueAt: data.firstResponseDueAt ?? null,
          resolutionDueAt: data.resolutionDueAt ?? null,
        },
        waitingSince: null,
        breaches: [],
      };
    }
    case 'ServiceRequestOpened': {
      const { data } = event;
      return {
        status: 'open',
        caseId: data.caseId,
        customerId: data.customerId,
        kind: 'request',
        category: data.requestType,
        severity: data.severity,
        openedAt: data.openedAt,
        assigneeId: null,
        escalated: false,
        firstRespondedAt: null,
        cycle: 0,
        sla: {
          firstResponseHours: data.firstResponseHours,
          resolutionHours: data.resolutionHours,
        },
        dues: {
          firstResponseDueAt: data.firstResponseDueAt,
          resolutionDueAt: data.resolutionDueAt,
        },
        waitingSince: null,
        breaches: [],
      };
    }
    case 'ComplaintEscalated':
    case 'CaseEscalated':
      return state.status === 'none' ? state : { ...state, escalated: true };
    case 'ComplaintResolved':
    case 'CaseResolved':
      return resolvedCase(state);
    default:
      return evolveServiceCase(state, event);
  }
}

function evolveServiceCase(
  state: CaseState,
  event: Exclude<
    ServiceCaseEvent,
    { type: 'ServiceRequestOpened' | 'CaseEscalated' | 'CaseResolved' }
  >,
): CaseState {
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'CaseAssigned':
      return { ...state, assigneeId: event.data.assigneeId };
    case 'CaseResponded':
      return {
        ...state,
        firstRespondedAt: state.firstRespondedAt ?? event.data.respondedAt,
        dues: { ...state.dues, firstResponseDueAt: null },
      };
    case 'CaseStatusChanged':
      return {
        ...state,
        status: event.data.status,
        dues: {
          firstResponseDueAt: event.data.firstResponseDueAt,
          resolutionDueAt: event.data.resolutionDueAt,
        },
        waitingSince: event.data.status === 'waiting-on-customer' ? event.data.changedAt : null,
      };
    case 'CaseReopened':
      return {
        ...state,
        status: 'open',
        cycle: event.data.cycle,
        dues: { firstResponseDueAt: null, resolutionDueAt: event.data.resolutionDueAt },
        waitingSince: null,
      };
    case 'CaseSlaBreached': {
      const { target, cycle } = event.data;
      return {
        ...state,
        breaches: [...state.breaches, breachKey(target, cycle)],
        dues: {
          ...state.dues,
          ...(target === 'first-response'
            ? { firstResponseDueAt: null }
            : { resolutionDueAt: null }),
        },
      };
    }
    default:
      return assertNever(event, 'case event');
  }
}

export const caseDecider: Decider<CaseCommand, CaseEvent, CaseState> = {
  initialState: () => ({ status: 'none' }),
  decide: decideCase,
  evolve: evolveCase,
};
