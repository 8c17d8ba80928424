import { ApiFailure } from './api';
import { button, h } from './dom';

/** What a page gets: where to draw, and whether it is still the page shown (for polling). */
export interface PageContext {
  main: HTMLElement;
  params: Record<string, string>;
  /** False once the reader went to another page: stop refreshing. */
  alive(): boolean;
}

export interface LoadOptions {
  /** An endpoint other helpers add in this round: a 404 means this server has not got it. */
  optionalEndpoint?: boolean;
}

/** A clear message for a failed call: what happened and what the reader can do. */
export function failureMessage(
  error: unknown,
  retry: (() => void) | undefined,
  options: LoadOptions = {},
): HTMLElement {
  if (!(error instanceof ApiFailure)) {
    return h(
      'div',
      { class: 'message error', role: 'alert' },
      `Unexpected error: ${String(error)}`,
    );
  }
  const retryButton = retry ? button('Try again', retry) : null;
  switch (error.status) {
    case 401:
      return h(
        'div',
        { class: 'message error', role: 'alert', 'data-status': 401 },
        h('strong', {}, 'Not signed in (401). '),
        'The API refused the token: it is missing, invalid or expired. ',
        h('a', { href: '#/signin' }, 'Sign in again'),
        '.',
      );
    case 403:
      return h(
        'div',
        { class: 'message warn', role: 'alert', 'data-status': 403 },
        h('strong', {}, 'Not allowed (403). '),
        `Your role may not read this (${error.message}). `,
        'The refusal is recorded in the audit trail; ask an administrator for the role you need.',
      );
    case 503:
      return h(
        'div',
        { class: 'message info', role: 'alert', 'data-status': 503 },
        h('strong', {}, 'The read model is catching up (503). '),
        `${error.message}. `,
        error.retryAfter ? `Try again in ${error.retryAfter} s. ` : 'Try again in a moment. ',
        retryButton,
      );
    case 404:
      if (options.optionalEndpoint)
        return h(
          'div',
          { class: 'message info', role: 'status', 'data-status': 404 },
          h('strong', {}, 'Not available on this server. '),
          `This API does not answer ${error.path} yet (404): its version comes without this page's figures.`,
        );
      return h(
        'div',
        { class: 'message warn', role: 'alert', 'data-status': 404 },
        h('strong', {}, 'Not found (404). '),
        error.message,
      );
    case 0:
      return h(
        'div',
        { class: 'message error', role: 'alert', 'data-status': 0 },
        h('strong', {}, 'No answer. '),
        'The API could not be reached. ',
        retryButton,
      );
    default:
      return h(
        'div',
        { class: 'message error', role: 'alert', 'data-status': error.status },
        h('strong', {}, `Refused (${error.status}${error.code ? ` ${error.code}` : ''}). `),
        error.message,
        ' ',
        retryButton,
      );
  }
}

/**
 * Fills `target` with what `render` makes of `fetch`'s answer; "Loading…" meanwhile, and the
 * failure's message (with a retry where one helps) if the call fails.
 */
export async function load<T>(
  target: HTMLElement,
  fetch: () => Promise<T>,
  render: (value: T) => Node | Node[],
  options: LoadOptions = {},
): Promise<void> {
  target.setAttribute('aria-busy', 'true');
  target.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  try {
    const value = await fetch();
    const nodes = render(value);
    target.replaceChildren(...(Array.isArray(nodes) ? nodes : [nodes]));
  } catch (error) {
    target.replaceChildren(
      failureMessage(error, () => void load(target, fetch, render, options), options),
    );
  } finally {
    target.removeAttribute('aria-busy');
  }
}

/**
 * After "Load more", keyboard focus goes to the first of the rows it added (the button that
 * had it is gone), so reading and tabbing go on from there.
 */
export function focusFirstAdded(added: readonly Element[], wasLoadMore: boolean): void {
  const first = added[0] as HTMLElement | undefined;
  if (!wasLoadMore || !first) return;
  first.tabIndex = -1;
  first.focus();
}

export function pageTitle(main: HTMLElement, title: string, intro?: string): void {
  document.title = `${title} · Rapport console`;
  main.replaceChildren(h('h1', {}, title), intro ? h('p', { class: 'intro' }, intro) : '');
}

export function region(main: HTMLElement, id: string): HTMLElement {
  const element = h('div', { id, class: 'region', 'aria-live': 'polite' });
  main.append(element);
  return element;
}

type Cell = Node | string;

export interface PagedTable<P extends { nextCursor: string | null }> {
  fetch: (cursor: string | undefined) => Promise<P>;
  /** Drawn above the table from the first page (e.g. its position, a chart). */
  head?: (first: P) => Node[];
  caption: string;
  headers: string[];
  numeric?: number[];
  id: string;
  rows: (page: P) => Cell[][];
}

/**
 * A list read a page at a time: the first page draws the table, "Load more" appends the
 * next page (its cursor) below the rows already shown.
 */
export function pagedTable<P extends { nextCursor: string | null }>(
  target: HTMLElement,
  table: PagedTable<P>,
  options: LoadOptions = {},
): Promise<void> {
  const numeric = new Set(table.numeric ?? []);
  const body = h('tbody', {});
  const more = h('div', { class: 'pager' });
  let shown = 0;
  const next = async (cursor: string | undefined): Promise<void> => {
    more.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
    try {
      const page = await table.fetch(cursor);
      if (cursor === undefined)
        target.replaceChildren(
          ...(table.head?.(page) ?? []),
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { id: table.id },
              h('caption', {}, table.caption),
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  table.headers.map((title, i) =>
                    h('th', { scope: 'col', class: numeric.has(i) ? 'num' : undefined }, title),
                  ),
                ),
              ),
              body,
            ),
          ),
          more,
        );
      const rows = table.rows(page).map((cells) =>
        h(
          'tr',
          {},
          cells.map((cell, i) => h('td', { class: numeric.has(i) ? 'num' : undefined }, cell)),
        ),
      );
      shown += rows.length;
      body.append(...rows);
      focusFirstAdded(rows, cursor !== undefined);
      more.replaceChildren(
        page.nextCursor
          ? button('Load more', () => void next(page.nextCursor!), { class: 'more' })
          : h('p', { class: 'end' }, shown === 0 ? 'Nothing to show.' : 'End of the list.'),
      );
    } catch (error) {
      const message = failureMessage(error, () => void next(cursor), options);
      if (cursor === undefined) target.replaceChildren(message);
      else more.replaceChildren(message);
    }
  };
  target.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  return next(undefined);
}
