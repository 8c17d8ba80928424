import type { Money, PipelineAnswer } from '@rapport/contracts/read-api';
import { get } from '../api';
import { chart, PALETTE } from '../charts';
import { asOf, fmt, h, section, table } from '../dom';
import { load, pageTitle, region, type PageContext } from '../view';

const currenciesOf = (answer: PipelineAnswer): string[] => {
  const all = new Set<string>();
  for (const stage of answer.stages)
    for (const currency of Object.keys(stage.amount)) all.add(currency);
  return [...all].sort();
};

const kpi = (label: string, value: string) =>
  h(
    'div',
    { class: 'kpi' },
    h('span', { class: 'kpi-label' }, label),
    h('span', { class: 'kpi-value' }, value),
  );

function forecast(answer: PipelineAnswer, currency: string): HTMLElement {
  const amount = (money: Money) => money[currency] ?? 0;
  return chart(`Open amount and weighted forecast per stage, ${currency}`, {
    type: 'bar',
    data: {
      labels: answer.stages.map((s) => s.stage),
      datasets: [
        {
          label: `amount (${currency})`,
          data: answer.stages.map((s) => amount(s.amount)),
          backgroundColor: PALETTE[0],
        },
        {
          label: `weighted (${currency})`,
          data: answer.stages.map((s) => amount(s.weightedAmount)),
          backgroundColor: PALETTE[1],
        },
      ],
    },
    options: { scales: { y: { beginAtZero: true } } },
  });
}

export function pipelinePage(ctx: PageContext): Promise<void> {
  pageTitle(
    ctx.main,
    'Pipeline',
    'Open deals per stage (the funnel), their amount and the weighted forecast; won and lost deals, win rate and cycle time. Sales see their own deals.',
  );
  return load(
    region(ctx.main, 'pipeline'),
    () => get<PipelineAnswer>('/pipeline'),
    (answer) => {
      const currencies = currenciesOf(answer);
      const forecastBox = h('div', {});
      const draw = (currency: string) => forecastBox.replaceChildren(forecast(answer, currency));
      if (currencies.length > 0) draw(currencies.includes('EUR') ? 'EUR' : currencies[0]!);
      const picker =
        currencies.length > 1
          ? h(
              'label',
              { class: 'inline' },
              'Currency ',
              h(
                'select',
                { onchange: (event: Event) => draw((event.target as HTMLSelectElement).value) },
                currencies.map((c) => h('option', { value: c, selected: c === 'EUR' }, c)),
              ),
            )
          : null;
      return [
        asOf(answer.position, answer.ownerId ? `deals of ${answer.ownerId} only` : 'every owner'),
        h(
          'div',
          { class: 'kpis' },
          kpi('Open deals', fmt.int(answer.stages.reduce((n, s) => n + s.count, 0))),
          kpi('Won', `${fmt.int(answer.won.count)} · ${fmt.money(answer.won.amount)}`),
          kpi('Lost', fmt.int(answer.lost.count)),
          kpi('Win rate', fmt.pct(answer.winRate)),
          kpi(
            'Average cycle',
            answer.averageCycleDays === null ? '–' : `${fmt.num(answer.averageCycleDays)} days`,
          ),
        ),
        section(
          'Funnel',
          chart('Open deals per stage', {
            type: 'bar',
            data: {
              labels: answer.stages.map((s) => s.stage),
              datasets: [
                {
                  label: 'open deals',
                  data: answer.stages.map((s) => s.count),
                  backgroundColor: PALETTE[0],
                },
              ],
            },
            options: { indexAxis: 'y', plugins: { legend: { display: false } } },
          }),
          table(
            'Open deals per stage',
            ['Stage', 'Deals', 'Amount', 'Weighted forecast'],
            answer.stages.map((s) => [
              s.stage,
              fmt.int(s.count),
              fmt.money(s.amount),
              fmt.money(s.weightedAmount),
            ]),
            { numeric: [1, 2, 3], id: 'stages' },
          ),
        ),
        section('Weighted forecast', picker, forecastBox),
        section(
          'Per owner',
          table(
            'Pipeline per owner',
            ['Owner', 'Open', 'Amount', 'Weighted', 'Won', 'Lost', 'Win rate', 'Cycle days'],
            answer.owners.map((o) => [
              o.ownerId ?? '(no owner)',
              fmt.int(o.open),
              fmt.money(o.amount),
              fmt.money(o.weightedAmount),
              fmt.int(o.won),
              fmt.int(o.lost),
              fmt.pct(o.winRate),
              fmt.num(o.averageCycleDays),
            ]),
            { numeric: [1, 2, 3, 4, 5, 6, 7], id: 'owners' },
          ),
        ),
      ];
    },
  );
}
