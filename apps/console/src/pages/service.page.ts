import type { CasesAnswer, ServiceAnalyticsAnswer } from '@rapport/contracts/read-api';
import { get } from '../api';
import { chart, PALETTE } from '../charts';
import { asOf, fmt, h, link, section, table } from '../dom';
import { load, pagedTable, pageTitle, region, type PageContext } from '../view';

const hours = (median: number | null, p90: number | null) => `${fmt.num(median)} / ${fmt.num(p90)}`;

export function servicePage(ctx: PageContext): Promise<void> {
  pageTitle(
    ctx.main,
    'Service',
    'The service queue, most urgent first (past an SLA target, then the nearest deadline), and how well cases meet their targets.',
  );
  const overdue = h('input', { type: 'checkbox', id: 'overdue-only' });
  ctx.main.append(
    h('label', { class: 'inline', for: 'overdue-only' }, overdue, ' overdue cases only'),
  );
  const queue = region(ctx.main, 'queue');
  const figures = region(ctx.main, 'service-figures');
  const showQueue = () =>
    pagedTable(
      queue,
      {
        fetch: (cursor) =>
          get<CasesAnswer>('/cases', {
            limit: 25,
            cursor,
            overdue: overdue.checked ? 'true' : undefined,
          }),
        head: (first) => [
          h('h2', {}, 'Queue'),
          asOf(first.position, first.masked ? 'subjects masked for your role' : undefined),
        ],
        caption: 'Open cases, most urgent first',
        headers: [
          'Case',
          'Client',
          'Kind',
          'Severity',
          'Status',
          'Assignee',
          'Subject',
          'Opened',
          'Next deadline',
        ],
        id: 'case-table',
        rows: (page) =>
          page.items.map((c) => [
            h('code', {}, c.caseId.slice(0, 8)),
            link(`#/clients/${c.customerId}`, h('code', {}, c.customerId.slice(0, 8))),
            `${c.kind} · ${c.type ?? c.category}`,
            c.severity ?? '–',
            c.overdue
              ? h('strong', { class: 'overdue' }, `${c.status} (overdue)`)
              : c.status + (c.sla.paused ? ' (clock paused)' : ''),
            c.assigneeId ?? '–',
            c.subject ?? '–',
            fmt.time(c.openedAt),
            c.sla.nextDeadline
              ? `${fmt.time(c.sla.nextDeadline)} (${c.sla.nextTarget ?? ''})`
              : '–',
          ]),
      },
      { optionalEndpoint: true },
    );
  overdue.addEventListener('change', () => void showQueue());
  return Promise.all([
    showQueue(),
    load(
      figures,
      () => get<ServiceAnalyticsAnswer>('/analytics/service'),
      (answer) =>
        section(
          'SLA compliance',
          asOf(answer.position, `cases opened ${answer.from} to ${answer.to}`),
          chart('SLA compliance per kind and category', {
            type: 'bar',
            data: {
              labels: answer.groups.map((g) => `${g.kind} / ${g.category}`),
              datasets: [
                {
                  label: 'SLA compliance (%)',
                  data: answer.groups.map((g) => (g.slaCompliance ?? 0) * 100),
                  backgroundColor: PALETTE[1],
                },
              ],
            },
            options: {
              plugins: { legend: { display: false } },
              scales: { y: { min: 0, max: 100 } },
            },
          }),
          table(
            'Service figures per kind and category',
            [
              'Kind',
              'Category',
              'Opened',
              'Resolved',
              'Hours to first response (median / p90)',
              'Hours to resolution (median / p90)',
              'SLA compliance',
              'Reopen rate',
              'Satisfaction',
              'Outcomes',
            ],
            answer.groups.map((g) => [
              g.kind,
              g.category,
              fmt.int(g.opened),
              fmt.int(g.resolved),
              hours(g.medianHoursToFirstResponse, g.p90HoursToFirstResponse),
              hours(g.medianHoursToResolution, g.p90HoursToResolution),
              `${fmt.pct(g.slaCompliance)} (${fmt.int(g.slaMet)} met, ${fmt.int(g.slaMissed)} missed)`,
              fmt.pct(g.reopenRate),
              fmt.num(g.averageSatisfaction),
              Object.entries(g.outcomes)
                .map(([outcome, n]) => `${outcome} ${fmt.int(n)}`)
                .join(', ') || '–',
            ]),
            { numeric: [2, 3, 4, 5, 6, 7, 8], id: 'service-table' },
          ),
        ),
      { optionalEndpoint: true },
    ),
  ]).then(() => undefined);
}
