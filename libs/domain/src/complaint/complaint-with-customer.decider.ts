import { decideCustomer, type CustomerState } from '../customer/customer.decider';
import type { CustomerEvent } from '../customer/customer.events';
import type { ComplaintCommand } from './complaint.commands';
import { decideComplaint, requireComplaint, type ComplaintState } from './complaint.decider';
import type { ComplaintEvent } from './complaint.events';

export interface ComplaintWithCustomerDecision {
  complaint: ComplaintEvent[];
  /** Empty today: the client's stream is a condition (not erased meanwhile). */
  customer: CustomerEvent[];
}

/** The client a complaint command concerns: named by RaiseComplaint, else the complaint's own. */
export function complaintCustomerId(command: ComplaintCommand, complaint: ComplaintState): string {
  return command.type === 'RaiseComplaint'
    ? command.data.customerId
    : requireComplaint(complaint, command.data.complaintId).customerId;
}

/**
 * A complaint command decided by the complaint and its client together: only for a known
 * client who is not erased (asked first, so an unknown client is a 404 before any complaint
 * rule); a critical complaint escalates at once (the complaint decider's rule).
 */
export function decideComplaintWithCustomer(
  command: ComplaintCommand,
  complaint: ComplaintState,
  customer: CustomerState,
): ComplaintWithCustomerDecision {
  const customerId = complaintCustomerId(command, complaint);
  const customerEvents = decideCustomer(
    {
      type: 'RegisterComplaintActivity',
      now: command.now,
      data: {
        customerId,
        complaintId: command.data.complaintId,
        activity: command.type === 'RaiseComplaint' ? 'raised' : 'resolved',
      },
    },
    customer,
  );
  return { complaint: decideComplaint(command, complaint), customer: customerEvents };
}
