import type { CrmEvent, DealStage, EventEnvelope } from '@rapport/domain';
import { EventLogBuilder, sealed } from '@rapport/testing';
import fc from 'fast-check';

/** One step a user could take; steps that the domain would refuse are skipped. */
export interface HistoryStep {
  client: number;
  kind:
    | 'contact'
    | 'open'
    | 'advance'
    | 'win'
    | 'lose'
    | 'churn'
    | 'reactivate'
    | 'erase'
    | 'assign'
    | 'plan'
    | 'complete'
    | 'cancel'
    /** A marketing consent: granted when `amount` is even, revoked when odd. */
    | 'consent';
  amount: number;
  currency: 'EUR' | 'USD' | 'JPY';
  owner: number;
  /** Days since the previous step (business time only moves forward). */
  days: number;
}

const OWNERS = ['rep-1', 'rep-2', undefined] as const;
const STAGES: readonly DealStage[] = ['qualification', 'proposal', 'negotiation'];

export const historyStepArbitrary: fc.Arbitrary<HistoryStep> = fc.record({
  client: fc.nat({ max: 7 }),
  kind: fc.constantFrom(
    'contact',
    'open',
    'open',
    'advance',
    'win',
    'win',
    'lose',
    'churn',
    'reactivate',
    'erase',
    'assign',
    'plan',
    'plan',
    'complete',
    'cancel',
    'consent',
  ),
  amount: fc.integer({ min: 1, max: 50_000 }),
  currency: fc.constantFrom('EUR', 'USD', 'JPY'),
  owner: fc.nat({ max: 2 }),
  days: fc.nat({ max: 40 }),
});

interface ClientState {
  id: string;
  status: 'lead' | 'customer' | 'churned' | 'erased';
  converted: boolean;
  openDeals: {
    dealId: string;
    stage: DealStage;
    openedAt: string;
    amount: number;
    currency: string;
  }[];
  churnedFrom?: 'lead' | 'customer';
  /** Planned activities not done or cancelled yet. */
  openActivities: { activityId: string; kind: 'call' | 'task'; dueAt: string }[];
}

/**
 * Turns steps into the events the deciders would record for them, at whole-day business
 * times from 2025-01-01: leads first seen on their first step, conversion on a lead's first
 * win, reactivation on a churned client's deal, nothing after an erasure.
 */
export function historyOf(steps: readonly HistoryStep[]): { events: EventEnvelope[]; now: Date } {
  const log = new EventLogBuilder();
  const clients = new Map<number, ClientState>();
  let time = Date.UTC(2025, 0, 1);
  let deals = 0;
  let activities = 0;
  const add = (event: CrmEvent, at: string) => log.append(event, at);
  for (const step of steps) {
    time += step.days * 24 * 60 * 60 * 1000;
    const at = new Date(time).toISOString();
    let client = clients.get(step.client);
    const ownerId = OWNERS[step.owner];
    if (!client) {
      client = {
        id: `c${step.client}`,
        status: 'lead',
        converted: false,
        openDeals: [],
        openActivities: [],
      };
      clients.set(step.client, client);
      add(
        {
          type: 'LeadCreated',
          schemaVersion: 1,
          data: {
            customerId: client.id,
            name: sealed(client.id),
            source: 'random',
            createdAt: at,
            ...(ownerId && { ownerId }),
          },
        },
        at,
      );
      continue;
    }
    if (client.status === 'erased') continue;
    const customerId = client.id;
    const reactivate = () => {
      if (client.status !== 'churned') return;
      client.status = client.churnedFrom ?? 'lead';
      add(
        {
          type: 'CustomerReactivated',
          schemaVersion: 1,
          data: { customerId, status: client.status, trigger: 'deal-opened', reactivatedAt: at },
        },
        at,
      );
    };
    const deal = client.openDeals[step.amount % Math.max(1, client.openDeals.length)];
    const activity = client.openActivities[step.amount % Math.max(1, client.openActivities.length)];
    const closeActivity = () => {
      client.openActivities = client.openActivities.filter((a) => a !== activity);
    };
    switch (step.kind) {
      case 'contact':
        add(
          {
            type: 'ContactLogged',
            schemaVersion: 3,
            data: {
              customerId,
              contactId: `k${log.events.length}`,
              channel: 'call',
              direction: 'outbound',
              subject: sealed('s'),
              occurredAt: at,
              loggedAt: at,
            },
          },
          at,
        );
        break;
      case 'open': {
        reactivate();
        const dealId = `d${++deals}`;
        const stage = STAGES[step.owner]!;
        client.openDeals.push({
          dealId,
          stage,
          openedAt: at,
          amount: step.amount,
          currency: step.currency,
        });
        add(
          {
            type: 'DealOpened',
            schemaVersion: 1,
            data: {
              dealId,
              customerId,
              title: dealId,
              amount: step.amount,
              currency: step.currency,
              stage,
              openedAt: at,
              ...(ownerId && { ownerId }),
            },
          },
          at,
        );
        break;
      }
      case 'advance':
        if (!deal || deal.stage === 'negotiation') break;
        {
          const to = STAGES[STAGES.indexOf(deal.stage) + 1]!;
          add(
            {
              type: 'DealStageChanged',
              schemaVersion: 1,
              data: { dealId: deal.dealId, customerId, from: deal.stage, to, changedAt: at },
            },
            at,
          );
          deal.stage = to;
        }
        break;
      case 'win':
        if (!deal) break;
        reactivate();
        client.openDeals = client.openDeals.filter((d) => d !== deal);
        add(
          {
            type: 'DealWon',
            schemaVersion: 1,
            data: {
              dealId: deal.dealId,
              customerId,
              amount: deal.amount + (step.amount % 100),
              currency: deal.currency,
              openedAt: deal.openedAt,
              wonAt: at,
            },
          },
          at,
        );
        if (client.status === 'lead') {
          client.status = 'customer';
          add(
            {
              type: 'CustomerConverted',
              schemaVersion: 1,
              data: { customerId, dealId: deal.dealId, convertedAt: at },
            },
            at,
          );
        }
        break;
      case 'lose':
        if (!deal) break;
        client.openDeals = client.openDeals.filter((d) => d !== deal);
        add(
          {
            type: 'DealLost',
            schemaVersion: 1,
            data: {
              dealId: deal.dealId,
              customerId,
              reason: 'price',
              stage: deal.stage,
              openedAt: deal.openedAt,
              lostAt: at,
            },
          },
          at,
        );
        break;
      case 'churn':
        if (client.status === 'churned') break;
        client.churnedFrom = client.status;
        add(
          {
            type: 'CustomerChurned',
            schemaVersion: 1,
            data: { customerId, reason: 'random', previousStatus: client.status, churnedAt: at },
          },
          at,
        );
        client.status = 'churned';
        break;
      case 'reactivate':
        reactivate();
        break;
      case 'erase':
        client.status = 'erased';
        add(
          {
            type: 'CustomerErased',
            schemaVersion: 1,
            data: { customerId, reason: 'request', erasedAt: at },
          },
          at,
        );
        break;
      case 'plan': {
        // Due from 10 days ago to 30 days ahead: some overdue, some planned.
        const dueAt = new Date(
          time + ((step.amount % 41) - 10) * 24 * 60 * 60 * 1000,
        ).toISOString();
        const planned = {
          activityId: `a${++activities}`,
          kind: step.owner === 2 ? ('task' as const) : ('call' as const),
          dueAt,
        };
        client.openActivities.push(planned);
        add(
          {
            type: 'ActivityScheduled',
            schemaVersion: 1,
            data: {
              activityId: planned.activityId,
              customerId,
              kind: planned.kind,
              subject: sealed('plan'),
              dueAt,
              scheduledAt: at,
              ...(ownerId && { ownerId }),
            },
          },
          at,
        );
        break;
      }
      case 'complete':
        if (!activity) break;
        closeActivity();
        add(
          {
            type: 'ActivityCompleted',
            schemaVersion: 1,
            data: {
              activityId: activity.activityId,
              customerId,
              kind: activity.kind,
              outcome: 'reached',
              dueAt: activity.dueAt,
              occurredAt: at,
              completedAt: at,
              ...(activity.kind === 'call' && { contactId: `k${log.events.length}` }),
            },
          },
          at,
        );
        if (activity.kind === 'call')
          add(
            {
              type: 'ContactLogged',
              schemaVersion: 3,
              data: {
                customerId,
                contactId: `k${log.events.length - 1}`,
                channel: 'call',
                direction: 'outbound',
                subject: sealed('plan'),
                outcome: 'reached',
                activityId: activity.activityId,
                occurredAt: at,
                loggedAt: at,
              },
            },
            at,
          );
        break;
      case 'cancel':
        if (!activity) break;
        closeActivity();
        add(
          {
            type: 'ActivityCancelled',
            schemaVersion: 1,
            data: {
              activityId: activity.activityId,
              customerId,
              reason: 'random',
              dueAt: activity.dueAt,
              cancelledAt: at,
            },
          },
          at,
        );
        break;
      case 'consent':
        add(
          {
            type: step.amount % 2 === 0 ? 'ConsentGranted' : 'ConsentRevoked',
            schemaVersion: 1,
            data: { customerId, purpose: 'marketing', at },
          } as CrmEvent,
          at,
        );
        break;
      case 'assign':
        if (ownerId)
          add(
            {
              type: 'OwnerAssigned',
              schemaVersion: 1,
              data: { customerId, ownerId, at },
            } as CrmEvent,
            at,
          );
        break;
    }
  }
  return { events: log.events, now: new Date(time + 24 * 60 * 60 * 1000) };
}

/** Histories of up to `maxSteps` steps over eight clients, of any length up to that. */
export const historyArbitrary = (maxSteps: number) =>
  fc.array(historyStepArbitrary, { minLength: 1, maxLength: maxSteps, size: 'max' });
