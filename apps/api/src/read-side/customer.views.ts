import { fromMinor } from '@rapport/domain';
import type { ChurnRisk, Customer360Document, CustomerRfm } from '@rapport/read-models';
import type { CustomerActivitiesView } from './activity.views';
import type { PersonalFields } from './personal-data.presenter';

export type Money = Record<string, number>;

const money = (minor: Record<string, number>): Money =>
  Object.fromEntries(
    Object.entries(minor)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([currency, value]) => [currency, fromMinor(value, currency)]),
  );

export interface Customer360View {
  customerId: string;
  status: Customer360Document['status'];
  ownerId: string | null;
  source: string | null;
  createdAt: string | null;
  convertedAt: string | null;
  churnedAt: string | null;
  churnReason: string | null;
  erasedAt: string | null;
  profile: {
    name: string | null;
    email: string | null;
    phone: string | null;
    company: string | null;
  };
  contacts: {
    total: number;
    byChannel: Record<string, number>;
    inbound: number;
    outbound: number;
    firstContactAt: string | null;
    lastContactAt: string | null;
    recent: {
      contactId: string;
      channel: string;
      direction: string;
      subject: string | null;
      notes: string | null;
      occurredAt: string;
    }[];
  };
  deals: {
    open: number;
    won: number;
    lost: number;
    wonValue: Money;
    openValue: Money;
    lastWonAt: string | null;
  };
  complaints: {
    open: number;
    resolved: number;
    escalated: number;
    openCritical: number;
    lastRaisedAt: string | null;
    averageSatisfaction: number | null;
  };
  /**
   * Service cases, complaints and requests (absent from views of a 360 generation built before
   * cases existed, until its rebuild is swapped in). The cases themselves: GET /cases?customerId=.
   */
  cases?: {
    open: number;
    resolved: number;
    reopened: number;
    /** Open cases past an SLA target. */
    breached: number;
    escalated: number;
    lastOpenedAt: string | null;
    openByKind: { complaint: number; request: number };
  };
  consents: Record<string, boolean>;
  /** The next planned activity not yet due (null: none); in views read at a given time. */
  nextActivity?: CustomerActivitiesView['nextActivity'];
  /** Open activities past their due time. */
  overdueActivities?: number;
  activities?: CustomerActivitiesView['activities'];
  churnRisk: ChurnRisk;
  segment: string | null;
  rfm: string | null;
  /** Personal fields are masked for this caller. */
  masked: boolean;
  /** The read model position this view reflects (≥ the last event about this client). */
  position: number;
}

/** Personal fields a view contains: what the audit trail records as shown or masked. */
export function personalFieldsIn(doc: Customer360Document): string[] {
  const fields: string[] = (['name', 'email', 'phone'] as const).filter(
    (f) => doc.profile[f] !== null,
  );
  if (doc.contacts.recent.some((c) => c.subject !== null)) fields.push('contact subjects');
  if (doc.contacts.recent.some((c) => c.notes !== null)) fields.push('contact notes');
  return fields;
}

export function customer360View(
  doc: Customer360Document,
  personal: PersonalFields,
  derived: {
    churnRisk: ChurnRisk;
    /** null: not known yet (no RFM figures in this generation yet). */
    rfm: CustomerRfm | null | undefined;
    /** Planned activities as of now (left out of views rebuilt for another time). */
    activities?: CustomerActivitiesView;
    position: number;
  },
): Customer360View {
  return {
    customerId: doc.customerId,
    status: doc.status,
    ownerId: doc.ownerId,
    source: doc.source,
    createdAt: doc.createdAt,
    convertedAt: doc.convertedAt,
    churnedAt: doc.churnedAt,
    churnReason: doc.churnReason,
    erasedAt: doc.erasedAt,
    profile: {
      name: personal.show(doc.profile.name),
      email: personal.show(doc.profile.email),
      phone: personal.show(doc.profile.phone),
      company: doc.profile.company,
    },
    contacts: {
      total: doc.contacts.total,
      byChannel: { ...doc.contacts.byChannel },
      inbound: doc.contacts.inbound,
      outbound: doc.contacts.outbound,
      firstContactAt: doc.contacts.firstContactAt,
      lastContactAt: doc.contacts.lastContactAt,
      recent: doc.contacts.recent.map((c) => ({
        contactId: c.contactId,
        channel: c.channel,
        direction: c.direction,
        subject: personal.show(c.subject),
        notes: personal.show(c.notes),
        occurredAt: c.occurredAt,
      })),
    },
    deals: {
      open: doc.deals.open,
      won: doc.deals.won,
      lost: doc.deals.lost,
      wonValue: money(doc.deals.wonValueMinor),
      openValue: money(doc.deals.openValueMinor),
      lastWonAt: doc.deals.lastWonAt,
    },
    complaints: {
      open: doc.complaints.open,
      resolved: doc.complaints.resolved,
      escalated: doc.complaints.escalated,
      openCritical: doc.complaints.openCritical,
      lastRaisedAt: doc.complaints.lastRaisedAt,
      averageSatisfaction: doc.complaints.averageSatisfaction,
    },
    ...(doc.cases && {
      cases: {
        open: doc.cases.open,
        resolved: doc.cases.resolved,
        reopened: doc.cases.reopened,
        breached: doc.cases.breached,
        escalated: doc.cases.escalated,
        lastOpenedAt: doc.cases.lastOpenedAt,
        openByKind: {
          complaint: Object.values(doc.cases.byId).filter((c) => c.open && c.kind === 'complaint')
            .length,
          request: Object.values(doc.cases.byId).filter((c) => c.open && c.kind === 'request')
            .length,
        },
      },
    }),
    consents: { ...doc.consents },
    ...(derived.activities && { ...derived.activities }),
    churnRisk: derived.churnRisk,
    segment: derived.rfm === null ? null : (derived.rfm?.segment ?? 'prospects'),
    rfm: derived.rfm?.rfm ?? null,
    masked: personal.masked,
    position: derived.position,
  };
}

export interface CustomerSummaryView {
  customerId: string;
  status: Customer360Document['status'];
  ownerId: string | null;
  name: string | null;
  company: string | null;
  createdAt: string | null;
  lastContactAt: string | null;
  deals: { open: number; won: number; wonValue: Money };
  complaints: { open: number };
  churnRisk: { score: number };
  segment: string | null;
}

export function customerSummaryView(
  doc: Customer360Document,
  personal: PersonalFields,
  derived: {
    churnRisk: ChurnRisk;
    /** null: not known yet (no RFM figures in this generation yet). */
    rfm: CustomerRfm | null | undefined;
  },
): CustomerSummaryView {
  return {
    customerId: doc.customerId,
    status: doc.status,
    ownerId: doc.ownerId,
    name: personal.show(doc.profile.name),
    company: doc.profile.company,
    createdAt: doc.createdAt,
    lastContactAt: doc.contacts.lastContactAt,
    deals: { open: doc.deals.open, won: doc.deals.won, wonValue: money(doc.deals.wonValueMinor) },
    complaints: { open: doc.complaints.open },
    churnRisk: { score: derived.churnRisk.score },
    segment: derived.rfm === null ? null : (derived.rfm?.segment ?? 'prospects'),
  };
}
