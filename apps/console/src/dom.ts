type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | null | EventListener>;

/**
 * An element with attributes and children. Text is always set as text (never parsed as
 * HTML), so data from the API cannot inject markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function clear(element: Element, ...children: (Child | Child[])[]): void {
  element.replaceChildren();
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

export const fmt = {
  int: (n: number | null | undefined) => (n === null || n === undefined ? '–' : integer.format(n)),
  num: (n: number | null | undefined) => (n === null || n === undefined ? '–' : decimal.format(n)),
  pct: (n: number | null | undefined) =>
    n === null || n === undefined ? '–' : `${decimal.format(Math.round(n * 1000) / 10)} %`,
  money(money: Record<string, number> | undefined): string {
    const entries = Object.entries(money ?? {});
    if (entries.length === 0) return '–';
    return entries
      .map(([currency, amount]) => {
        try {
          return new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount);
        } catch {
          return `${currency} ${decimal.format(amount)}`;
        }
      })
      .join(' · ');
  },
  date: (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '–'),
  time: (iso: string | null | undefined) =>
    iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '–',
};

/** "as of position N": the read model position every figure reflects. */
export function asOf(position: number | undefined | null, extra?: string): HTMLElement {
  return h(
    'p',
    { class: 'as-of' },
    position === undefined || position === null
      ? 'position not reported'
      : `as of position ${integer.format(position)}`,
    extra ? ` · ${extra}` : null,
  );
}

/** A table with a caption; rows of cells (text or nodes). */
export function table(
  caption: string,
  headers: string[],
  rows: (Child | Child[])[][],
  options: { numeric?: number[]; id?: string } = {},
): HTMLElement {
  const numeric = new Set(options.numeric ?? []);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id: options.id },
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((title, i) =>
            h('th', { scope: 'col', class: numeric.has(i) ? 'num' : undefined }, title),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        rows.length === 0
          ? h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, 'Nothing to show.'))
          : rows.map((cells) =>
              h(
                'tr',
                {},
                cells.map((cell, i) =>
                  h('td', { class: numeric.has(i) ? 'num' : undefined }, cell),
                ),
              ),
            ),
      ),
    ),
  );
}

export function section(title: string, ...children: (Child | Child[])[]): HTMLElement {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': id },
    h('h2', { id }, title),
    ...children,
  );
}

export function button(label: string, onClick: () => void, attrs: Attrs = {}): HTMLButtonElement {
  return h('button', { type: 'button', ...attrs, onclick: () => onClick() }, label);
}

export function link(href: string, label: Child): HTMLAnchorElement {
  return h('a', { href }, label);
}
