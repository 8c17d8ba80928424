import type { RetentionAnswer } from '@rapport/contracts/read-api';
import { get } from '../api';
import { chart, PALETTE } from '../charts';
import { asOf, fmt, h, section, table } from '../dom';
import { load, pageTitle, region, type PageContext } from '../view';

/** Darker blue for higher retention; the share is also written in the cell. */
function heat(share: number): string {
  const lightness = Math.round(96 - share * 58);
  return `hsl(217 70% ${lightness}%)`;
}

function heatmap(answer: RetentionAnswer): HTMLElement {
  const months = Math.max(0, ...answer.cohorts.map((c) => c.retention.length));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'heatmap', id: 'cohorts' },
      h('caption', {}, 'Share of each monthly cohort still a customer, by months since conversion'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Cohort'),
          h('th', { scope: 'col', class: 'num' }, 'Size'),
          Array.from({ length: months }, (_, m) =>
            h('th', { scope: 'col', class: 'num' }, `M${m}`),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        answer.cohorts.map((cohort) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, cohort.cohort),
            h('td', { class: 'num' }, fmt.int(cohort.size)),
            Array.from({ length: months }, (_, m) => {
              const share = cohort.retention[m];
              if (share === undefined) return h('td', { class: 'cell-empty' }, '');
              const cell = h(
                'td',
                { class: `num heat${share > 0.55 ? ' dark' : ''}` },
                fmt.pct(share),
              );
              cell.style.backgroundColor = heat(share);
              return cell;
            }),
          ),
        ),
      ),
    ),
  );
}

export function retentionPage(ctx: PageContext): Promise<void> {
  pageTitle(
    ctx.main,
    'Retention',
    'Monthly acquisition cohorts (month of first conversion) and the share of each still a customer, month by month; the churn rate.',
  );
  return load(
    region(ctx.main, 'retention'),
    () => get<RetentionAnswer>('/analytics/retention'),
    (answer) => [
      asOf(answer.position),
      h(
        'div',
        { class: 'kpis' },
        h(
          'div',
          { class: 'kpi' },
          h('span', { class: 'kpi-label' }, 'Churn rate (all customers ever acquired)'),
          h('span', { class: 'kpi-value', id: 'churn-rate' }, fmt.pct(answer.churnRate)),
        ),
        h(
          'div',
          { class: 'kpi' },
          h('span', { class: 'kpi-label' }, 'Cohorts'),
          h('span', { class: 'kpi-value' }, fmt.int(answer.cohorts.length)),
        ),
      ),
      section('Cohort heatmap', heatmap(answer)),
      section(
        'Churn rate by month',
        chart('Monthly churn rate', {
          type: 'line',
          data: {
            labels: answer.monthly.map((m) => m.month),
            datasets: [
              {
                label: 'churn rate',
                data: answer.monthly.map((m) => m.churnRate * 100),
                borderColor: PALETTE[4],
                backgroundColor: PALETTE[4],
              },
            ],
          },
          options: { scales: { y: { beginAtZero: true, title: { display: true, text: '%' } } } },
        }),
        table(
          'Monthly churn',
          ['Month', 'Active at start', 'Acquired', 'Churned', 'Churn rate'],
          answer.monthly.map((m) => [
            m.month,
            fmt.int(m.activeAtStart),
            fmt.int(m.acquired),
            fmt.int(m.churned),
            fmt.pct(m.churnRate),
          ]),
          { numeric: [1, 2, 3, 4] },
        ),
      ),
    ],
  );
}
