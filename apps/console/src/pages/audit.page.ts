import type { DenialsAnswer, ExportsAnswer, IntegrityAnswer } from '@rapport/contracts/read-api';
import { get } from '../api';
import { fmt, h, link, section } from '../dom';
import { load, pagedTable, pageTitle, region, type PageContext } from '../view';

const PAGE = 50;

/** What an auditor starts from: the log's integrity, refused accesses, bulk exports. */
export function auditPage(ctx: PageContext): Promise<void> {
  pageTitle(
    ctx.main,
    'Audit',
    "Whether the log is intact (its hash chain), every refused access and every bulk export. A client's own trail is on the client's page.",
  );
  const integrity = region(ctx.main, 'integrity');
  const denials = region(ctx.main, 'denials');
  const exports = region(ctx.main, 'exports');
  return Promise.all([
    load(
      integrity,
      () => get<IntegrityAnswer>('/audit/integrity'),
      (answer) =>
        section(
          'Integrity of the log',
          h(
            'p',
            {
              class: `message ${answer.verification.status === 'broken' ? 'error' : 'ok'}`,
              id: 'integrity-status',
            },
            h('strong', {}, `Hash chain ${answer.verification.status}. `),
            answer.verification.problem
              ? `${answer.verification.problem.kind} at position ${fmt.int(answer.verification.problem.position)}: ${answer.verification.problem.message}`
              : answer.verification.at
                ? `Verified ${fmt.time(answer.verification.at)}.`
                : 'The first verification is running.',
          ),
          h(
            'p',
            { class: 'as-of' },
            `head at position ${fmt.int(answer.head.position)} · `,
            answer.lastCheckpoint
              ? `last sealed checkpoint at position ${fmt.int(answer.lastCheckpoint.position)} (${fmt.time(answer.lastCheckpoint.sealedAt)})`
              : 'no sealed checkpoint yet',
          ),
        ),
    ),
    pagedTable(denials, {
      fetch: (cursor) => get<DenialsAnswer>('/audit/denials', { limit: PAGE, cursor }),
      head: () => [h('h2', {}, 'Refused accesses (403)')],
      caption: 'Refused accesses, oldest first',
      headers: ['When', 'Who', 'Roles', 'Request', 'Permission', 'Client', 'Purpose'],
      id: 'denial-table',
      rows: (page) =>
        page.entries.map((e) => [
          fmt.time(e.at),
          e.actor,
          e.roles.join(', '),
          e.request ?? '–',
          e.permission ?? '–',
          e.customerId
            ? link(`#/clients/${e.customerId}`, h('code', {}, e.customerId.slice(0, 8)))
            : '–',
          e.purpose ?? '–',
        ]),
    }),
    pagedTable(exports, {
      fetch: (cursor) => get<ExportsAnswer>('/audit/exports', { limit: PAGE, cursor }),
      head: () => [h('h2', {}, 'Bulk exports')],
      caption: 'Bulk exports of client data, oldest first',
      headers: ['When', 'Who', 'Export', 'Records', 'Personal data', 'Destination'],
      numeric: [3],
      id: 'export-table',
      rows: (page) =>
        page.entries.map((e) => [
          fmt.time(e.at),
          e.actor,
          e.export,
          fmt.int(e.count),
          e.personalData ? 'yes' : 'no',
          e.destination,
        ]),
    }),
  ]).then(() => undefined);
}
