import { decideCustomer, type CustomerState } from '../customer/customer.decider';
import type { RegisterActivity } from '../customer/customer.commands';
import type { CustomerEvent } from '../customer/customer.events';
import type { ActivityCommand } from './activity.commands';
import {
  decideActivity,
  isContactActivity,
  requireActivity,
  type ActivityState,
} from './activity.decider';
import type { ActivityEvent } from './activity.events';

export interface ActivityWithCustomerDecision {
  activity: ActivityEvent[];
  /** The contact a completed call, e-mail, meeting or visit is; else empty (a condition). */
  customer: CustomerEvent[];
}

const STEP: { readonly [T in ActivityCommand['type']]: RegisterActivity['data']['activity'] } = {
  ScheduleActivity: 'scheduled',
  RescheduleActivity: 'rescheduled',
  ReassignActivity: 'reassigned',
  CompleteActivity: 'completed',
  CancelActivity: 'cancelled',
};

/** The client an activity command concerns: named when scheduling, else the activity's own. */
export function activityCustomerId(command: ActivityCommand, activity: ActivityState): string {
  return command.type === 'ScheduleActivity'
    ? command.data.customerId
    : requireActivity(activity, command.data.activityId).customerId;
}

/**
 * An activity decided with its client: nothing is planned or changed for an unknown or erased
 * client; a new activity goes on the named owner's agenda, else the client owner's, else (an
 * ownerless lead) the agenda of the person who planned it; a
 * completed call, e-mail, meeting or visit is also the contact that took place (ContactLogged,
 * outbound, with the activity's subject, in the same atomic append).
 */
export function decideActivityWithCustomer(
  command: ActivityCommand,
  activity: ActivityState,
  customer: CustomerState,
): ActivityWithCustomerDecision {
  const customerId = activityCustomerId(command, activity);
  const register = () =>
    decideCustomer(
      {
        type: 'RegisterActivity',
        now: command.now,
        data: { customerId, activityId: command.data.activityId, activity: STEP[command.type] },
      },
      customer,
    );
  if (command.type === 'ScheduleActivity') {
    const customerEvents = register();
    const { plannerId, ...data } = command.data;
    const owner =
      data.ownerId ?? ('ownerId' in customer ? customer.ownerId : undefined) ?? plannerId;
    const activityEvents = decideActivity(
      { ...command, data: owner === undefined ? data : { ...data, ownerId: owner } },
      activity,
    );
    return { activity: activityEvents, customer: customerEvents };
  }
  const activityEvents = decideActivity(command, activity);
  const completed = activityEvents.find((event) => event.type === 'ActivityCompleted');
  if (!completed || activity.status === 'none' || !isContactActivity(activity.kind)) {
    return { activity: activityEvents, customer: register() };
  }
  const contact = decideCustomer(
    {
      type: 'LogContact',
      now: command.now,
      data: {
        customerId,
        contactId: completed.data.contactId!,
        channel: activity.kind,
        direction: 'outbound',
        subject: activity.subject,
        ...(completed.data.notes !== undefined && { notes: completed.data.notes }),
        outcome: completed.data.outcome,
        ...(activity.durationMinutes !== undefined && {
          durationMinutes: activity.durationMinutes,
        }),
        activityId: activity.activityId,
        occurredAt: completed.data.occurredAt,
      },
    },
    customer,
  );
  return { activity: activityEvents, customer: contact };
}
