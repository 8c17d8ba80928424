import type { CasesAnswer, ServiceAnalyticsAnswer } from '@rapport/contracts/read-api';
import { get } from '../api';
import { chart, PALETTE } from '../charts';
import { asOf, button, fmt, h, link, section, table } from '../dom';
import { load, pageTitle, region, type PageContext } from '../view';
import { figure } from './campaigns.page';

export function servicePage(ctx: PageContext): Promise<void> {
  pageTitle(
    ctx.main,
    'Service',
    'The service queue, most urgent first, and how well cases meet their SLA targets (first response and resolution).',
  );
  const overdue = h('input', { type: 'checkbox', id: 'overdue-only' });
  ctx.main.append(
    h('label', { class: 'inline', for: 'overdue-only' }, overdue, ' overdue cases only'),
  );
  const queue = region(ctx.main, 'queue');
  const figures = region(ctx.main, 'service-figures');
  const cursors: (string | undefined)[] = [undefined];
  const showQueue = (index: number): Promise<void> =>
    load(
      queue,
      () =>
        get<CasesAnswer>('/cases', {
          limit: 25,
          cursor: cursors[index],
          overdue: overdue.checked ? 'true' : undefined,
        }),
      (page) => {
        if (page.nextCursor) cursors[index + 1] = page.nextCursor;
        return section(
          'Queue',
          asOf(page.position, `page ${index + 1}`),
          table(
            'Open cases, most urgent first',
            ['Case', 'Client', 'Kind', 'Severity', 'Status', 'Assignee', 'Opened', 'Due'],
            page.items.map((c) => [
              h('code', {}, c.caseId.slice(0, 8)),
              link(`#/clients/${c.customerId}`, h('code', {}, c.customerId.slice(0, 8))),
              [c.kind, c.type ?? c.category].filter(Boolean).join(' · '),
              c.severity ?? '–',
              c.overdue ? h('strong', { class: 'overdue' }, `${c.status} (overdue)`) : c.status,
              c.assigneeId ?? '–',
              fmt.time(c.openedAt),
              fmt.time(c.dueAt ?? null),
            ]),
            { id: 'case-table' },
          ),
          h(
            'nav',
            { class: 'pager', 'aria-label': 'Queue pages' },
            index > 0 ? button('← Previous page', () => void showQueue(index - 1)) : null,
            page.nextCursor
              ? button('Next page →', () => void showQueue(index + 1))
              : h('span', {}, 'Last page.'),
          ),
        );
      },
      { optionalEndpoint: true },
    );
  overdue.addEventListener('change', () => {
    cursors.splice(1);
    void showQueue(0);
  });
  return Promise.all([
    showQueue(0),
    load(
      figures,
      () => get<ServiceAnalyticsAnswer>('/analytics/service'),
      (answer) =>
        section(
          'SLA compliance',
          asOf(answer.position),
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
              'First response h (median / p90)',
              'Resolution h (median / p90)',
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
              `${figure(g.firstResponseHours?.median)} / ${figure(g.firstResponseHours?.p90)}`,
              `${figure(g.resolutionHours?.median)} / ${figure(g.resolutionHours?.p90)}`,
              figure(g.slaCompliance, 'pct'),
              figure(g.reopenRate, 'pct'),
              figure(g.averageSatisfaction),
              figure(g.outcomes),
            ]),
            { numeric: [2, 3, 4, 5, 6, 7, 8], id: 'service-table' },
          ),
        ),
      { optionalEndpoint: true },
    ),
  ]).then(() => undefined);
}
