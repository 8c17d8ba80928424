import type { CustomerListAnswer, SegmentsAnswer } from '@rapport/contracts/read-api';
import { get } from '../api';
import { chart, PALETTE } from '../charts';
import { asOf, button, fmt, h, link, section, table } from '../dom';
import { load, pageTitle, region, type PageContext } from '../view';

/**
 * The classic RFM map: recency from left (long ago) to right (recent), frequency and money
 * from bottom to top. Each segment's cell area: [column, row, column span, row span].
 */
const GRID: Record<string, [number, number, number, number]> = {
  'cannot-lose-them': [1, 1, 1, 1],
  'at-risk': [1, 2, 2, 2],
  hibernating: [1, 4, 2, 2],
  'loyal-customers': [3, 1, 2, 2],
  champions: [5, 1, 1, 1],
  'need-attention': [3, 3, 1, 1],
  'about-to-sleep': [2, 4, 1, 1],
  'potential-loyalists': [4, 3, 2, 2],
  promising: [4, 5, 1, 1],
  'new-customers': [5, 5, 1, 1],
};

function rfmGrid(answer: SegmentsAnswer): HTMLElement {
  const counts = new Map(answer.segments.map((s) => [s.segment, s.customers]));
  // Shares of buyers: prospects (no purchase yet) have no place on the map.
  const buyers = [...counts].reduce((n, [segment, c]) => (segment === 'prospects' ? n : n + c), 0);
  const tiles = Object.entries(GRID).map(([segment, [column, row, columns, rows]]) => {
    const customers = counts.get(segment) ?? 0;
    const share = buyers === 0 ? 0 : customers / buyers;
    const tile = h(
      'a',
      { class: 'tile', href: `#/segments/${segment}`, 'data-segment': segment, role: 'listitem' },
      h('span', { class: 'tile-name' }, segment.replace(/-/g, ' ')),
      h('span', { class: 'tile-count' }, fmt.int(customers)),
      h('span', { class: 'tile-share' }, `${fmt.pct(share)} of buyers`),
    );
    tile.style.gridArea = `${row} / ${column} / span ${rows} / span ${columns}`;
    tile.style.backgroundColor = `hsl(168 55% ${Math.round(96 - share * 50)}%)`;
    return tile;
  });
  return h(
    'div',
    { class: 'rfm' },
    h(
      'div',
      {
        class: 'rfm-grid',
        role: 'list',
        'aria-label': 'RFM segments: recency left to right, frequency bottom to top',
      },
      tiles,
    ),
    h(
      'p',
      { class: 'axis' },
      '← last purchase long ago · recency · recent →   (higher: more frequent and more spent) · ',
      `${fmt.int(counts.get('prospects') ?? 0)} prospects (no purchase yet) are not on the map`,
    ),
  );
}

/** The Pareto curve as the rankings job computed it: cumulative revenue share by share of clients. */
function pareto(answer: SegmentsAnswer): HTMLElement {
  const curve = answer.paretoCurve;
  if (curve.length === 0) return h('p', { id: 'pareto-curve-empty' }, 'No revenue yet: no curve.');
  const points = [
    { x: 0, y: 0 },
    ...curve.map((p) => ({ x: p.clientShare * 100, y: p.revenueShare * 100 })),
  ];
  return h(
    'div',
    { id: 'pareto-curve' },
    chart(
      `Pareto curve: cumulative share of revenue against share of clients (highest revenue first); the top 20 % bring ${fmt.pct(answer.paretoTopShare)}`,
      {
        type: 'line',
        data: {
          datasets: [
            {
              label: 'cumulative share of revenue',
              data: points,
              borderColor: PALETTE[2],
              backgroundColor: 'rgba(180, 83, 9, 0.15)',
              pointRadius: 2,
              fill: true,
            },
            {
              label: 'even spread',
              data: [
                { x: 0, y: 0 },
                { x: 100, y: 100 },
              ],
              borderColor: '#9ca3af',
              borderDash: [4, 4],
              pointRadius: 0,
            },
          ],
        },
        options: {
          scales: {
            x: {
              type: 'linear',
              min: 0,
              max: 100,
              ticks: { maxTicksLimit: 6, callback: (v) => `${String(v)} %` },
              title: { display: true, text: '% of clients, by revenue (highest first)' },
            },
            y: {
              min: 0,
              max: 100,
              ticks: { maxTicksLimit: 6, callback: (v) => `${String(v)} %` },
              title: { display: true, text: '% of revenue' },
            },
          },
        },
      },
    ),
    h(
      'details',
      {},
      h('summary', {}, 'The curve’s points'),
      table(
        `Pareto curve, as of position ${fmt.int(answer.position)}`,
        ['Top clients', 'Share of revenue'],
        curve.map((p) => [fmt.pct(p.clientShare), fmt.pct(p.revenueShare)]),
        { numeric: [0, 1], id: 'pareto-points' },
      ),
    ),
  );
}

export function segmentsPage(ctx: PageContext): Promise<void> {
  pageTitle(
    ctx.main,
    'RFM segments',
    'Buyers by recency, frequency and money spent, in segments, and how concentrated revenue is (Pareto). Select a segment to list its clients.',
  );
  return load(
    region(ctx.main, 'segments'),
    () => get<SegmentsAnswer>('/analytics/segments'),
    (answer) => [
      asOf(answer.position, `figures of ${fmt.time(answer.asOf)}, ${answer.currency}`),
      section('RFM grid', rfmGrid(answer)),
      section(
        'Pareto',
        asOf(
          answer.position,
          `revenue of ${answer.currency}, by the figures of ${fmt.time(answer.asOf)}`,
        ),
        h(
          'p',
          { class: 'kpi-line' },
          'Top 20 % of clients: ',
          h('strong', { id: 'pareto' }, fmt.pct(answer.paretoTopShare)),
          ' of revenue',
        ),
        pareto(answer),
      ),
      section(
        'Segments',
        table(
          'Clients per segment',
          ['Segment', 'Clients'],
          answer.segments.map((s) => [
            link(`#/segments/${s.segment}`, s.segment),
            fmt.int(s.customers),
          ]),
          { numeric: [1], id: 'segment-table' },
        ),
      ),
    ],
  );
}

/** One segment's clients, a page at a time (limit + cursor). */
export function segmentMembersPage(ctx: PageContext): Promise<void> {
  const segment = ctx.params.segment ?? '';
  pageTitle(ctx.main, `Segment: ${segment}`, 'The clients of one RFM segment, a page at a time.');
  ctx.main.append(h('p', {}, link('#/segments', '← all segments')));
  return customerPages(region(ctx.main, 'members'), { segment });
}

/** Pages of GET /customers: previous pages' cursors kept, so the reader can go back. */
export function customerPages(target: HTMLElement, filter: Record<string, string>): Promise<void> {
  const cursors: (string | undefined)[] = [undefined];
  const show = (index: number): Promise<void> =>
    load(
      target,
      () => get<CustomerListAnswer>('/customers', { ...filter, limit: 25, cursor: cursors[index] }),
      (page) => {
        if (page.nextCursor) cursors[index + 1] = page.nextCursor;
        return [
          asOf(page.position, `page ${index + 1}`),
          table(
            'Clients',
            [
              'Client',
              'Name',
              'Company',
              'Status',
              'Owner',
              'Deals won',
              'Won value',
              'Churn risk',
            ],
            page.items.map((c) => [
              link(`#/clients/${c.customerId}`, h('code', {}, c.customerId.slice(0, 8))),
              c.name ?? '–',
              c.company ?? '–',
              c.status,
              c.ownerId ?? '–',
              fmt.int(c.deals.won),
              fmt.money(c.deals.wonValue),
              fmt.int(c.churnRisk.score),
            ]),
            { numeric: [5, 6, 7], id: 'clients' },
          ),
          h(
            'nav',
            { class: 'pager', 'aria-label': 'Pages' },
            index > 0 ? button('← Previous page', () => void show(index - 1)) : null,
            page.nextCursor
              ? button('Next page →', () => void show(index + 1))
              : h('span', {}, 'Last page.'),
          ),
        ];
      },
    );
  return show(0);
}
