import {
  CRM_EVENT_TYPES,
  toMinor,
  type ContactChannel,
  type ContactDirection,
  type CrmEnvelope,
  type EventEnvelope,
  type Sealed,
} from '@rapport/domain';
import type { Projection } from '../projection';

export const RECENT_CONTACTS = 20;
/** Loss dates kept per client: enough for "deals lost recently" churn signals. */
const RECENT_LOSSES = 20;

export type CustomerStatus = 'lead' | 'customer' | 'churned' | 'erased';

export interface RecentContact {
  contactId: string;
  channel: ContactChannel;
  direction: ContactDirection;
  /** Sealed: opened only when shown to someone allowed to see it. */
  subject: Sealed | null;
  notes: Sealed | null;
  occurredAt: string;
}

export interface CurrencyWins {
  count: number;
  amountMinor: number;
  lastWonAt: string;
}

/** Everything the CRM knows about one client, kept current by every event about them. */
export interface Customer360Document {
  id: string;
  position: number;
  customerId: string;
  status: CustomerStatus;
  ownerId: string | null;
  source: string | null;
  profile: {
    name: Sealed | null;
    email: Sealed | null;
    phone: Sealed | null;
    company: string | null;
  };
  createdAt: string | null;
  /** First conversion from lead to customer: the client's acquisition cohort. */
  convertedAt: string | null;
  /** Set while the client is churned. */
  churnedAt: string | null;
  churnReason: string | null;
  erasedAt: string | null;
  /** Spans as a paying customer (to: null while it lasts): the basis of retention. */
  customerPeriods: { from: string; to: string | null }[];
  contacts: {
    total: number;
    byChannel: Partial<Record<ContactChannel, number>>;
    inbound: number;
    outbound: number;
    firstContactAt: string | null;
    lastContactAt: string | null;
    recent: RecentContact[];
  };
  deals: {
    open: number;
    won: number;
    lost: number;
    /** Integer minor units per currency (cents for EUR). */
    wonValueMinor: Record<string, number>;
    openValueMinor: Record<string, number>;
    wonByCurrency: Record<string, CurrencyWins>;
    lastWonAt: string | null;
    recentLosses: string[];
    openDeals: Record<string, { amountMinor: number; currency: string }>;
  };
  complaints: {
    open: number;
    resolved: number;
    escalated: number;
    openCritical: number;
    lastRaisedAt: string | null;
    satisfactionSum: number;
    satisfactionCount: number;
    averageSatisfaction: number | null;
    openSeverities: Record<string, string>;
  };
  consents: Record<string, boolean>;
}

const CRM_TYPES = new Set<string>(CRM_EVENT_TYPES);

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
  };
}

const add = (map: Record<string, number>, key: string, amount: number) => {
  const next = (map[key] ?? 0) + amount;
  if (next === 0) delete map[key];
  else map[key] = next;
};

const later = (a: string | null, b: string) => (a === null || b > a ? b : a);
const earlier = (a: string | null, b: string) => (a === null || b < a ? b : a);

function closePeriod(doc: Customer360Document, at: string): void {
  const open = doc.customerPeriods.find((period) => period.to === null);
  if (open) open.to = at;
}

function openPeriod(doc: Customer360Document, at: string): void {
  if (!doc.customerPeriods.some((period) => period.to === null))
    doc.customerPeriods.push({ from: at, to: null });
}

/** The 360° view of a client: one document per client, fed by every event about them. */
export const customer360Projection: Projection<Customer360Document> = {
  name: 'customer-360',
  version: 1,
  collection: 'customer_360',
  indexes: ['status', 'ownerId'],

  keysOf(event: EventEnvelope): readonly string[] {
    if (!CRM_TYPES.has(event.type)) return [];
    const customerId = (event.data as { customerId?: string }).customerId;
    return customerId ? [customerId] : [];
  },

  apply(current, envelope, key) {
    const doc: Customer360Document = current ? structuredClone(current) : emptyCustomer360(key);
    const event = envelope as CrmEnvelope;
    switch (event.type) {
      case 'LeadCreated': {
        const { data } = event;
        doc.status = 'lead';
        doc.ownerId = data.ownerId ?? null;
        doc.source = data.source;
        doc.createdAt = data.createdAt;
        doc.profile = {
          name: data.name,
          email: data.email ?? null,
          phone: data.phone ?? null,
          company: data.company ?? null,
        };
        return doc;
      }
      case 'ContactLogged': {
        const { data } = event;
        const contacts = doc.contacts;
        contacts.total += 1;
        contacts.byChannel[data.channel] = (contacts.byChannel[data.channel] ?? 0) + 1;
        if (data.direction === 'inbound') contacts.inbound += 1;
        else contacts.outbound += 1;
        contacts.firstContactAt = earlier(contacts.firstContactAt, data.occurredAt);
        contacts.lastContactAt = later(contacts.lastContactAt, data.occurredAt);
        if (doc.status !== 'erased') {
          contacts.recent.push({
            contactId: data.contactId,
            channel: data.channel,
            direction: data.direction,
            subject: data.subject,
            notes: data.notes ?? null,
            occurredAt: data.occurredAt,
          });
          // Newest first; a back-dated contact only enters if it is among the newest.
          contacts.recent.sort((a, b) =>
            a.occurredAt < b.occurredAt ? 1 : a.occurredAt > b.occurredAt ? -1 : 0,
          );
          contacts.recent = contacts.recent.slice(0, RECENT_CONTACTS);
        }
        return doc;
      }
      case 'CustomerConverted':
        doc.status = 'customer';
        doc.convertedAt = doc.convertedAt ?? event.data.convertedAt;
        openPeriod(doc, event.data.convertedAt);
        return doc;
      case 'CustomerChurned':
        doc.status = 'churned';
        doc.churnedAt = event.data.churnedAt;
        doc.churnReason = event.data.reason;
        closePeriod(doc, event.data.churnedAt);
        return doc;
      case 'CustomerReactivated':
        doc.status = event.data.status;
        doc.churnedAt = null;
        doc.churnReason = null;
        if (event.data.status === 'customer') openPeriod(doc, event.data.reactivatedAt);
        return doc;
      case 'ConsentGranted':
      case 'ConsentRevoked':
        doc.consents[event.data.purpose] = event.type === 'ConsentGranted';
        return doc;
      case 'OwnerAssigned':
        doc.ownerId = event.data.ownerId;
        return doc;
      case 'CustomerProfileCorrected': {
        const { changes } = event.data;
        if (changes.name !== undefined) doc.profile.name = changes.name;
        if (changes.email !== undefined) doc.profile.email = changes.email;
        if (changes.phone !== undefined) doc.profile.phone = changes.phone;
        if (changes.company !== undefined) doc.profile.company = changes.company;
        return doc;
      }
      case 'CustomerErased':
        // The sealed values are unreadable already (key destroyed); the view drops them too.
        doc.status = 'erased';
        doc.erasedAt = event.data.erasedAt;
        doc.profile = { name: null, email: null, phone: null, company: null };
        doc.contacts.recent = doc.contacts.recent.map((c) => ({
          ...c,
          subject: null,
          notes: null,
        }));
        closePeriod(doc, event.data.erasedAt);
        return doc;
      case 'DealOpened': {
        const { data } = event;
        const amountMinor = toMinor(data.amount, data.currency);
        doc.deals.open += 1;
        doc.deals.openDeals[data.dealId] = { amountMinor, currency: data.currency };
        add(doc.deals.openValueMinor, data.currency, amountMinor);
        return doc;
      }
      case 'DealStageChanged':
        return doc;
      case 'DealWon': {
        const { data } = event;
        closeDeal(doc, data.dealId);
        const amountMinor = toMinor(data.amount, data.currency);
        doc.deals.won += 1;
        add(doc.deals.wonValueMinor, data.currency, amountMinor);
        const wins = doc.deals.wonByCurrency[data.currency] ?? {
          count: 0,
          amountMinor: 0,
          lastWonAt: data.wonAt,
        };
        doc.deals.wonByCurrency[data.currency] = {
          count: wins.count + 1,
          amountMinor: wins.amountMinor + amountMinor,
          lastWonAt: later(wins.lastWonAt, data.wonAt) ?? data.wonAt,
        };
        doc.deals.lastWonAt = later(doc.deals.lastWonAt, data.wonAt);
        return doc;
      }
      case 'DealLost':
        closeDeal(doc, event.data.dealId);
        doc.deals.lost += 1;
        doc.deals.recentLosses = [...doc.deals.recentLosses, event.data.lostAt]
          .sort()
          .slice(-RECENT_LOSSES);
        return doc;
      case 'ComplaintRaised':
        doc.complaints.open += 1;
        doc.complaints.openSeverities[event.data.complaintId] = event.data.severity;
        if (event.data.severity === 'critical') doc.complaints.openCritical += 1;
        doc.complaints.lastRaisedAt = later(doc.complaints.lastRaisedAt, event.data.raisedAt);
        return doc;
      case 'ComplaintEscalated':
        doc.complaints.escalated += 1;
        return doc;
      case 'ComplaintResolved': {
        const { data } = event;
        const complaints = doc.complaints;
        const severity = complaints.openSeverities[data.complaintId];
        if (severity !== undefined) {
          delete complaints.openSeverities[data.complaintId];
          complaints.open -= 1;
          if (severity === 'critical') complaints.openCritical -= 1;
        }
        complaints.resolved += 1;
        if (data.satisfaction !== undefined) {
          complaints.satisfactionSum += data.satisfaction;
          complaints.satisfactionCount += 1;
          complaints.averageSatisfaction =
            Math.round((complaints.satisfactionSum / complaints.satisfactionCount) * 100) / 100;
        }
        return doc;
      }
      default:
        return doc;
    }
  },
};

function closeDeal(doc: Customer360Document, dealId: string): void {
  const open = doc.deals.openDeals[dealId];
  if (!open) return;
  delete doc.deals.openDeals[dealId];
  doc.deals.open -= 1;
  add(doc.deals.openValueMinor, open.currency, -open.amountMinor);
}
