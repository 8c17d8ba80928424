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
} as const;

export type CloudEventHeaders = Record<(typeof HEADERS)[keyof typeof HEADERS], string>;

export function cloudEventHeaders(envelope: EventEnvelope): CloudEventHeaders {
  return {
    [HEADERS.specVersion]: '1.0',
    [HEADERS.id]: envelope.id,
    [HEADERS.type]: envelope.type,
    [HEADERS.source]: `/rapport/${envelope.metadata.source || 'unknown'}`,
    [HEADERS.time]: envelope.recordedAt,
    [HEADERS.subject]: envelope.streamId,
    [HEADERS.contentType]: 'application/json',
    [HEADERS.schemaVersion]: String(envelope.schemaVersion),
    [HEADERS.position]: String(envelope.position),
  } as CloudEventHeaders;
}
