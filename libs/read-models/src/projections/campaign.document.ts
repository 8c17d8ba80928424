import type { CampaignChannel } from '@rapport/domain';

export type CampaignStatus = 'planned' | 'launched' | 'closed';

/** One campaign (collection `campaigns`, key: campaign id), from the campaign's own events. */
export interface CampaignDocument {
  id: string;
  position: number;
  campaignId: string;
  name: string;
  channel: CampaignChannel;
  /** The consent purpose its members granted. */
  purpose: string;
  status: CampaignStatus;
  startsAt: string;
  endsAt: string | null;
  budget: { amount: number; currency: string } | null;
  plannedAt: string;
  launchedAt: string | null;
  closedAt: string | null;
  /** Clients added (each with a grant for the purpose when added). */
  members: number;
  /** Clients named in batches but not added, by reason. */
  skipped: Record<string, number>;
  /** Costs in minor units, by currency (one currency: the budget's or the first cost's). */
  costMinor: Record<string, number>;
  costEntries: number;
}

/**
 * What the campaigns of a client did for them (collection `campaign_attribution`, key:
 * customer id), from the client's lead, deals and campaign responses: the facts the campaign
 * performance and source effectiveness aggregations sum.
 */
export interface CampaignAttributionDocument {
  id: string;
  position: number;
  customerId: string;
  /** null until the LeadCreated (never, in a log in stream order). */
  source: string | null;
  createdAt: string | null;
  /** The campaign the lead named. */
  leadCampaignId: string | null;
  convertedAt: string | null;
  /** Responses per campaign: kinds counted, first and last touch time (unsubscribes are no touch). */
  touches: Record<string, CampaignTouches>;
  /** Deals open or won (a lost deal is dropped): what last-touch attribution needs. */
  deals: Record<string, AttributedDeal>;
}

export interface CampaignTouches {
  responses: Record<string, number>;
  /** Earliest and latest response that engaged (any kind but unsubscribed); null if none. */
  firstAt: string | null;
  lastAt: string | null;
}

export interface AttributedDeal {
  openedAt: string;
  /** Last touch: the campaign of the last engaging response before the deal opened, else the one the deal named. */
  lastTouch: string | null;
  status: 'open' | 'won';
  currency: string;
  amountMinor: number;
  wonAt: string | null;
}
