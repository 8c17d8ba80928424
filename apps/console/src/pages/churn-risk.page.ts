import type { ChurnRiskAnswer } from '@rapport/contracts/read-api';
import { get } from '../api';
import { asOf, button, fmt, h, link, section, table } from '../dom';
import { load, pageTitle, region, type PageContext } from '../view';

const STEP = 25;
/** The API ranks at most this many clients in one answer. */
const MOST = 1000;

/**
 * The ranking is computed for "now" and has no cursor: a longer page is asked for instead
 * (25 more each time, up to the API's 1,000), never the whole collection.
 */
export function churnRiskPage(ctx: PageContext): Promise<void> {
  pageTitle(
    ctx.main,
    'Churn risk',
    'Leads and customers ranked by churn risk, highest first, with the reasons behind each score.',
  );
  const target = region(ctx.main, 'churn-risk');
  const show = (limit: number): Promise<void> =>
    load(
      target,
      () => get<ChurnRiskAnswer>('/analytics/churn-risk', { limit }),
      (answer) => [
        asOf(answer.position, `top ${fmt.int(answer.customers.length)}`),
        section(
          'Ranking',
          table(
            'Clients by churn risk',
            ['#', 'Client', 'Status', 'Owner', 'Score', 'Reasons'],
            answer.customers.map((c, i) => [
              fmt.int(i + 1),
              link(`#/clients/${c.customerId}`, h('code', {}, c.customerId.slice(0, 8))),
              c.status,
              c.ownerId ?? '–',
              h('meter', {
                min: 0,
                max: 100,
                low: 40,
                high: 70,
                optimum: 0,
                value: c.score,
                title: `${c.score}`,
              }),
              h(
                'ul',
                { class: 'reasons' },
                c.reasons.map((r) => h('li', {}, r)),
              ),
            ]),
            { numeric: [0, 4], id: 'ranking' },
          ),
          answer.customers.length >= limit && limit < MOST
            ? button(`Show ${STEP} more`, () => void show(Math.min(MOST, limit + STEP)), {
                class: 'more',
              })
            : h('p', { class: 'end' }, 'End of the ranking.'),
        ),
      ],
    );
  return show(STEP);
}
