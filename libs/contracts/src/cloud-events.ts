import type { EventEnvelope } from '@rapport/domain';

/**
 * CloudEvents 1.0 Kafka binary-mode headers on every event message (ce_ prefix), plus the
 * Rapport position for consumers that deduplicate.
 */
export const HEADERS = {
  specVersion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  subject: 'ce_subject',
  contentType: 'content-type',
  schemaVersion: 'rapport_schema_version',
  position: 'rapport_position',
  /** When the log took the event; ce_time is when it happened (business time). */
  recordedAt: 'rapport_recorded_at',
  /** W3C trace context of the request that caused the event, when it had one. */
  traceparent: 'traceparent',
} as const;

export type CloudEventHeaders = Record<
  Exclude<(typeof HEADERS)[keyof typeof HEADERS], 'traceparent'>,
  string
> & { traceparent?: string };

export function cloudEventHeaders(envelope: EventEnvelope): CloudEventHeaders {
  return {
    [HEADERS.specVersion]: '1.0',
    [HEADERS.id]: envelope.id,
    [HEADERS.type]: envelope.type,
    [HEADERS.source]: `/rapport/${envelope.metadata.source || 'unknown'}`,
    // Business time: an imported event's ce_time is when it happened, not the import day.
    [HEADERS.time]: envelope.occurredAt,
    [HEADERS.subject]: envelope.streamId,
    [HEADERS.contentType]: 'application/json',
    [HEADERS.schemaVersion]: String(envelope.schemaVersion),
    [HEADERS.position]: String(envelope.position),
    [HEADERS.recordedAt]: envelope.recordedAt,
    ...(envelope.metadata.traceparent !== undefined && {
      [HEADERS.traceparent]: envelope.metadata.traceparent,
    }),
  } as CloudEventHeaders;
}
