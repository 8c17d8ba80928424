/**
 * Answers of the read API as a client sees them (JSON over HTTP, see docs/API.md): what the
 * browser console and other readers type their responses with. Plain types, no imports, so
 * that a browser bundle can use them. Fields named by the contract are fixed; the rest are
 * what the API answers today.
 */

/** An amount per ISO 4217 currency code, e.g. `{ "EUR": 1200.5 }`. */
export type Money = Record<string, number>;

/** Every list: at most `limit` (≤ 500) items and the cursor of the next page (null: last). */
export interface Page {
  nextCursor: string | null;
}

/** A structured error answer (400/401/403/404/409/422/503). */
export interface ApiErrorBody {
  statusCode?: number;
  code?: string;
  message?: string;
  details?: unknown;
}

/** GET /me: who the token is. */
export interface SessionAnswer {
  actor: string;
  roles: string[];
  kind: string;
  via: string;
  /** What this caller may do (permission names of the role matrix). */
  permissions: string[];
}

export interface StageFigures {
  stage: string;
  count: number;
  amount: Money;
  weightedAmount: Money;
}

export interface OwnerPipelineFigures {
  ownerId: string | null;
  open: number;
  amount: Money;
  weightedAmount: Money;
  won: number;
  lost: number;
  winRate: number | null;
  averageCycleDays: number | null;
}

/** GET /pipeline */
export interface PipelineAnswer {
  stages: StageFigures[];
  won: { count: number; amount: Money };
  lost: { count: number; amount: Money };
  winRate: number | null;
  averageCycleDays: number | null;
  owners: OwnerPipelineFigures[];
  /** Present when the caller sees only their own deals (sales). */
  ownerId?: string;
  position: number;
}

/** GET /analytics/retention */
export interface RetentionAnswer {
  cohorts: { cohort: string; size: number; retention: number[] }[];
  churnRate: number;
  monthly: {
    month: string;
    activeAtStart: number;
    acquired: number;
    churned: number;
    churnRate: number;
  }[];
  position: number;
}

/** GET /analytics/churn-risk (highest risk first) */
export interface ChurnRiskAnswer extends Page {
  customers: {
    customerId: string;
    status: string;
    ownerId: string | null;
    score: number;
    reasons: string[];
  }[];
  position: number;
}

/** GET /analytics/segments */
export interface SegmentsAnswer {
  currency: string;
  purpose?: string;
  segments: { segment: string; customers: number }[];
  /** Revenue share of the top 20% of clients by revenue. */
  paretoTopShare: number;
  /**
   * The Pareto curve: cumulative revenue share against share of clients, the top 5 %, 10 %,
   * … 100 % of the clients with revenue (20 points, `clientShare` rising to 1); empty when
   * there is no revenue. The 20 % point is `paretoTopShare`.
   */
  paretoCurve: { clientShare: number; revenueShare: number }[];
  asOf: string;
  position: number;
}

/** One line of GET /customers */
export interface CustomerSummary {
  customerId: string;
  status: string;
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

/** GET /customers */
export interface CustomerListAnswer extends Page {
  items: CustomerSummary[];
  position: number;
}

/** GET /customers/:id (the 360 view) */
export interface Customer360Answer {
  customerId: string;
  status: 'lead' | 'customer' | 'churned' | 'erased';
  ownerId: string | null;
  source: string | null;
  createdAt: string | null;
  convertedAt: string | null;
  churnedAt: string | null;
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
    lastContactAt: string | null;
  };
  deals: { open: number; won: number; lost: number; wonValue: Money; openValue: Money };
  complaints: {
    open: number;
    resolved: number;
    lastRaisedAt: string | null;
    averageSatisfaction: number | null;
  };
  consents: Record<string, boolean>;
  overdueActivities?: number;
  churnRisk: { score: number; reasons: string[] };
  segment: string | null;
  /** Personal fields are masked for this caller. */
  masked: boolean;
  position: number;
}

export interface TimelineEntry {
  entryId: string;
  kind: string;
  type: string;
  at: string;
  /** An activity still open: planned, not done yet. */
  planned: boolean;
  overdue: boolean;
  facts: Record<string, string | number | boolean | null>;
  text: Record<string, string | null>;
}

/** GET /customers/:id/timeline (newest first) */
export interface TimelineAnswer extends Page {
  customerId: string;
  status: string;
  entries: TimelineEntry[];
  masked: boolean;
  position: number;
}

export interface AuditTrailEntry {
  kind: 'change' | 'view' | 'denied';
  type: string;
  actor: string;
  roles: string[];
  at: string;
  position: number;
  correlationId?: string;
  eventId: string;
  purpose?: string;
  view?: string;
  fieldsShown?: string[];
  fieldsMasked?: string[];
  permission?: string;
  changes?: { field: string; from: unknown; to: unknown }[];
}

/** GET /audit/customers/:id (chronological) */
export interface AuditTrailAnswer extends Page {
  customerId: string;
  entries: AuditTrailEntry[];
}

export interface RebuildProgress {
  projection: string;
  generation: number;
  status: 'rebuilding' | 'swapped' | 'cancelled' | 'failed';
  position: number;
  headPosition: number;
  eventsPerSecond: number;
  etaSeconds: number | null;
  startedAt: string;
  finishedAt?: string;
  error?: string;
}

export interface ProjectionStatusAnswer {
  name: string;
  version: number;
  generation: number;
  status: string;
  position: number;
  headPosition: number;
  lag: { events: number; seconds: number };
  parked: number;
  updatedAt: string;
  error?: string;
  rebuild?: RebuildProgress;
  otherGenerations: { generation: number; status: string; position: number }[];
}

/** GET /admin/projections */
export interface ProjectionsAnswer {
  projections: ProjectionStatusAnswer[];
  headPosition: number;
}

/** GET /admin/projections/:name/parked?limit=&cursor= (key order) */
export interface ParkedAnswer extends Page {
  projection: string;
  parked: {
    key: string;
    customerIds: string[];
    error: string;
    parkedAt: string;
    events: number;
    firstPosition: number | null;
    lastPosition: number;
  }[];
}

/** A figure by first touch (the campaign that brought the lead) and by last touch. */
export interface Touches<T> {
  firstTouch: T;
  lastTouch: T;
}

/** GET /analytics/campaigns (second round): per campaign, in one currency */
export interface CampaignAnalyticsAnswer extends Page {
  currency: string;
  campaigns: CampaignPerformance[];
  position: number;
}

/** GET /analytics/sources (second round): per lead source and campaign, most revenue first */
export interface SourceAnalyticsAnswer extends Page {
  currency: string;
  sources: {
    source: string;
    campaignId: string | null;
    leads: number;
    converted: number;
    conversionRate: number | null;
    medianDaysToConvert: number | null;
    dealsWon: number;
    revenue: number;
    revenueShare: number | null;
  }[];
  totalLeads: number;
  totalRevenue: number;
  position: number;
}

/** One case of GET /cases (second round) */
export interface ServiceCase {
  caseId: string;
  customerId: string;
  kind: string;
  category: string;
  type?: string;
  severity: string | null;
  status: string;
  assigneeId: string | null;
  subject: string | null;
  openedAt: string;
  firstRespondedAt: string | null;
  resolvedAt: string | null;
  /** Past an SLA target (recorded, or a deadline before now). */
  overdue: boolean;
  sla: { nextDeadline: string | null; nextTarget: string | null; paused: boolean };
}

/** GET /cases (second round): the queue, most urgent first */
export interface CasesAnswer extends Page {
  items: ServiceCase[];
  masked: boolean;
  position: number;
}

/** GET /analytics/service (second round): per case kind and category, months from..to */
export interface ServiceAnalyticsAnswer {
  from: string;
  to: string;
  groups: ServiceGroupFigures[];
  position: number;
}

/** GET /audit/denials: every refused access, chronological */
export interface DenialsAnswer extends Page {
  entries: (AuditTrailEntry & { customerId: string | null; request?: string })[];
}

/** GET /audit/exports: every bulk export of client data, chronological */
export interface ExportsAnswer extends Page {
  entries: (AuditTrailEntry & {
    export: string;
    filter: unknown;
    count: number;
    personalData: boolean;
    destination: string;
  })[];
}

/** GET /audit/integrity: the log's hash chain */
export interface IntegrityAnswer {
  head: { position: number; sequence: number; hash: string };
  lastCheckpoint: { position: number; hash: string; sealedAt: string } | null;
  verification: {
    status: 'intact' | 'broken' | 'pending';
    at: string | null;
    problem: { position: number; kind: string; message: string } | null;
  };
}

/** One campaign's figures in one currency (GET /analytics/campaigns). */
export interface CampaignPerformance {
  campaignId: string;
  name: string;
  channel: string;
  status: string;
  members: number;
  responses: Record<string, number>;
  /** Members who engaged (any response but an unsubscribe). */
  responders: number;
  /** responders / members; null without members. */
  responseRate: number | null;
  /** Leads whose first touch is the campaign (named on the lead, else first response). */
  leads: number;
  /** Of those, converted into customers. */
  converted: number;
  dealsWon: { firstTouch: number; lastTouch: number };
  /** Revenue of won deals in `currency`, by attribution model. */
  revenue: { firstTouch: number; lastTouch: number };
  /** Costs recorded in `currency` (0 when the campaign's costs are in another). */
  cost: number;
  /** cost / leads; null without leads. */
  costPerLead: number | null;
  /** revenue / cost by model; null without cost. */
  returnOnSpend: { firstTouch: number | null; lastTouch: number | null };
}

/** One case kind and category's figures (GET /analytics/service). */
export interface ServiceGroupFigures {
  kind: string;
  /** A complaint's category, a request's type. */
  category: string;
  opened: number;
  resolved: number;
  medianHoursToFirstResponse: number | null;
  p90HoursToFirstResponse: number | null;
  medianHoursToResolution: number | null;
  p90HoursToResolution: number | null;
  /** Targets met ÷ targets decided (met or missed); null before any. */
  slaCompliance: number | null;
  slaMet: number;
  slaMissed: number;
  /** Cases reopened at least once ÷ cases resolved at least once; null before any. */
  reopenRate: number | null;
  averageSatisfaction: number | null;
  outcomes: Record<string, number>;
}
