import {
  assertNever,
  isCrmEvent,
  toMinor,
  type CrmEnvelope,
  type EventEnvelope,
} from '@rapport/domain';
import { firstContactDaysAggregation } from '../aggregations/first-contact-days.aggregation';
import { retentionCohortsAggregation } from '../aggregations/retention-cohorts.aggregation';
import { customerRankingsListing } from '../listings/customer-rankings.listing';
import type { Projection } from '../projection';
import type {
  Customer360Document,
  CustomerActivities,
  RecentContact,
} from './customer-360.document';

export type * from './customer-360.document';

export const RECENT_CONTACTS = 20;
/** Loss dates kept per client: enough for "deals lost recently" churn signals. */
const RECENT_LOSSES = 20;

export function emptyCustomer360(customerId: string): Customer360Document {
  return {
    id: customerId,
    position: 0,
    customerId,
    status: 'lead',
    ownerId: null,
    source: null,
    profile: { name: null, email: null, phone: null, company: null },
    createdAt: null,
    convertedAt: null,
    churnedAt: null,
    churnReason: null,
    erasedAt: null,
    customerPeriods: [],
    contacts: {
      total: 0,
      byChannel: {},
      inbound: 0,
      outbound: 0,
      firstContactAt: null,
      lastContactAt: null,
      recent: [],
    },
    deals: {
      open: 0,
      won: 0,
      lost: 0,
      wonValueMinor: {},
      openValueMinor: {},
      wonByCurrency: {},
      lastWonAt: null,
      recentLosses: [],
      openDeals: {},
    },
    complaints: {
      open: 0,
      resolved: 0,
      escalated: 0,
      openCritical: 0,
      lastRaisedAt: null,
      satisfactionSum: 0,
      satisfactionCount: 0,
      averageSatisfaction: null,
      openSeverities: {},
    },
    consents: {},
    activities: emptyActivities(),
  };
}

const emptyActivities = (): CustomerActivities => ({
  open: {},
  scheduled: 0,
  done: 0,
  cancelled: 0,
});

/** The activities with one closed: removed from the open ones, counted as done or cancelled. */
function closeActivity(
  activities: CustomerActivities,
  activityId: string,
  as: 'done' | 'cancelled',
): CustomerActivities {
  const { [activityId]: _closed, ...open } = activities.open;
  return { ...activities, open, [as]: activities[as] + 1 };
}

/** The activities once the client is erased: the open ones cancelled, as the activities
 *  projection cancels them (reason "client erased"). */
function cancelOpenActivities(activities: CustomerActivities): CustomerActivities {
  const open = Object.keys(activities.open).length;
  return { ...activities, open: {}, cancelled: activities.cancelled + open };
}

/** The activities with one open activity changed (nothing if it is not open). */
function changeOpenActivity(
  activities: CustomerActivities,
  activityId: string,
  change: { dueAt?: string; ownerId?: string },
): CustomerActivities {
  const open = activities.open[activityId];
  if (!open) return activities;
  return { ...activities, open: { ...activities.open, [activityId]: { ...open, ...change } } };
}

/** A copy of `map` with `amount` added to `key` (entries that reach 0 are dropped). */
function plus(map: Record<string, number>, key: string, amount: number): Record<string, number> {
  const next = { ...map, [key]: (map[key] ?? 0) + amount };
  if (next[key] === 0) delete next[key];
  return next;
}

const later = (a: string | null, b: string) => (a === null || b > a ? b : a);
const earlier = (a: string | null, b: string) => (a === null || b < a ? b : a);

function closePeriod(periods: Customer360Document['customerPeriods'], at: string) {
  return periods.map((period) => (period.to === null ? { ...period, to: at } : period));
}

function openPeriod(periods: Customer360Document['customerPeriods'], at: string) {
  return periods.some((period) => period.to === null)
    ? periods
    : [...periods, { from: at, to: null }];
}

/** Newest first; a back-dated contact only enters if it is among the newest. */
function withRecent(recent: RecentContact[], contact: RecentContact): RecentContact[] {
  const index = recent.findIndex((c) => c.occurredAt < contact.occurredAt);
  const next =
    index === -1
      ? [...recent, contact]
      : [...recent.slice(0, index), contact, ...recent.slice(index)];
  return next.length > RECENT_CONTACTS ? next.slice(0, RECENT_CONTACTS) : next;
}

function withoutOpenDeal(
  deals: Customer360Document['deals'],
  dealId: string,
): Customer360Document['deals'] {
  const open = deals.openDeals[dealId];
  if (!open) return deals;
  const { [dealId]: _closed, ...openDeals } = deals.openDeals;
  return {
    ...deals,
    open: deals.open - 1,
    openDeals,
    openValueMinor: plus(deals.openValueMinor, open.currency, -open.amountMinor),
  };
}

/** The 360° view of a client: one document per client, fed by every event about them. */
export const customer360Projection: Projection<Customer360Document> = {
  name: 'customer-360',
  // 2: an erasure no longer ends the customer period (figures keep the facts); retention
  // cohorts are maintained beside the documents.
  // 3: planned activities (open ones with their due dates, counts of closed ones); days from
  // a lead's creation to its first contact are tallied per owner; the rankings (churn risk,
  // RFM segment members) are listed beside the documents.
  // 4: an erasure cancels the client's open activities.
  version: 4,
  collection: 'customer_360',
  indexes: ['status', 'ownerId'],
  aggregations: [retentionCohortsAggregation, firstContactDaysAggregation],
  listings: [customerRankingsListing],

  keysOf(event: EventEnvelope): readonly string[] {
    if (!isCrmEvent(event)) return [];
    const customerId = (event.data as { customerId?: string }).customerId;
    return customerId ? [customerId] : [];
  },

  // Pure and copy-on-write: only the branches an event changes are copied, so documents
  // can be shared between versions (and kept in memory by a rebuild) safely.
  apply(current, envelope, key) {
    const doc = current ?? emptyCustomer360(key);
    const event = envelope as CrmEnvelope;
    switch (event.type) {
      case 'LeadCreated': {
        const { data } = event;
        return {
          ...doc,
          status: 'lead',
          ownerId: data.ownerId ?? null,
          source: data.source,
          createdAt: data.createdAt,
          profile: {
            name: data.name,
            email: data.email ?? null,
            phone: data.phone ?? null,
            company: data.company ?? null,
          },
        };
      }
      case 'ContactLogged': {
        const { data } = event;
        const contacts = doc.contacts;
        return {
          ...doc,
          contacts: {
            total: contacts.total + 1,
            byChannel: {
              ...contacts.byChannel,
              [data.channel]: (contacts.byChannel[data.channel] ?? 0) + 1,
            },
            inbound: contacts.inbound + (data.direction === 'inbound' ? 1 : 0),
            outbound: contacts.outbound + (data.direction === 'outbound' ? 1 : 0),
            firstContactAt: earlier(contacts.firstContactAt, data.occurredAt),
            lastContactAt: later(contacts.lastContactAt, data.occurredAt),
            recent:
              doc.status === 'erased'
                ? contacts.recent
                : withRecent(contacts.recent, {
                    contactId: data.contactId,
                    channel: data.channel,
                    direction: data.direction,
                    subject: data.subject,
                    notes: data.notes ?? null,
                    occurredAt: data.occurredAt,
                  }),
          },
        };
      }
      case 'CustomerConverted':
        return {
          ...doc,
          status: 'customer',
          convertedAt: doc.convertedAt ?? event.data.convertedAt,
          customerPeriods: openPeriod(doc.customerPeriods, event.data.convertedAt),
        };
      case 'CustomerChurned':
        return {
          ...doc,
          status: 'churned',
          churnedAt: event.data.churnedAt,
          churnReason: event.data.reason,
          customerPeriods: closePeriod(doc.customerPeriods, event.data.churnedAt),
        };
      case 'CustomerReactivated':
        return {
          ...doc,
          status: event.data.status,
          churnedAt: null,
          churnReason: null,
          customerPeriods:
            event.data.status === 'customer'
              ? openPeriod(doc.customerPeriods, event.data.reactivatedAt)
              : doc.customerPeriods,
        };
      case 'ConsentGranted':
      case 'ConsentRevoked':
        return {
          ...doc,
          consents: { ...doc.consents, [event.data.purpose]: event.type === 'ConsentGranted' },
        };
      case 'OwnerAssigned':
        return { ...doc, ownerId: event.data.ownerId };
      case 'CustomerProfileCorrected': {
        const { changes } = event.data;
        return {
          ...doc,
          profile: {
            name: changes.name !== undefined ? changes.name : doc.profile.name,
            email: changes.email !== undefined ? changes.email : doc.profile.email,
            phone: changes.phone !== undefined ? changes.phone : doc.profile.phone,
            company: changes.company !== undefined ? changes.company : doc.profile.company,
          },
        };
      }
      case 'CustomerErased':
        // The sealed values are unreadable already (key destroyed); the view drops them too.
        // The business facts stay as they were (customer periods, deals, complaints): an
        // erasure removes the person, not the figures (cohorts, revenue) they are part of.
        return {
          ...doc,
          status: 'erased',
          erasedAt: event.data.erasedAt,
          profile: { name: null, email: null, phone: null, company: null },
          contacts: {
            ...doc.contacts,
            recent: doc.contacts.recent.map((c) => ({ ...c, subject: null, notes: null })),
          },
          ...(doc.activities && { activities: cancelOpenActivities(doc.activities) }),
        };
      case 'DealOpened': {
        const { data } = event;
        const amountMinor = toMinor(data.amount, data.currency);
        return {
          ...doc,
          deals: {
            ...doc.deals,
            open: doc.deals.open + 1,
            openDeals: {
              ...doc.deals.openDeals,
              [data.dealId]: { amountMinor, currency: data.currency },
            },
            openValueMinor: plus(doc.deals.openValueMinor, data.currency, amountMinor),
          },
        };
      }
      case 'DealStageChanged':
        return doc;
      case 'DealWon': {
        const { data } = event;
        const deals = withoutOpenDeal(doc.deals, data.dealId);
        const amountMinor = toMinor(data.amount, data.currency);
        const wins = deals.wonByCurrency[data.currency];
        return {
          ...doc,
          deals: {
            ...deals,
            won: deals.won + 1,
            wonValueMinor: plus(deals.wonValueMinor, data.currency, amountMinor),
            wonByCurrency: {
              ...deals.wonByCurrency,
              [data.currency]: {
                count: (wins?.count ?? 0) + 1,
                amountMinor: (wins?.amountMinor ?? 0) + amountMinor,
                lastWonAt: later(wins?.lastWonAt ?? null, data.wonAt),
              },
            },
            lastWonAt: later(deals.lastWonAt, data.wonAt),
          },
        };
      }
      case 'DealLost': {
        const deals = withoutOpenDeal(doc.deals, event.data.dealId);
        return {
          ...doc,
          deals: {
            ...deals,
            lost: deals.lost + 1,
            recentLosses: [...deals.recentLosses, event.data.lostAt].sort().slice(-RECENT_LOSSES),
          },
        };
      }
      case 'ComplaintRaised': {
        const { data } = event;
        const complaints = doc.complaints;
        return {
          ...doc,
          complaints: {
            ...complaints,
            open: complaints.open + 1,
            openSeverities: { ...complaints.openSeverities, [data.complaintId]: data.severity },
            openCritical: complaints.openCritical + (data.severity === 'critical' ? 1 : 0),
            lastRaisedAt: later(complaints.lastRaisedAt, data.raisedAt),
          },
        };
      }
      case 'ComplaintEscalated':
        return {
          ...doc,
          complaints: { ...doc.complaints, escalated: doc.complaints.escalated + 1 },
        };
      case 'ComplaintResolved': {
        const { data } = event;
        const complaints = doc.complaints;
        const severity = complaints.openSeverities[data.complaintId];
        const { [data.complaintId]: _resolved, ...openSeverities } = complaints.openSeverities;
        const satisfactionSum = complaints.satisfactionSum + (data.satisfaction ?? 0);
        const satisfactionCount =
          complaints.satisfactionCount + (data.satisfaction !== undefined ? 1 : 0);
        return {
          ...doc,
          complaints: {
            ...complaints,
            open: complaints.open - (severity !== undefined ? 1 : 0),
            openCritical: complaints.openCritical - (severity === 'critical' ? 1 : 0),
            openSeverities,
            resolved: complaints.resolved + 1,
            satisfactionSum,
            satisfactionCount,
            averageSatisfaction:
              satisfactionCount === 0
                ? null
                : Math.round((satisfactionSum / satisfactionCount) * 100) / 100,
          },
        };
      }
      case 'ActivityScheduled': {
        const { data } = event;
        const activities = doc.activities ?? emptyActivities();
        return {
          ...doc,
          activities: {
            ...activities,
            scheduled: activities.scheduled + 1,
            open: {
              ...activities.open,
              [data.activityId]: {
                kind: data.kind,
                dueAt: data.dueAt,
                ownerId: data.ownerId ?? null,
              },
            },
          },
        };
      }
      case 'ActivityRescheduled':
        return {
          ...doc,
          activities: changeOpenActivity(
            doc.activities ?? emptyActivities(),
            event.data.activityId,
            {
              dueAt: event.data.dueAt,
            },
          ),
        };
      case 'ActivityReassigned':
        return {
          ...doc,
          activities: changeOpenActivity(
            doc.activities ?? emptyActivities(),
            event.data.activityId,
            {
              ownerId: event.data.ownerId,
            },
          ),
        };
      case 'ActivityCompleted':
        return {
          ...doc,
          activities: closeActivity(
            doc.activities ?? emptyActivities(),
            event.data.activityId,
            'done',
          ),
        };
      case 'ActivityCancelled':
        return {
          ...doc,
          activities: closeActivity(
            doc.activities ?? emptyActivities(),
            event.data.activityId,
            'cancelled',
          ),
        };
      case 'CampaignPlanned':
      case 'CampaignLaunched':
      case 'CampaignClosed':
      case 'CampaignCostRecorded':
      case 'CampaignMembersAdded':
      case 'CampaignResponseRecorded':
        // Campaign touches are on the client's timeline and in the campaign read models.
        return doc;
      default:
        return assertNever(event, 'event type in customer-360');
    }
  },
};
