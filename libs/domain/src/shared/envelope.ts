/**
 * The stored form of every event (see ARCHITECTURE.md, "The event envelope").
 * Domain events ({ type, schemaVersion, data }) get their envelope when appended.
 */
export type ActorKind = 'user' | 'service';

export interface Actor {
  id: string;
  roles: string[];
  kind: ActorKind;
}

export interface EventMetadata {
  /** The client the event is about: the Kafka key and the read models' partition. */
  customerId: string;
  actor: Actor;
  correlationId: string;
  causationId: string;
  /** The command's idempotency key: all events of one command share it. */
  commandId: string;
  /** The system that issued the command, e.g. "api" or "ingest:billing". */
  source: string;
  /**
   * W3C trace context of the request that caused the event (`traceparent` header or ingest
   * field): the relay and the projector continue that trace.
   */
  traceparent?: string;
}

export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  schemaVersion: number;
  data: Data;
}

export interface EventEnvelope<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  schemaVersion: number;
  streamId: string;
  /** 0-based, gapless per stream. */
  streamRevision: number;
  /** Global order within one store; strictly increasing, starts at 1. */
  position: number;
  /** When the log took the event (record time): the audit's and the lag metrics' clock. */
  recordedAt: string;
  /**
   * When it happened (business time): the command's decision time, which an importing
   * service may set in the past (see docs/business-time.md). Every figure uses it. Events
   * stored before it existed read as occurredAt = recordedAt.
   */
  occurredAt: string;
  data: Data;
  metadata: EventMetadata;
}

/** An envelope narrowed to one member of a domain event union. */
export type EnvelopeOf<E extends DomainEvent> =
  E extends DomainEvent<infer T, infer D>
    ? EventEnvelope<T, D> & { schemaVersion: E['schemaVersion'] }
    : never;
