import type { EventEnvelope } from '@rapport/domain';
import { cloudEventHeaders } from './cloud-events';
import { decodeEnvelope, encodeEnvelope } from './envelope.codec';

const envelope: EventEnvelope = {
  id: '87e48d7b-a7a1-4192-88e1-b5ca6af9bcc5',
  type: 'LeadCreated',
  schemaVersion: 1,
  streamId: 'customer-fac10218-8b87-4ec0-af35-8cc4c6bba297',
  streamRevision: 0,
  position: 7,
  recordedAt: '2026-03-01T10:00:00.125Z',
  occurredAt: '2019-04-01T09:30:00.000Z',
  data: { customerId: 'fac10218-8b87-4ec0-af35-8cc4c6bba297' },
  metadata: {
    customerId: 'fac10218-8b87-4ec0-af35-8cc4c6bba297',
    actor: { id: 'service:legacy', roles: ['service'], kind: 'service' },
    correlationId: 'c',
    causationId: 'c',
    commandId: 'c',
    source: 'ingest:legacy',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  },
};

describe('the Kafka envelope', () => {
  it('carries both times, and reads a message from before business time as recorded then', () => {
    expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
    const { occurredAt: _dropped, ...old } = envelope;
    expect(decodeEnvelope(JSON.stringify(old)).occurredAt).toBe(envelope.recordedAt);
  });

  it('gives ce_time as business time, the record time and the trace context as headers', () => {
    expect(cloudEventHeaders(envelope)).toMatchObject({
      ce_time: '2019-04-01T09:30:00.000Z',
      rapport_recorded_at: '2026-03-01T10:00:00.125Z',
      traceparent: envelope.metadata.traceparent,
    });
    const untraced = { ...envelope, metadata: { ...envelope.metadata, traceparent: undefined } };
    delete untraced.metadata.traceparent;
    expect(cloudEventHeaders(untraced)).not.toHaveProperty('traceparent');
  });
});
