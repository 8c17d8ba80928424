import { assertValidMoney } from '../shared/currency';
import { assertNever, type Decider } from '../shared/decider';
import { conflict, invalid, notFound } from '../shared/domain-error';
import { GrowingSet } from '../shared/growing-set';
import { assertNotInFuture, requireText } from '../shared/rules';
import type { CampaignCommand } from './campaign.commands';
import {
  DEFAULT_CAMPAIGN_PURPOSE,
  type CampaignChannel,
  type CampaignEvent,
  type SkippedMember,
} from './campaign.events';

/** Most clients one batch of members may name. */
export const MAX_MEMBERS_PER_BATCH = 1000;

/** CRM_CAMPAIGN_RESPONSE_GRACE_DAYS' default: responses are taken two weeks after the close. */
export const DEFAULT_RESPONSE_GRACE_DAYS = 14;

const DAY_MS = 24 * 60 * 60 * 1000;

export type CampaignState =
  | { status: 'none' }
  | {
      status: 'planned' | 'launched' | 'closed';
      campaignId: string;
      name: string;
      channel: CampaignChannel;
      purpose: string;
      /** The currency of the budget, else of the first cost: every cost is in it. */
      currency?: string;
      launchedAt?: string;
      closedAt?: string;
      members: GrowingSet;
    };

type ExistingCampaign = Exclude<CampaignState, { status: 'none' }>;

/** The campaign, or the not-found refusal of every command on an unknown one. */
export function requireCampaign(state: CampaignState, campaignId: string): ExistingCampaign {
  if (state.status === 'none') {
    throw notFound('CAMPAIGN_NOT_FOUND', `campaign ${campaignId} does not exist`, { campaignId });
  }
  return state;
}

/**
 * A lead or a deal that names a campaign (attribution) must name one that exists; any stage
 * counts (a lead may arrive after the close). Refused as a value of the command, not a 404.
 */
export function requireAttributableCampaign(state: CampaignState, campaignId: string): void {
  if (state.status === 'none') {
    throw invalid('UNKNOWN_CAMPAIGN', `campaign ${campaignId} does not exist`, { campaignId });
  }
}

function requireTime(field: string, value: string): number {
  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    throw invalid('INVALID_TIMESTAMP', `${field} is not a valid ISO 8601 time`, { field });
  }
  return time;
}

function requireNotClosed(campaign: ExistingCampaign): void {
  if (campaign.status === 'closed') {
    throw conflict('CAMPAIGN_CLOSED', `campaign ${campaign.campaignId} is closed`, {
      campaignId: campaign.campaignId,
      closedAt: campaign.closedAt,
    });
  }
}

export function decideCampaign(command: CampaignCommand, state: CampaignState): CampaignEvent[] {
  const { now } = command;
  switch (command.type) {
    case 'PlanCampaign': {
      const { data } = command;
      if (state.status !== 'none') {
        throw conflict('CAMPAIGN_ALREADY_EXISTS', `campaign ${data.campaignId} already exists`, {
          campaignId: data.campaignId,
        });
      }
      requireText('name', data.name);
      const starts = requireTime('startsAt', data.startsAt);
      if (data.endsAt !== undefined && requireTime('endsAt', data.endsAt) <= starts) {
        throw invalid('INVALID_PERIOD', 'endsAt must lie after startsAt', {
          startsAt: data.startsAt,
          endsAt: data.endsAt,
        });
      }
      if (data.budget !== undefined) assertValidMoney(data.budget.amount, data.budget.currency);
      const purpose = data.purpose ?? DEFAULT_CAMPAIGN_PURPOSE;
      requireText('purpose', purpose);
      return [
        {
          type: 'CampaignPlanned',
          schemaVersion: 1,
          data: {
            campaignId: data.campaignId,
            name: data.name,
            channel: data.channel,
            startsAt: data.startsAt,
            ...(data.endsAt !== undefined && { endsAt: data.endsAt }),
            ...(data.budget !== undefined && { budget: data.budget }),
            purpose,
            plannedAt: now,
          },
        },
      ];
    }
    case 'LaunchCampaign': {
      const campaign = requireCampaign(state, command.data.campaignId);
      requireNotClosed(campaign);
      if (campaign.status === 'launched') {
        throw conflict(
          'CAMPAIGN_ALREADY_LAUNCHED',
          `campaign ${campaign.campaignId} was already launched`,
          { campaignId: campaign.campaignId, launchedAt: campaign.launchedAt },
        );
      }
      return [
        {
          type: 'CampaignLaunched',
          schemaVersion: 1,
          data: {
            campaignId: campaign.campaignId,
            ...(command.data.note !== undefined && { note: command.data.note }),
            launchedAt: now,
          },
        },
      ];
    }
    case 'CloseCampaign': {
      const campaign = requireCampaign(state, command.data.campaignId);
      if (campaign.status === 'closed') {
        throw conflict(
          'CAMPAIGN_ALREADY_CLOSED',
          `campaign ${campaign.campaignId} was already closed`,
          { campaignId: campaign.campaignId, closedAt: campaign.closedAt },
        );
      }
      if (campaign.status === 'planned') {
        throw conflict(
          'CAMPAIGN_NOT_LAUNCHED',
          `campaign ${campaign.campaignId} was never launched`,
          { campaignId: campaign.campaignId },
        );
      }
      return [
        {
          type: 'CampaignClosed',
          schemaVersion: 1,
          data: {
            campaignId: campaign.campaignId,
            ...(command.data.note !== undefined && { note: command.data.note }),
            closedAt: now,
          },
        },
      ];
    }
    case 'RecordCampaignCost': {
      const { data } = command;
      const campaign = requireCampaign(state, data.campaignId);
      assertValidMoney(data.amount, data.currency);
      if (campaign.currency !== undefined && campaign.currency !== data.currency) {
        throw invalid(
          'COST_CURRENCY_MISMATCH',
          `campaign ${campaign.campaignId} is budgeted in ${campaign.currency}`,
          { campaignId: campaign.campaignId, currency: data.currency, expected: campaign.currency },
        );
      }
      return [
        {
          type: 'CampaignCostRecorded',
          schemaVersion: 1,
          data: {
            campaignId: campaign.campaignId,
            amount: data.amount,
            currency: data.currency,
            ...(data.note !== undefined && { note: data.note }),
            at: now,
          },
        },
      ];
    }
    case 'AddCampaignMembers': {
      const { data } = command;
      const campaign = requireCampaign(state, data.campaignId);
      requireNotClosed(campaign);
      if (data.customerIds.length < 1 || data.customerIds.length > MAX_MEMBERS_PER_BATCH) {
        throw invalid(
          'INVALID_MEMBER_BATCH',
          `a batch names 1 to ${MAX_MEMBERS_PER_BATCH} clients`,
          { count: data.customerIds.length },
        );
      }
      const added: string[] = [];
      const skipped: SkippedMember[] = [];
      const seen = new Set<string>();
      for (const customerId of data.customerIds) {
        const eligibility = data.eligibility[customerId] ?? 'unknown';
        if (seen.has(customerId)) skipped.push({ customerId, reason: 'duplicate' });
        else if (campaign.members.has(customerId)) {
          skipped.push({ customerId, reason: 'already-member' });
        } else if (eligibility !== 'eligible') skipped.push({ customerId, reason: eligibility });
        else added.push(customerId);
        seen.add(customerId);
      }
      if (added.length === 0) {
        throw conflict(
          'NO_ELIGIBLE_MEMBERS',
          `none of the clients named can join campaign ${campaign.campaignId}`,
          { campaignId: campaign.campaignId, skipped },
        );
      }
      return [
        {
          type: 'CampaignMembersAdded',
          schemaVersion: 1,
          data: { campaignId: campaign.campaignId, customerIds: added, skipped, addedAt: now },
        },
      ];
    }
    case 'RecordCampaignResponse': {
      const { data } = command;
      const campaign = requireCampaign(state, data.campaignId);
      if (campaign.status === 'planned') {
        throw conflict(
          'CAMPAIGN_NOT_LAUNCHED',
          `campaign ${campaign.campaignId} was not launched yet`,
          { campaignId: campaign.campaignId },
        );
      }
      if (!campaign.members.has(data.customerId)) {
        throw conflict(
          'NOT_A_MEMBER',
          `customer ${data.customerId} is not a member of campaign ${campaign.campaignId}`,
          { campaignId: campaign.campaignId, customerId: data.customerId },
        );
      }
      const occurredAt = data.occurredAt ?? now;
      assertNotInFuture('occurredAt', occurredAt, now);
      if (
        campaign.launchedAt !== undefined &&
        Date.parse(occurredAt) < Date.parse(campaign.launchedAt)
      ) {
        throw invalid(
          'RESPONSE_BEFORE_LAUNCH',
          `campaign ${campaign.campaignId} was launched at ${campaign.launchedAt}`,
          { occurredAt, launchedAt: campaign.launchedAt },
        );
      }
      if (campaign.closedAt !== undefined) {
        const deadline = Date.parse(campaign.closedAt) + data.graceDays * DAY_MS;
        if (Date.parse(occurredAt) > deadline) {
          throw conflict(
            'CAMPAIGN_RESPONSE_TOO_LATE',
            `campaign ${campaign.campaignId} closed at ${campaign.closedAt}; responses are taken for ${data.graceDays} days after`,
            {
              campaignId: campaign.campaignId,
              closedAt: campaign.closedAt,
              graceDays: data.graceDays,
              occurredAt,
            },
          );
        }
      }
      return [
        {
          type: 'CampaignResponseRecorded',
          schemaVersion: 1,
          data: {
            campaignId: campaign.campaignId,
            customerId: data.customerId,
            response: data.response,
            occurredAt,
            recordedAt: now,
          },
        },
      ];
    }
    default:
      return assertNever(command, 'campaign command');
  }
}

export function evolveCampaign(state: CampaignState, event: CampaignEvent): CampaignState {
  switch (event.type) {
    case 'CampaignPlanned':
      return {
        status: 'planned',
        campaignId: event.data.campaignId,
        name: event.data.name,
        channel: event.data.channel,
        purpose: event.data.purpose,
        ...(event.data.budget !== undefined && { currency: event.data.budget.currency }),
        members: GrowingSet.empty(),
      };
    case 'CampaignLaunched':
      return state.status === 'none'
        ? state
        : { ...state, status: 'launched', launchedAt: event.data.launchedAt };
    case 'CampaignClosed':
      return state.status === 'none'
        ? state
        : { ...state, status: 'closed', closedAt: event.data.closedAt };
    case 'CampaignCostRecorded':
      return state.status === 'none' || state.currency !== undefined
        ? state
        : { ...state, currency: event.data.currency };
    case 'CampaignMembersAdded':
      return state.status === 'none'
        ? state
        : { ...state, members: state.members.with(event.data.customerIds) };
    case 'CampaignResponseRecorded':
      return state;
    default:
      return assertNever(event, 'campaign event');
  }
}

export const campaignDecider: Decider<CampaignCommand, CampaignEvent, CampaignState> = {
  initialState: () => ({ status: 'none' }),
  decide: decideCampaign,
  evolve: evolveCampaign,
};
