import type {
  ParkedAnswer,
  ProjectionStatusAnswer,
  ProjectionsAnswer,
} from '@rapport/contracts/read-api';
import { call, get } from '../api';
import { button, fmt, h, link, section, table } from '../dom';
import { failureMessage, load, pageTitle, region, type PageContext } from '../view';

const REFRESH_MS = 1000;
const WATCH_AFTER_ACTION_MS = 15_000;
/** Parked clients shown per page. */
const PARKED_PAGE = 25;

function progress(status: ProjectionStatusAnswer): Node {
  const rebuild = status.rebuild;
  if (!rebuild) return h('span', {}, '–');
  const share = rebuild.headPosition === 0 ? 1 : rebuild.position / rebuild.headPosition;
  return h(
    'div',
    { class: 'rebuild', 'data-rebuild-status': rebuild.status },
    h('progress', { max: 1, value: Math.min(1, share), 'aria-label': `rebuild of ${status.name}` }),
    h(
      'span',
      {},
      `${rebuild.status} · generation ${rebuild.generation} · ${fmt.int(rebuild.position)} / ${fmt.int(rebuild.headPosition)}`,
      rebuild.status === 'rebuilding'
        ? ` · ${fmt.int(rebuild.eventsPerSecond)} events/s${rebuild.etaSeconds !== null ? ` · ${fmt.int(rebuild.etaSeconds)} s left` : ''}`
        : '',
      rebuild.error ? ` · ${rebuild.error}` : '',
    ),
  );
}

export function projectionsPage(ctx: PageContext): Promise<void> {
  pageTitle(
    ctx.main,
    'Projections',
    'Each read model: the log position it has reached, how far behind the log it is, rebuilds (started beside the live one, swapped in when caught up) and clients whose events are parked.',
  );
  const notice = h('div', { 'aria-live': 'polite', class: 'notice' });
  ctx.main.append(notice);
  const target = region(ctx.main, 'projections');
  const parkedTarget = region(ctx.main, 'parked');
  let timer: ReturnType<typeof setTimeout> | undefined;
  let watchUntil = 0;

  const act = async (label: string, action: () => Promise<unknown>) => {
    notice.replaceChildren(h('p', {}, `${label}…`));
    watchUntil = Date.now() + WATCH_AFTER_ACTION_MS;
    try {
      await action();
      notice.replaceChildren(
        h('p', { class: 'message ok', role: 'status' }, `${label}: accepted.`),
      );
    } catch (error) {
      notice.replaceChildren(failureMessage(error, undefined));
    }
    await show();
  };

  const render = (answer: ProjectionsAnswer) => {
    clearTimeout(timer);
    // While one runs, and for a while after an action (a rebuild just started may not be
    // reported yet), the table refreshes itself.
    const running = answer.projections.some((p) => p.rebuild?.status === 'rebuilding');
    if (running || Date.now() < watchUntil)
      timer = setTimeout(() => {
        if (ctx.alive()) void refresh();
      }, REFRESH_MS);
    return [
      h('p', { class: 'as-of' }, `log head at position ${fmt.int(answer.headPosition)}`),
      table(
        'Projections',
        [
          'Projection',
          'Version',
          'Generation',
          'Status',
          'Position',
          'Lag',
          'Parked',
          'Rebuild',
          'Actions',
        ],
        answer.projections.map((p) => [
          h('strong', {}, p.name),
          fmt.int(p.version),
          fmt.int(p.generation),
          p.status + (p.error ? ` (${p.error})` : ''),
          fmt.int(p.position),
          `${fmt.int(p.lag.events)} events · ${fmt.num(p.lag.seconds)} s`,
          p.parked > 0 ? button(`${fmt.int(p.parked)} parked`, () => void showParked(p.name)) : '0',
          progress(p),
          h(
            'div',
            { class: 'actions' },
            button(
              'Start rebuild',
              () =>
                void act(`Rebuild of ${p.name}`, () =>
                  call('POST', `/admin/projections/${p.name}/rebuild`),
                ),
              {
                'data-action': 'rebuild',
                'data-projection': p.name,
                disabled: p.rebuild?.status === 'rebuilding',
              },
            ),
            button(
              'Cancel rebuild',
              () =>
                void act(`Cancel of ${p.name}'s rebuild`, () =>
                  call('DELETE', `/admin/projections/${p.name}/rebuild`),
                ),
              {
                'data-action': 'cancel',
                'data-projection': p.name,
                disabled:
                  p.rebuild?.status !== 'rebuilding' &&
                  !p.otherGenerations.some((g) => g.status === 'rebuilding'),
              },
            ),
          ),
        ]),
        { numeric: [1, 2, 4], id: 'projection-table' },
      ),
      ...answer.projections
        .filter((p) => p.otherGenerations.length > 0)
        .map((p) =>
          h(
            'p',
            { class: 'hint' },
            `${p.name}: beside the live generation, `,
            p.otherGenerations
              .map((g) => `generation ${g.generation} ${g.status} at ${fmt.int(g.position)}`)
              .join('; '),
          ),
        ),
    ];
  };

  /** A refresh keeps the table in place (no "Loading…" flash) and keyboard focus where it was. */
  const refresh = async () => {
    try {
      const answer = await get<ProjectionsAnswer>('/admin/projections');
      if (!ctx.alive()) return;
      const focused = document.activeElement as HTMLElement | null;
      const key = focused?.dataset.action
        ? `[data-action="${focused.dataset.action}"][data-projection="${focused.dataset.projection}"]`
        : null;
      target.replaceChildren(...render(answer));
      if (key) (target.querySelector(key) as HTMLElement | null)?.focus();
    } catch (error) {
      target.replaceChildren(failureMessage(error, () => void show()));
    }
  };
  const show = () => load(target, () => get<ProjectionsAnswer>('/admin/projections'), render);

  /** One page of a projection's parked clients (25 at a time, previous pages' cursors kept). */
  const showParked = (name: string, index = 0, cursors: (string | undefined)[] = [undefined]) =>
    load(
      parkedTarget,
      () =>
        get<ParkedAnswer>(`/admin/projections/${name}/parked`, {
          limit: PARKED_PAGE,
          cursor: cursors[index],
        }),
      (answer) => {
        if (answer.nextCursor) cursors[index + 1] = answer.nextCursor;
        // After a release the page is read again from its start: what was released is gone.
        const again = () => showParked(name);
        return section(
          `Parked clients of ${name}`,
          table(
            `Parked events of ${name}`,
            ['Key', 'Clients', 'Error', 'Parked at', 'Events', 'Positions', 'Release'],
            answer.parked.map((entry) => [
              h('code', {}, entry.key),
              h(
                'span',
                {},
                entry.customerIds.map((id) =>
                  link(`#/clients/${id}`, h('code', {}, id.slice(0, 8))),
                ),
              ),
              entry.error,
              fmt.time(entry.parkedAt),
              fmt.int(entry.events),
              `${fmt.int(entry.firstPosition)}–${fmt.int(entry.lastPosition)}`,
              h(
                'div',
                { class: 'actions' },
                button(
                  'Retry',
                  () =>
                    void act(`Release of ${entry.key}`, () =>
                      call(
                        'POST',
                        `/admin/projections/${name}/parked/${encodeURIComponent(entry.key)}/release`,
                      ),
                    ).then(again),
                ),
                button(
                  'Skip failing event',
                  () =>
                    void act(`Release of ${entry.key} (skipping its failing event)`, () =>
                      call(
                        'POST',
                        `/admin/projections/${name}/parked/${encodeURIComponent(entry.key)}/release`,
                        {
                          query: { mode: 'skip' },
                        },
                      ),
                    ).then(again),
                ),
              ),
            ]),
            { id: 'parked-table' },
          ),
          h(
            'nav',
            { class: 'pager', 'aria-label': 'Pages of parked clients' },
            index > 0
              ? button('← Previous page', () => void showParked(name, index - 1, cursors))
              : null,
            answer.nextCursor
              ? button('Next page →', () => void showParked(name, index + 1, cursors))
              : h('span', {}, 'Last page.'),
          ),
        );
      },
    );

  return show();
}
