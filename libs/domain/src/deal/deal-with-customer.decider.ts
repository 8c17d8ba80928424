import { decideCustomer, type CustomerState } from '../customer/customer.decider';
import type { RegisterDealActivity } from '../customer/customer.commands';
import type { CustomerEvent } from '../customer/customer.events';
import { notFound } from '../shared/domain-error';
import type { DealCommand } from './deal.commands';
import { decideDeal, type DealState } from './deal.decider';
import type { DealEvent } from './deal.events';

export interface DealWithCustomerDecision {
  deal: DealEvent[];
  /** Often empty: the client's stream is then only a condition of the append. */
  customer: CustomerEvent[];
}

const ACTIVITY: { readonly [T in DealCommand['type']]: RegisterDealActivity['data']['activity'] } =
  {
    OpenDeal: 'opened',
    ChangeDealStage: 'stage-changed',
    WinDeal: 'won',
    LoseDeal: 'lost',
  };

/** The client a deal command concerns: named by OpenDeal, else the deal's own. */
export function dealCustomerId(command: DealCommand, deal: DealState): string {
  if (command.type === 'OpenDeal') return command.data.customerId;
  if (deal.status === 'none') {
    throw notFound('DEAL_NOT_FOUND', `deal ${command.data.dealId} does not exist`, {
      dealId: command.data.dealId,
    });
  }
  return deal.customerId;
}

/**
 * A deal command as the business sees it: decided by the deal and by its client together.
 * The client must exist and not be erased; a lead's first won deal converts it; a new or won
 * deal brings a churned client back; a new deal inherits the client's owner unless one is
 * named. For a new deal the client is asked first, so an unknown client is refused before
 * any deal rule.
 */
export function decideDealWithCustomer(
  command: DealCommand,
  deal: DealState,
  customer: CustomerState,
): DealWithCustomerDecision {
  const customerId = dealCustomerId(command, deal);
  const register = () =>
    decideCustomer(
      {
        type: 'RegisterDealActivity',
        now: command.now,
        data: { customerId, dealId: command.data.dealId, activity: ACTIVITY[command.type] },
      },
      customer,
    );
  if (command.type === 'OpenDeal') {
    const customerEvents = register();
    const inherited =
      command.data.ownerId === undefined && 'ownerId' in customer ? customer.ownerId : undefined;
    const dealEvents = decideDeal(
      inherited === undefined
        ? command
        : { ...command, data: { ...command.data, ownerId: inherited } },
      deal,
    );
    return { deal: dealEvents, customer: customerEvents };
  }
  const dealEvents = decideDeal(command, deal);
  return { deal: dealEvents, customer: register() };
}
