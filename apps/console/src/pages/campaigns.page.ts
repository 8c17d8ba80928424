import type {
  CampaignAnalyticsAnswer,
  SourceAnalyticsAnswer,
  Touches,
} from '@rapport/contracts/read-api';
import { get } from '../api';
import { chart, PALETTE } from '../charts';
import { asOf, fmt, h } from '../dom';
import { pagedTable, pageTitle, region, type PageContext } from '../view';

const PAGE = 25;

const money = (amount: number | null, currency: string) =>
  amount === null ? '–' : fmt.money({ [currency]: amount });
const touches = <T>(value: Touches<T>, show: (v: T) => string) =>
  `${show(value.firstTouch)} / ${show(value.lastTouch)}`;
const ratio = (n: number | null) => (n === null ? '–' : `${fmt.num(n)}×`);

export function campaignsPage(ctx: PageContext): Promise<void> {
  pageTitle(
    ctx.main,
    'Campaigns and sources',
    'How each campaign performs (members, responses, leads, won deals, revenue by first and last touch, cost) and which lead sources convert.',
  );
  const campaigns = region(ctx.main, 'campaigns');
  const sources = region(ctx.main, 'sources');
  return Promise.all([
    pagedTable(
      campaigns,
      {
        fetch: (cursor) =>
          get<CampaignAnalyticsAnswer>('/analytics/campaigns', { limit: PAGE, cursor }),
        head: (first) => [
          h('h2', {}, 'Campaign performance'),
          asOf(first.position, first.currency),
          chart(`Revenue per campaign by first and last touch, ${first.currency}`, {
            type: 'bar',
            data: {
              labels: first.campaigns.map((c) => c.name),
              datasets: [
                {
                  label: 'first touch',
                  data: first.campaigns.map((c) => c.revenue.firstTouch),
                  backgroundColor: PALETTE[0],
                },
                {
                  label: 'last touch',
                  data: first.campaigns.map((c) => c.revenue.lastTouch),
                  backgroundColor: PALETTE[2],
                },
              ],
            },
            options: { scales: { y: { beginAtZero: true } } },
          }),
        ],
        caption: 'Campaigns (first / last touch where a figure has both)',
        headers: [
          'Campaign',
          'Channel',
          'Status',
          'Members',
          'Responses',
          'Response rate',
          'Leads',
          'Deals won',
          'Revenue',
          'Cost',
          'Cost per lead',
          'Return on spend',
        ],
        numeric: [3, 5, 6, 7, 8, 9, 10, 11],
        id: 'campaign-table',
        rows: (page) =>
          page.campaigns.map((c) => [
            c.name,
            c.channel,
            c.status,
            fmt.int(c.members),
            Object.entries(c.responses)
              .map(([kind, n]) => `${kind} ${fmt.int(n)}`)
              .join(', ') || '–',
            fmt.pct(c.responseRate),
            fmt.int(c.leads),
            touches(c.dealsWon, fmt.int),
            touches(c.revenue, (v) => money(v, page.currency)),
            money(c.cost, page.currency),
            money(c.costPerLead, page.currency),
            touches(c.returnOnSpend, ratio),
          ]),
      },
      { optionalEndpoint: true },
    ),
    pagedTable(
      sources,
      {
        fetch: (cursor) =>
          get<SourceAnalyticsAnswer>('/analytics/sources', { limit: PAGE, cursor }),
        head: (first) => [
          h('h2', {}, 'Source effectiveness'),
          asOf(
            first.position,
            `${fmt.int(first.totalLeads)} leads, ${money(first.totalRevenue, first.currency)} revenue`,
          ),
          chart('Conversion rate per lead source', {
            type: 'bar',
            data: {
              labels: first.sources.map(
                (s) => s.source + (s.campaignId ? ` / ${s.campaignId.slice(0, 8)}` : ''),
              ),
              datasets: [
                {
                  label: 'conversion rate (%)',
                  data: first.sources.map((s) => (s.conversionRate ?? 0) * 100),
                  backgroundColor: PALETTE[1],
                },
              ],
            },
            options: {
              plugins: { legend: { display: false } },
              scales: { y: { beginAtZero: true } },
            },
          }),
        ],
        caption: 'Lead sources and campaigns, most revenue first',
        headers: [
          'Source',
          'Campaign',
          'Leads',
          'Converted',
          'Conversion rate',
          'Median days to convert',
          'Deals won',
          'Revenue',
          'Share of revenue',
        ],
        numeric: [2, 3, 4, 5, 6, 7, 8],
        id: 'source-table',
        rows: (page) =>
          page.sources.map((s) => [
            s.source,
            s.campaignId ? h('code', {}, s.campaignId.slice(0, 8)) : '–',
            fmt.int(s.leads),
            fmt.int(s.converted),
            fmt.pct(s.conversionRate),
            fmt.num(s.medianDaysToConvert),
            fmt.int(s.dealsWon),
            money(s.revenue, page.currency),
            fmt.pct(s.revenueShare),
          ]),
      },
      { optionalEndpoint: true },
    ),
  ]).then(() => undefined);
}
