import { assertValidMoney } from '../shared/currency';
import { assertNever, type Decider } from '../shared/decider';
import { conflict, notFound } from '../shared/domain-error';
import { requireText } from '../shared/rules';
import type { DealCommand } from './deal.commands';
import type { DealEvent, DealStage } from './deal.events';

export type DealState =
  | { status: 'none' }
  | {
      status: 'open' | 'won' | 'lost';
      dealId: string;
      customerId: string;
      stage: DealStage;
      amount: number;
      currency: string;
      openedAt: string;
    };

type ExistingDeal = Exclude<DealState, { status: 'none' }>;

function requireOpen(state: DealState, dealId: string): ExistingDeal {
  if (state.status === 'none') {
    throw notFound('DEAL_NOT_FOUND', `deal ${dealId} does not exist`, { dealId });
  }
  if (state.status !== 'open') {
    throw conflict('DEAL_CLOSED', `deal ${dealId} is already ${state.status}`, {
      dealId,
      status: state.status,
    });
  }
  return state;
}

export function decideDeal(command: DealCommand, state: DealState): DealEvent[] {
  const { now } = command;
  switch (command.type) {
    case 'OpenDeal': {
      const { data } = command;
      if (state.status !== 'none') {
        throw conflict('DEAL_ALREADY_EXISTS', `deal ${data.dealId} already exists`);
      }
      requireText('title', data.title);
      assertValidMoney(data.amount, data.currency);
      return [
        {
          type: 'DealOpened',
          schemaVersion: 1,
          data: {
            dealId: data.dealId,
            customerId: data.customerId,
            title: data.title,
            amount: data.amount,
            currency: data.currency,
            stage: data.stage ?? 'qualification',
            ...(data.ownerId !== undefined && { ownerId: data.ownerId }),
            ...(data.campaignId !== undefined && { campaignId: data.campaignId }),
            openedAt: now,
          },
        },
      ];
    }
    case 'ChangeDealStage': {
      const deal = requireOpen(state, command.data.dealId);
      if (deal.stage === command.data.stage) {
        throw conflict('DEAL_STAGE_UNCHANGED', `deal is already in stage ${deal.stage}`, {
          stage: deal.stage,
        });
      }
      return [
        {
          type: 'DealStageChanged',
          schemaVersion: 1,
          data: {
            dealId: deal.dealId,
            customerId: deal.customerId,
            from: deal.stage,
            to: command.data.stage,
            changedAt: now,
          },
        },
      ];
    }
    case 'WinDeal': {
      const deal = requireOpen(state, command.data.dealId);
      const amount = command.data.amount ?? deal.amount;
      assertValidMoney(amount, deal.currency);
      return [
        {
          type: 'DealWon',
          schemaVersion: 1,
          data: {
            dealId: deal.dealId,
            customerId: deal.customerId,
            amount,
            currency: deal.currency,
            openedAt: deal.openedAt,
            wonAt: now,
          },
        },
      ];
    }
    case 'LoseDeal': {
      const deal = requireOpen(state, command.data.dealId);
      requireText('reason', command.data.reason);
      return [
        {
          type: 'DealLost',
          schemaVersion: 1,
          data: {
            dealId: deal.dealId,
            customerId: deal.customerId,
            reason: command.data.reason,
            stage: deal.stage,
            openedAt: deal.openedAt,
            lostAt: now,
          },
        },
      ];
    }
    default:
      return assertNever(command, 'deal command');
  }
}

export function evolveDeal(state: DealState, event: DealEvent): DealState {
  switch (event.type) {
    case 'DealOpened':
      return {
        status: 'open',
        dealId: event.data.dealId,
        customerId: event.data.customerId,
        stage: event.data.stage,
        amount: event.data.amount,
        currency: event.data.currency,
        openedAt: event.data.openedAt,
      };
    case 'DealStageChanged':
      return state.status === 'none' ? state : { ...state, stage: event.data.to };
    case 'DealWon':
      return state.status === 'none'
        ? state
        : { ...state, status: 'won', amount: event.data.amount };
    case 'DealLost':
      return state.status === 'none' ? state : { ...state, status: 'lost' };
    default:
      return assertNever(event, 'deal event');
  }
}

export const dealDecider: Decider<DealCommand, DealEvent, DealState> = {
  initialState: () => ({ status: 'none' }),
  decide: decideDeal,
  evolve: evolveDeal,
};
