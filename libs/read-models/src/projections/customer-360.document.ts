import type { ActivityKind, ContactChannel, ContactDirection, Sealed } from '@rapport/domain';

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

/** An activity still to do, as the 360 view needs it (its text is on the agenda). */
export interface OpenActivity {
  kind: ActivityKind;
  dueAt: string;
  ownerId: string | null;
}

/** The client's planned activities: what is open (by id) and how many were closed. */
export interface CustomerActivities {
  open: Record<string, OpenActivity>;
  scheduled: number;
  done: number;
  cancelled: number;
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
  /**
   * Planned activities (since version 3; absent from documents of an older generation until
   * its rebuild is swapped in). Overdue or next depends on now: computed when read.
   */
  activities?: CustomerActivities;
  /**
   * Service cases, complaints and requests (since version 5; absent from documents of an
   * older generation until its rebuild is swapped in).
   */
  cases?: CustomerCases;
}

export interface CustomerCase {
  kind: 'complaint' | 'request';
  severity: string;
  open: boolean;
  /** A target of its current cycle was missed (CaseSlaBreached) while it is open. */
  breached: boolean;
}

export interface CustomerCases {
  open: number;
  resolved: number;
  reopened: number;
  /** Open cases that missed an SLA target of their current cycle. */
  breached: number;
  escalated: number;
  lastOpenedAt: string | null;
  /** Every case of the client, by id (a client has few). */
  byId: Record<string, CustomerCase>;
}
