import type { CampaignAnalyticsAnswer, SourceAnalyticsAnswer } from '@rapport/contracts/read-api';
import { get } from '../api';
import { chart, PALETTE } from '../charts';
import { asOf, fmt, section, table } from '../dom';
import { load, pageTitle, region, type PageContext } from '../view';

/** A figure as the API gives it: a number, a money map, or a map of figures (first/last touch). */
export function figure(value: unknown, kind: 'num' | 'pct' = 'num'): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') return kind === 'pct' ? fmt.pct(value) : fmt.num(value);
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '–';
    if (entries.every(([key, v]) => /^[A-Z]{3}$/.test(key) && typeof v === 'number'))
      return fmt.money(value as Record<string, number>);
    return entries.map(([key, v]) => `${key}: ${figure(v, kind)}`).join(' · ');
  }
  return String(value);
}

const total = (counts: Record<string, number> | undefined) =>
  Object.values(counts ?? {}).reduce((n, v) => n + v, 0);

export function campaignsPage(ctx: PageContext): Promise<void> {
  pageTitle(
    ctx.main,
    'Campaigns and sources',
    'How each campaign performs (members, responses, leads, won deals, revenue by first and last touch, cost) and which lead sources convert.',
  );
  const campaigns = region(ctx.main, 'campaigns');
  const sources = region(ctx.main, 'sources');
  return Promise.all([
    load(
      campaigns,
      () => get<CampaignAnalyticsAnswer>('/analytics/campaigns'),
      (answer) =>
        section(
          'Campaign performance',
          asOf(answer.position, answer.currency),
          chart('Response rate per campaign', {
            type: 'bar',
            data: {
              labels: answer.campaigns.map((c) => c.name ?? c.campaignId.slice(0, 8)),
              datasets: [
                {
                  label: 'response rate (%)',
                  data: answer.campaigns.map((c) => (c.responseRate ?? 0) * 100),
                  backgroundColor: PALETTE[3],
                },
              ],
            },
            options: {
              plugins: { legend: { display: false } },
              scales: { y: { beginAtZero: true } },
            },
          }),
          table(
            'Campaigns',
            [
              'Campaign',
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
            answer.campaigns.map((c) => [
              c.name ?? c.campaignId,
              fmt.int(c.members),
              `${fmt.int(total(c.responses))} (${figure(c.responses)})`,
              figure(c.responseRate, 'pct'),
              fmt.int(c.leads),
              fmt.int(c.dealsWon),
              figure(c.revenue),
              figure(c.cost),
              figure(c.costPerLead),
              figure(c.returnOnSpend),
            ]),
            { numeric: [1, 3, 4, 5, 6, 7, 8, 9], id: 'campaign-table' },
          ),
        ),
      { optionalEndpoint: true },
    ),
    load(
      sources,
      () => get<SourceAnalyticsAnswer>('/analytics/sources'),
      (answer) =>
        section(
          'Source effectiveness',
          asOf(answer.position, answer.currency),
          chart('Conversion rate per lead source', {
            type: 'bar',
            data: {
              labels: answer.sources.map(
                (s) => s.source + (s.campaignId ? ` / ${s.campaignId.slice(0, 8)}` : ''),
              ),
              datasets: [
                {
                  label: 'conversion rate (%)',
                  data: answer.sources.map((s) => (s.conversionRate ?? 0) * 100),
                  backgroundColor: PALETTE[1],
                },
              ],
            },
            options: {
              plugins: { legend: { display: false } },
              scales: { y: { beginAtZero: true } },
            },
          }),
          table(
            'Lead sources',
            [
              'Source',
              'Campaign',
              'Leads',
              'Conversion rate',
              'Median days to convert',
              'Revenue',
              'Share of revenue',
            ],
            answer.sources.map((s) => [
              s.source,
              s.campaignId ?? '–',
              fmt.int(s.leads),
              figure(s.conversionRate, 'pct'),
              figure(s.medianDaysToConvert),
              figure(s.revenue),
              figure(s.shareOfRevenue, 'pct'),
            ]),
            { numeric: [2, 3, 4, 5, 6], id: 'source-table' },
          ),
        ),
      { optionalEndpoint: true },
    ),
  ]).then(() => undefined);
}
