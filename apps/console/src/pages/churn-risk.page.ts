import type { ChurnRiskAnswer } from '@rapport/contracts/read-api';
import { get } from '../api';
import { asOf, button, fmt, h, link, section } from '../dom';
import { failureMessage, focusFirstAdded, pageTitle, region, type PageContext } from '../view';

const PAGE = 25;

function row(rank: number, c: ChurnRiskAnswer['customers'][number]): HTMLElement {
  return h(
    'tr',
    {},
    h('td', { class: 'num' }, fmt.int(rank)),
    h('td', {}, link(`#/clients/${c.customerId}`, h('code', {}, c.customerId.slice(0, 8)))),
    h('td', {}, c.status),
    h('td', {}, c.ownerId ?? '–'),
    h(
      'td',
      { class: 'num' },
      h('meter', { min: 0, max: 100, low: 40, high: 70, optimum: 0, value: c.score }),
      ` ${c.score}`,
    ),
    h(
      'td',
      {},
      h(
        'ul',
        { class: 'reasons' },
        c.reasons.map((r) => h('li', {}, r)),
      ),
    ),
  );
}

/** The ranking a page at a time: "Load more" appends the next page (its cursor). */
export async function churnRiskPage(ctx: PageContext): Promise<void> {
  pageTitle(
    ctx.main,
    'Churn risk',
    'Leads and customers ranked by churn risk, highest first, with the reasons behind each score.',
  );
  const target = region(ctx.main, 'churn-risk');
  const body = h('tbody', {});
  const more = h('div', { class: 'pager' });
  let shown = 0;
  const next = async (cursor: string | undefined): Promise<void> => {
    more.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
    try {
      const page = await get<ChurnRiskAnswer>('/analytics/churn-risk', { limit: PAGE, cursor });
      if (cursor === undefined)
        target.replaceChildren(
          asOf(page.position, 'scored now'),
          section(
            'Ranking',
            h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { id: 'ranking' },
                h('caption', {}, 'Clients by churn risk'),
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    ['#', 'Client', 'Status', 'Owner', 'Score', 'Reasons'].map((title, i) =>
                      h(
                        'th',
                        { scope: 'col', class: i === 0 || i === 4 ? 'num' : undefined },
                        title,
                      ),
                    ),
                  ),
                ),
                body,
              ),
            ),
            more,
          ),
        );
      const rows = page.customers.map((c) => row(++shown, c));
      body.append(...rows);
      focusFirstAdded(rows, cursor !== undefined);
      more.replaceChildren(
        page.nextCursor
          ? button(`Load ${PAGE} more`, () => void next(page.nextCursor!), { class: 'more' })
          : h('p', { class: 'end' }, shown === 0 ? 'Nobody at risk.' : 'End of the ranking.'),
      );
    } catch (error) {
      const message = failureMessage(error, () => void next(cursor));
      if (cursor === undefined) target.replaceChildren(message);
      else more.replaceChildren(message);
    }
  };
  target.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  await next(undefined);
}
