import { decideCustomer, type CustomerState } from '../customer/customer.decider';
import type { CustomerEvent } from '../customer/customer.events';
import type { ActivityCommand } from './activity.commands';
import { decideActivity, type ActivityState } from './activity.decider';
import type { ActivityEvent } from './activity.events';

export interface ActivityWithCustomerDecision {
  activity: ActivityEvent[];
  /** Empty: the client's stream is a condition (known, not erased meanwhile). */
  customer: CustomerEvent[];
}

/**
 * An activity decided with its client: nothing is planned for an unknown or erased client
 * (asked first, so that is a 404 or 409 before any activity rule), and the activity goes on
 * the client owner's agenda unless another owner is named.
 */
export function decideActivityWithCustomer(
  command: ActivityCommand,
  activity: ActivityState,
  customer: CustomerState,
): ActivityWithCustomerDecision {
  const { customerId, activityId } = command.data;
  const customerEvents = decideCustomer(
    {
      type: 'RegisterActivity',
      now: command.now,
      data: { customerId, activityId, activity: 'scheduled' },
    },
    customer,
  );
  const owner = command.data.ownerId ?? ('ownerId' in customer ? customer.ownerId : undefined);
  const decided = decideActivity(
    owner === undefined ? command : { ...command, data: { ...command.data, ownerId: owner } },
    activity,
  );
  return { activity: decided, customer: customerEvents };
}
