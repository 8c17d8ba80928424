import { assertNever, type Decider } from '../shared/decider';
import { conflict, invalid, notFound } from '../shared/domain-error';
import { requireText } from '../shared/rules';
import type { ComplaintCommand } from './complaint.commands';
import type { ComplaintEvent, ComplaintSeverity } from './complaint.events';

export type ComplaintState =
  | { status: 'none' }
  | {
      status: 'open' | 'resolved';
      complaintId: string;
      customerId: string;
      severity: ComplaintSeverity;
      escalated: boolean;
      raisedAt: string;
    };

type ExistingComplaint = Exclude<ComplaintState, { status: 'none' }>;

/** The complaint, or the not-found refusal every command on an unknown complaint gets. */
export function requireComplaint(state: ComplaintState, complaintId: string): ExistingComplaint {
  if (state.status === 'none') {
    throw notFound('COMPLAINT_NOT_FOUND', `complaint ${complaintId} does not exist`, {
      complaintId,
    });
  }
  return state;
}

export function decideComplaint(
  command: ComplaintCommand,
  state: ComplaintState,
): ComplaintEvent[] {
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
      const { satisfaction } = data;
      if (
        satisfaction !== undefined &&
        !(Number.isInteger(satisfaction) && satisfaction >= 1 && satisfaction <= 5)
      ) {
        throw invalid('INVALID_SATISFACTION', 'satisfaction is a whole number from 1 to 5', {
          satisfaction,
        });
      }
      return [
        {
          type: 'ComplaintResolved',
          schemaVersion: 1,
          data: {
            complaintId: complaint.complaintId,
            customerId: complaint.customerId,
            resolution: data.resolution,
            ...(satisfaction !== undefined && { satisfaction }),
            raisedAt: complaint.raisedAt,
            resolvedAt: now,
          },
        },
      ];
    }
    default:
      return assertNever(command, 'complaint command');
  }
}

export function evolveComplaint(state: ComplaintState, event: ComplaintEvent): ComplaintState {
  switch (event.type) {
    case 'ComplaintRaised':
      return {
        status: 'open',
        complaintId: event.data.complaintId,
        customerId: event.data.customerId,
        severity: event.data.severity,
        escalated: false,
        raisedAt: event.data.raisedAt,
      };
    case 'ComplaintEscalated':
      return state.status === 'none' ? state : { ...state, escalated: true };
    case 'ComplaintResolved':
      return state.status === 'none' ? state : { ...state, status: 'resolved' };
    default:
      return assertNever(event, 'complaint event');
  }
}

export const complaintDecider: Decider<ComplaintCommand, ComplaintEvent, ComplaintState> = {
  initialState: () => ({ status: 'none' }),
  decide: decideComplaint,
  evolve: evolveComplaint,
};
