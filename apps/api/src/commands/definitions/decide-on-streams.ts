import {
  activityCustomerId,
  activityDecider,
  activityStreamId,
  decideActivityWithCustomer,
  type ActivityCommand,
  complaintDecider,
  complaintStreamId,
  customerDecider,
  customerStreamId,
  dealCustomerId,
  dealDecider,
  dealStreamId,
  decideComplaintWithCustomer,
  decideDealWithCustomer,
  complaintCustomerId,
  type ComplaintCommand,
  type CustomerCommand,
  type DealCommand,
} from '@rapport/domain';
import { decided, type Decision, type Load } from '../command-executor';

/** A command decided by the client's own record alone. */
export async function decideOnCustomer(
  load: Load,
  customerId: string,
  command: CustomerCommand,
): Promise<Decision> {
  const customer = await load(customerDecider, customerStreamId(customerId));
  return {
    customerId,
    primary: decided(customer, customerDecider.decide(command, customer.state)),
  };
}

/**
 * A deal command, decided by the deal and its client together (decideDealWithCustomer) and
 * appended atomically to both, so a concurrent erasure or conversion cannot slip in between.
 */
export async function decideOnDeal(load: Load, command: DealCommand): Promise<Decision> {
  const deal = await load(dealDecider, dealStreamId(command.data.dealId));
  const customerId = dealCustomerId(command, deal.state);
  const customer = await load(customerDecider, customerStreamId(customerId));
  const events = decideDealWithCustomer(command, deal.state, customer.state);
  return {
    customerId,
    primary: decided(deal, events.deal),
    others: [decided(customer, events.customer)],
  };
}

/** A complaint command, decided by the complaint and its client together. */
export async function decideOnComplaint(load: Load, command: ComplaintCommand): Promise<Decision> {
  const complaint = await load(complaintDecider, complaintStreamId(command.data.complaintId));
  const customerId = complaintCustomerId(command, complaint.state);
  const customer = await load(customerDecider, customerStreamId(customerId));
  const events = decideComplaintWithCustomer(command, complaint.state, customer.state);
  return {
    customerId,
    primary: decided(complaint, events.complaint),
    others: [decided(customer, events.customer)],
  };
}

/**
 * An activity command, decided by the activity and its client together (a completed call is
 * also the client's ContactLogged, in the same atomic append).
 */
export async function decideOnActivity(load: Load, command: ActivityCommand): Promise<Decision> {
  const activity = await load(activityDecider, activityStreamId(command.data.activityId));
  const customerId = activityCustomerId(command, activity.state);
  const customer = await load(customerDecider, customerStreamId(customerId));
  const events = decideActivityWithCustomer(command, activity.state, customer.state);
  return {
    customerId,
    primary: decided(activity, events.activity),
    others: [decided(customer, events.customer)],
  };
}
