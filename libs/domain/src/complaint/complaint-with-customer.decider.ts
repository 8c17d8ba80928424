import type { CustomerState } from '../customer/customer.decider';
import { caseCustomerId, decideCaseWithCustomer } from '../case/case-with-customer.decider';
import type { CaseEvent } from '../case/case.events';
import type { CustomerEvent } from '../customer/customer.events';
import type { ComplaintCommand } from './complaint.commands';
import type { ComplaintState } from './complaint.decider';

export interface ComplaintWithCustomerDecision {
  complaint: CaseEvent[];
  /** Empty today: the client's stream is a condition (not erased meanwhile). */
  customer: CustomerEvent[];
}

/** The client a complaint command concerns: named by RaiseComplaint, else the complaint's own. */
export const complaintCustomerId = (command: ComplaintCommand, complaint: ComplaintState): string =>
  caseCustomerId(command, complaint);

/**
 * A complaint command decided by the complaint and its client together (see
 * decideCaseWithCustomer); a critical complaint escalates at once.
 */
export function decideComplaintWithCustomer(
  command: ComplaintCommand,
  complaint: ComplaintState,
  customer: CustomerState,
): ComplaintWithCustomerDecision {
  const decision = decideCaseWithCustomer(command, complaint, customer);
  return { complaint: decision.case, customer: decision.customer };
}
