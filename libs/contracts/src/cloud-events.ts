import type { EventEnvelope } from '@rapport/domain';
import { encodeEnvelope } from './envelope.codec';

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

/**
 * An event in CloudEvents 1.0 structured JSON mode: the attributes of the Kafka headers above
 * (without their `ce_` prefix; the Rapport ones as the extensions `rapportschemaversion` and
 * `rapportposition`) and, as `data`, the Kafka message value itself: the envelope exactly as
 * the relay publishes it (personal data sealed). What `GET /events` lists and streams and what
 * a webhook delivery carries as its body.
 */
export interface StructuredCloudEvent {
  specversion: '1.0';
  id: string;
  type: string;
  source: string;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  rapportschemaversion: string;
  rapportposition: string;
  /** W3C trace context of the command that recorded the event, when it carried one. */
  traceparent?: string;
  data: EventEnvelope;
}

/**
 * The structured CloudEvent of an envelope as JSON text. `data` is spliced in as the very
 * text encodeEnvelope gives Kafka, so a consumer of the feed, of a webhook and of the topic
 * sees the same bytes.
 */
export function encodeCloudEvent(envelope: EventEnvelope): string {
  const headers = cloudEventHeaders(envelope);
  const traceparent = (envelope.metadata as { traceparent?: unknown }).traceparent;
  const attributes = {
    specversion: headers[HEADERS.specVersion],
    id: headers[HEADERS.id],
    type: headers[HEADERS.type],
    source: headers[HEADERS.source],
    time: headers[HEADERS.time],
    subject: headers[HEADERS.subject],
    datacontenttype: headers[HEADERS.contentType],
    rapportschemaversion: headers[HEADERS.schemaVersion],
    rapportposition: headers[HEADERS.position],
    ...(typeof traceparent === 'string' && { traceparent }),
  };
  const text = JSON.stringify(attributes);
  return `${text.slice(0, -1)},"data":${encodeEnvelope(envelope)}}`;
}

/** The structured CloudEvent of an envelope, as an object (see encodeCloudEvent). */
export function toCloudEvent(envelope: EventEnvelope): StructuredCloudEvent {
  return JSON.parse(encodeCloudEvent(envelope)) as StructuredCloudEvent;
}
