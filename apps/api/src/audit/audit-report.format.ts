import type { AuditEntryDocument, FieldChange } from '@rapport/read-models';

/** One line of a client's audit report: who saw or changed what, when, and why. */
export interface AuditReportLine {
  /** When the log recorded it. */
  at: string;
  /** When it happened (business time; differs from `at` for imported history). */
  occurredAt: string;
  kind: AuditEntryDocument['kind'];
  /** The fact recorded: LeadCreated, CustomerDataViewed, AccessDenied... */
  type: string;
  actor: string;
  actorKind: string;
  roles: string[];
  /** Why: the purpose the reader declared (X-Purpose), or the reason a change gives. */
  purpose: string | null;
  reason: string | null;
  /** What: the record changed, or the view shown and its personal fields, or what was refused. */
  record: string;
  /** Changes: each field set, from what to what (personal values as the reader may see them). */
  changes: FieldChange[];
  view: string | null;
  fieldsShown: string[];
  fieldsMasked: string[];
  permission: string | null;
  request: string | null;
  source: string;
  correlationId: string;
  eventId: string;
  position: number;
}

export function reportLine(
  entry: AuditEntryDocument,
  reason?: string,
  changes?: FieldChange[],
): AuditReportLine {
  return {
    at: entry.at,
    occurredAt: entry.occurredAt ?? entry.at,
    kind: entry.kind,
    type: entry.type,
    actor: entry.actor.id,
    actorKind: entry.actor.kind,
    roles: entry.actor.roles,
    purpose: entry.purpose ?? null,
    reason: reason ?? null,
    record: entry.streamId,
    changes: changes ?? [],
    view: entry.view ?? null,
    fieldsShown: entry.fieldsShown ?? [],
    fieldsMasked: entry.fieldsMasked ?? [],
    permission: entry.permission ?? null,
    request: entry.request ?? null,
    source: entry.source,
    correlationId: entry.correlationId,
    eventId: entry.eventId,
    position: entry.position,
  };
}

const COLUMNS: { header: string; value: (line: AuditReportLine) => string }[] = [
  { header: 'at', value: (l) => l.at },
  { header: 'occurred_at', value: (l) => l.occurredAt },
  { header: 'kind', value: (l) => l.kind },
  { header: 'type', value: (l) => l.type },
  { header: 'actor', value: (l) => l.actor },
  { header: 'actor_kind', value: (l) => l.actorKind },
  { header: 'roles', value: (l) => l.roles.join(' ') },
  { header: 'purpose', value: (l) => l.purpose ?? '' },
  { header: 'reason', value: (l) => l.reason ?? '' },
  { header: 'record', value: (l) => l.record },
  { header: 'changes', value: (l) => l.changes.map(describeChange).join('; ') },
  { header: 'view', value: (l) => l.view ?? '' },
  { header: 'fields_shown', value: (l) => l.fieldsShown.join(' ') },
  { header: 'fields_masked', value: (l) => l.fieldsMasked.join(' ') },
  { header: 'permission', value: (l) => l.permission ?? '' },
  { header: 'request', value: (l) => l.request ?? '' },
  { header: 'source', value: (l) => l.source },
  { header: 'correlation_id', value: (l) => l.correlationId },
  { header: 'event_id', value: (l) => l.eventId },
  { header: 'position', value: (l) => String(l.position) },
];

/** `field: from -> to`, JSON-quoted so that a value with a separator stays readable. */
function describeChange(change: FieldChange): string {
  return `${change.field}: ${JSON.stringify(change.from)} -> ${JSON.stringify(change.to)}`;
}

/**
 * RFC 4180 CSV (CRLF line ends, a header row). A cell with a comma, a quote or a line break is
 * quoted, its quotes doubled. A cell that a spreadsheet would run as a formula (=, +, -, @,
 * tab, CR first: purposes and reasons are free text from callers) is prefixed with a quote.
 */
export function toCsv(lines: readonly AuditReportLine[]): string {
  const rows = [
    COLUMNS.map((column) => column.header),
    ...lines.map((line) => COLUMNS.map((column) => column.value(line))),
  ];
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
