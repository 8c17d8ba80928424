import { decideCustomer, type CustomerState } from '../customer/customer.decider';
import type { CustomerEvent } from '../customer/customer.events';
import { commandCaseId, type CaseCommand } from './case.commands';
import { decideCase, requireCase, requireComplaint, type CaseState } from './case.decider';
import type { CaseEvent } from './case.events';

export interface CaseWithCustomerDecision {
  case: CaseEvent[];
  /** Empty today: the client's stream is a condition (not erased meanwhile). */
  customer: CustomerEvent[];
}

/** The client a case command concerns: named by the opening command, else the case's own. */
export function caseCustomerId(command: CaseCommand, state: CaseState): string {
  switch (command.type) {
    case 'RaiseComplaint':
    case 'OpenServiceRequest':
      return command.data.customerId;
    case 'ResolveComplaint':
      return requireComplaint(state, command.data.complaintId).customerId;
    default:
      return requireCase(state, command.data.caseId).customerId;
  }
}

/**
 * A case command decided by the case and its client together: only for a known client who is
 * not erased (asked first, so an unknown client is a 404 before any case rule). So no case of
 * an erased client is opened, answered, resolved or reopened, and no SLA breach is recorded
 * for one (the read models close their open cases).
 */
export function decideCaseWithCustomer(
  command: CaseCommand,
  state: CaseState,
  customer: CustomerState,
): CaseWithCustomerDecision {
  const customerId = caseCustomerId(command, state);
  const customerEvents = decideCustomer(
    {
      type: 'RegisterComplaintActivity',
      now: command.now,
      data: {
        customerId,
        complaintId: commandCaseId(command),
        activity: activityOf(command),
      },
    },
    customer,
  );
  return { case: decideCase(command, state), customer: customerEvents };
}

function activityOf(command: CaseCommand): 'raised' | 'resolved' | 'updated' {
  switch (command.type) {
    case 'RaiseComplaint':
    case 'OpenServiceRequest':
      return 'raised';
    case 'ResolveComplaint':
    case 'ResolveCase':
      return 'resolved';
    default:
      return 'updated';
  }
}
