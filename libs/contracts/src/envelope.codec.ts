import type { EventEnvelope } from '@rapport/domain';

export class EnvelopeDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeDecodeError';
  }
}

/** The message value: the envelope as JSON, metadata included. */
export function encodeEnvelope(envelope: EventEnvelope): string {
  return JSON.stringify({
    id: envelope.id,
    type: envelope.type,
    schemaVersion: envelope.schemaVersion,
    streamId: envelope.streamId,
    streamRevision: envelope.streamRevision,
    position: envelope.position,
    recordedAt: envelope.recordedAt,
    occurredAt: envelope.occurredAt,
    data: envelope.data,
    metadata: envelope.metadata,
  });
}

/** Parses and checks a message value; throws EnvelopeDecodeError on anything else. */
export function decodeEnvelope(value: string | Buffer): EventEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    throw new EnvelopeDecodeError('the message value is not JSON');
  }
  const e = parsed as Partial<EventEnvelope> | null;
  const problems: string[] = [];
  if (!e || typeof e !== 'object')
    throw new EnvelopeDecodeError('the message value is not an object');
  if (typeof e.id !== 'string') problems.push('id');
  if (typeof e.type !== 'string') problems.push('type');
  if (!Number.isInteger(e.schemaVersion)) problems.push('schemaVersion');
  if (typeof e.streamId !== 'string') problems.push('streamId');
  if (!Number.isInteger(e.streamRevision)) problems.push('streamRevision');
  if (!Number.isSafeInteger(e.position) || (e.position ?? 0) < 1) problems.push('position');
  if (typeof e.recordedAt !== 'string') problems.push('recordedAt');
  if (
    typeof e.metadata !== 'object' ||
    e.metadata === null ||
    typeof e.metadata.customerId !== 'string'
  ) {
    problems.push('metadata');
  }
  if (e.occurredAt !== undefined && typeof e.occurredAt !== 'string') problems.push('occurredAt');
  if (problems.length > 0)
    throw new EnvelopeDecodeError(`invalid envelope fields: ${problems.join(', ')}`);
  // Messages published before business time existed: it happened when it was recorded.
  if (e.occurredAt === undefined) e.occurredAt = e.recordedAt;
  return e as EventEnvelope;
}
