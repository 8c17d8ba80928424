import type { CampaignPerformance } from '@rapport/contracts';
import { CAMPAIGN_RESPONSES, fromMinor } from '@rapport/domain';
import type { Tally } from '../aggregation';
import { medianDaysToFirstContact } from '../aggregations/first-contact-days.aggregation';
import { sourceOfKey } from '../aggregations/source-effectiveness.aggregation';
import type {
  CampaignAttributionDocument,
  CampaignDocument,
} from '../projections/campaign.document';
import { firstTouch } from '../projections/campaign-touches';

const ratio = (part: number, whole: number, digits = 4): number | null =>
  whole > 0 ? Number((part / whole).toFixed(digits)) : null;

const money = (minor: number, currency: string) => fromMinor(minor, currency);

/** Responses by kind, every kind present (0 when none). */
export function responsesByKind(tally: Tally): Record<string, number> {
  return Object.fromEntries(
    CAMPAIGN_RESPONSES.map((kind) => [kind, tally[`responses.${kind}`] ?? 0]),
  );
}

/** A campaign document as GET /campaigns shows it, with its responses from the tallies. */
export function campaignView(doc: CampaignDocument, tally: Tally) {
  return {
    campaignId: doc.campaignId,
    name: doc.name,
    channel: doc.channel,
    purpose: doc.purpose,
    status: doc.status,
    startsAt: doc.startsAt,
    endsAt: doc.endsAt,
    budget: doc.budget,
    plannedAt: doc.plannedAt,
    launchedAt: doc.launchedAt,
    closedAt: doc.closedAt,
    members: doc.members,
    skipped: doc.skipped,
    responses: responsesByKind(tally),
    responders: tally.responders ?? 0,
    costs: Object.fromEntries(
      Object.entries(doc.costMinor).map(([currency, minor]) => [currency, money(minor, currency)]),
    ),
    costEntries: doc.costEntries,
    position: doc.position,
  };
}

export type { CampaignPerformance };

/** One campaign's figures in one currency, from its document and its tallies. */
export function campaignPerformance(
  doc: CampaignDocument,
  tally: Tally,
  currency: string,
): CampaignPerformance {
  const leads = tally.leads ?? 0;
  const costMinor = doc.costMinor[currency] ?? 0;
  const firstMinor = tally[`revenueFirst.${currency}`] ?? 0;
  const lastMinor = tally[`revenueLast.${currency}`] ?? 0;
  const responders = tally.responders ?? 0;
  return {
    campaignId: doc.campaignId,
    name: doc.name,
    channel: doc.channel,
    status: doc.status,
    members: doc.members,
    responses: responsesByKind(tally),
    responders,
    responseRate: ratio(responders, doc.members),
    leads,
    converted: tally.converted ?? 0,
    dealsWon: { firstTouch: tally.wonFirst ?? 0, lastTouch: tally.wonLast ?? 0 },
    revenue: { firstTouch: money(firstMinor, currency), lastTouch: money(lastMinor, currency) },
    cost: money(costMinor, currency),
    costPerLead: leads > 0 ? Number(money(costMinor / leads, currency).toFixed(2)) : null,
    returnOnSpend: {
      firstTouch: ratio(firstMinor, costMinor),
      lastTouch: ratio(lastMinor, costMinor),
    },
  };
}

export interface SourceEffectiveness {
  source: string;
  /** The first-touch campaign of these leads; null: none. */
  campaignId: string | null;
  leads: number;
  converted: number;
  /** converted / leads. */
  conversionRate: number | null;
  /** Median whole days from lead to conversion; null before any conversion. */
  medianDaysToConvert: number | null;
  dealsWon: number;
  /** Revenue of the leads' won deals in `currency`. */
  revenue: number;
  /** revenue / the revenue of every source, in `currency` (the Pareto view). */
  revenueShare: number | null;
}

/**
 * Every lead source and first-touch campaign, most revenue first (then by key),
 * from the source tallies: their number is that of distinct (source, campaign) pairs, not
 * of clients.
 */
export function sourceEffectiveness(
  tallies: ReadonlyMap<string, Tally>,
  currency: string,
): {
  rows: SourceEffectiveness[];
  /** Each row's sort position (revenue in minor units, then its key): for page cursors. */
  order: { minor: number; key: string }[];
  totalRevenue: number;
  totalLeads: number;
} {
  let totalMinor = 0;
  let totalLeads = 0;
  for (const tally of tallies.values()) {
    totalMinor += tally[`revenue.${currency}`] ?? 0;
    totalLeads += tally.leads ?? 0;
  }
  const rows: (SourceEffectiveness & { minor: number; key: string })[] = [];
  for (const [key, tally] of tallies) {
    const leads = tally.leads ?? 0;
    if (leads === 0) continue;
    const minor = tally[`revenue.${currency}`] ?? 0;
    const { source, campaignId } = sourceOfKey(key);
    rows.push({
      source,
      campaignId,
      leads,
      converted: tally.converted ?? 0,
      conversionRate: ratio(tally.converted ?? 0, leads),
      medianDaysToConvert: medianDaysToFirstContact(tally),
      dealsWon: tally.won ?? 0,
      revenue: money(minor, currency),
      revenueShare: ratio(minor, totalMinor),
      minor,
      key,
    });
  }
  rows.sort((a, b) => b.minor - a.minor || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    rows: rows.map(({ minor: _minor, key: _key, ...row }) => row),
    order: rows.map(({ minor, key }) => ({ minor, key })),
    totalRevenue: money(totalMinor, currency),
    totalLeads,
  };
}

/** The campaign touches of one client, for the 360 view (from their attribution document). */
export function campaignTouchesOf(doc: CampaignAttributionDocument | undefined) {
  if (!doc) return { leadCampaignId: null, firstTouch: null, touches: [] };
  return {
    leadCampaignId: doc.leadCampaignId,
    firstTouch: firstTouch(doc),
    touches: Object.entries(doc.touches)
      .map(([campaignId, touches]) => ({
        campaignId,
        responses: { ...touches.responses },
        firstAt: touches.firstAt,
        lastAt: touches.lastAt,
      }))
      .sort((a, b) => a.campaignId.localeCompare(b.campaignId)),
  };
}
