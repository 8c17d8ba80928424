import type {
  AuditTrailAnswer,
  AuditTrailEntry,
  Customer360Answer,
  TimelineAnswer,
  TimelineEntry,
} from '@rapport/contracts/read-api';
import { get } from '../api';
import { asOf, button, fmt, h, section } from '../dom';
import { session } from '../session';
import {
  failureMessage,
  focusFirstAdded,
  load,
  pageTitle,
  region,
  type PageContext,
} from '../view';
import { customerPages } from './segments.page';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Find a client by id; readers of client data also get the list, a page at a time. */
export function clientsPage(ctx: PageContext): Promise<void> {
  pageTitle(ctx.main, 'Clients', "Open a client's 360 view, timeline and audit trail by id.");
  const input = h('input', {
    id: 'client-id',
    name: 'client-id',
    required: true,
    pattern: UUID.source.slice(1, -1),
    placeholder: '00000000-0000-0000-0000-000000000000',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const form = h(
    'form',
    { class: 'inline-form', 'aria-label': 'Open a client' },
    h('label', { for: 'client-id' }, 'Client id'),
    input,
    h('button', { type: 'submit' }, 'Open'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = input.value.trim();
    if (UUID.test(id)) location.hash = `#/clients/${id.toLowerCase()}`;
  });
  ctx.main.append(form);
  if (!session.may('customer:read')) return Promise.resolve();
  const status = h(
    'select',
    { id: 'status-filter' },
    ['', 'lead', 'customer', 'churned', 'erased'].map((s) =>
      h('option', { value: s }, s || 'any status'),
    ),
  );
  const list = h('div', { class: 'region' });
  status.addEventListener(
    'change',
    () => void customerPages(list, status.value ? { status: status.value } : {}),
  );
  ctx.main.append(section('All clients', h('label', { class: 'inline' }, 'Status ', status), list));
  return customerPages(list, {});
}

const kv = (pairs: [string, string | Node][]) =>
  h(
    'dl',
    { class: 'kv' },
    pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );

function profile(view: Customer360Answer): Node[] {
  return [
    asOf(view.position, view.masked ? 'personal data masked for your role' : undefined),
    h(
      'div',
      { class: 'columns' },
      kv([
        ['Name', view.profile.name ?? '–'],
        ['Email', view.profile.email ?? '–'],
        ['Phone', view.profile.phone ?? '–'],
        ['Company', view.profile.company ?? '–'],
        ['Status', view.status],
        ['Owner', view.ownerId ?? '–'],
        ['Source', view.source ?? '–'],
        ['Created', fmt.date(view.createdAt)],
      ]),
      kv([
        [
          'Contacts',
          `${fmt.int(view.contacts.total)} (last ${fmt.date(view.contacts.lastContactAt)})`,
        ],
        ['Deals', `${view.deals.open} open · ${view.deals.won} won · ${view.deals.lost} lost`],
        ['Won value', fmt.money(view.deals.wonValue)],
        ['Open value', fmt.money(view.deals.openValue)],
        ['Complaints', `${view.complaints.open} open · ${view.complaints.resolved} resolved`],
        ['Segment', view.segment ?? '–'],
        ['Churn risk', `${view.churnRisk.score} / 100`],
        [
          'Consents',
          Object.entries(view.consents)
            .map(([purpose, granted]) => `${purpose}: ${granted ? 'yes' : 'no'}`)
            .join(', ') || '–',
        ],
      ]),
    ),
    view.churnRisk.reasons.length > 0
      ? h(
          'ul',
          { class: 'reasons' },
          view.churnRisk.reasons.map((r) => h('li', {}, r)),
        )
      : h('p', {}, 'No churn warning sign.'),
  ];
}

function timelineItem(entry: TimelineEntry): HTMLElement {
  const facts = Object.entries(entry.facts)
    .filter(([, value]) => value !== null && value !== '')
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join(' · ');
  const text = Object.entries(entry.text)
    .map(([name, value]) => `${name}: ${value ?? '[erased]'}`)
    .join(' · ');
  const state = entry.planned ? (entry.overdue ? 'overdue' : 'planned') : 'done';
  return h(
    'li',
    { class: `event ${state}` },
    h('time', { datetime: entry.at }, fmt.time(entry.at)),
    h('span', { class: `badge ${state}` }, entry.planned ? state : entry.kind),
    h('strong', {}, entry.type),
    facts ? h('span', { class: 'facts' }, facts) : null,
    text ? h('span', { class: 'text' }, text) : null,
  );
}

/** A list read a page at a time: "Load more" appends the next page (the cursor). */
function pagedList<T extends { nextCursor: string | null }>(
  target: HTMLElement,
  fetch: (cursor: string | undefined) => Promise<T>,
  render: (page: T, first: boolean) => { head?: Node[]; items: Node[] },
  listTag: 'ol' | 'ul',
  listClass: string,
): Promise<void> {
  const list = h(listTag, { class: listClass });
  const more = h('div', { class: 'pager' });
  const next = async (cursor: string | undefined, first: boolean): Promise<void> => {
    more.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
    try {
      const page = await fetch(cursor);
      const { head, items } = render(page, first);
      if (first) target.replaceChildren(...(head ?? []), list, more);
      list.append(...items);
      focusFirstAdded(items as Element[], !first);
      more.replaceChildren(
        page.nextCursor
          ? button('Load more', () => void next(page.nextCursor!, false), { class: 'more' })
          : h(
              'p',
              { class: 'end' },
              items.length === 0 && first ? 'Nothing recorded.' : 'End of the list.',
            ),
      );
    } catch (error) {
      const message = failureMessage(error, () => void next(cursor, first));
      if (first) target.replaceChildren(message);
      else more.replaceChildren(message);
    }
  };
  target.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  return next(undefined, true);
}

/** Changed fields, without the ids of the deals or contacts they belong to: "deals.amount". */
const fieldsOf = (changes: { field: string }[]) => [
  ...new Set(changes.map((c) => c.field.replace(/\.[0-9a-f]{8}-[0-9a-f-]{27}(?=\.|$)/g, ''))),
];

function trailItem(entry: AuditTrailEntry): HTMLElement {
  const what =
    entry.kind === 'change'
      ? `${entry.type}${entry.changes && entry.changes.length > 0 ? `: ${fieldsOf(entry.changes).join(', ')}` : ''}`
      : entry.kind === 'view'
        ? `saw ${entry.view ?? 'client data'}${entry.fieldsMasked && entry.fieldsMasked.length > 0 ? ' (masked)' : ''}`
        : `was refused ${entry.permission ?? ''}`;
  return h(
    'li',
    { class: `trail ${entry.kind}`, 'data-actor': entry.actor, 'data-kind': entry.kind },
    h('time', { datetime: entry.at }, fmt.time(entry.at)),
    h('span', { class: `badge ${entry.kind}` }, entry.kind),
    h('strong', { class: 'actor' }, entry.actor),
    h('span', { class: 'roles' }, `(${entry.roles.join(', ')})`),
    h('span', {}, what),
    entry.purpose ? h('span', { class: 'purpose' }, `why: “${entry.purpose}”`) : null,
  );
}

export function clientPage(ctx: PageContext): Promise<void> {
  const id = ctx.params.id ?? '';
  pageTitle(ctx.main, 'Client 360', undefined);
  ctx.main.append(h('p', { class: 'intro' }, 'Client ', h('code', { id: 'client-id-shown' }, id)));
  const view = region(ctx.main, 'profile');
  const timeline = region(ctx.main, 'timeline');
  const trail = region(ctx.main, 'trail');
  const profileSection = section('Profile and figures', view);
  const timelineSection = section('Timeline (planned and past)', timeline);
  const refresh = button('Refresh the trail', () => void showTrail());
  const trailSection = section(
    'Audit trail (who changed or saw this client, when and why)',
    h(
      'p',
      { class: 'hint' },
      'Chronological; your own reads of this client are recorded too.',
      ' ',
      refresh,
    ),
    trail,
  );
  ctx.main.append(profileSection, timelineSection, trailSection);
  const showTrail = () =>
    pagedList(
      trail,
      (cursor) => get<AuditTrailAnswer>(`/audit/customers/${id}`, { limit: 50, cursor }),
      (page) => ({ items: page.entries.map(trailItem) }),
      'ol',
      'trail-list',
    );
  return Promise.all([
    load(view, () => get<Customer360Answer>(`/customers/${id}`), profile),
    pagedList(
      timeline,
      (cursor) => get<TimelineAnswer>(`/customers/${id}/timeline`, { limit: 25, cursor }),
      (page, first) => ({
        ...(first && {
          head: [
            asOf(
              page.position,
              page.masked ? 'personal text masked for your role' : 'newest first',
            ),
          ],
        }),
        items: page.entries.map(timelineItem),
      }),
      'ol',
      'timeline-list',
    ),
    showTrail(),
  ]).then(() => undefined);
}
