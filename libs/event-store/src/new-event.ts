import type { Actor, DomainEvent } from '@rapport/domain';
import { timeOrderedId } from './time-ordered-id';
import type { NewEvent } from './event-store.port';

/** Who and what caused a group of events: the envelope metadata they share. */
export interface EventOrigin {
  customerId: string;
  actor: Actor;
  correlationId: string;
  /** The command's idempotency key. */
  commandId: string;
  /** What caused the events; the command itself unless said otherwise. */
  causationId?: string;
  source: string;
  /**
   * Business time: when what the events record happened (the command's decision time). An
   * event whose data carries its own `occurredAt` (a contact logged afterwards, an activity
   * completed) has that one. Without either, the store's recordedAt.
   */
  occurredAt?: string;
  /** W3C trace context of the request, kept so the relay and the projector continue it. */
  traceparent?: string;
}

function ownOccurredAt(data: unknown): string | undefined {
  const value =
    data !== null && typeof data === 'object'
      ? (data as { occurredAt?: unknown }).occurredAt
      : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The one way a domain event becomes an event to append: command handlers, the audit
 * recorder, the synthetic history, fixtures and benchmarks all build envelopes here.
 */
export function newEvent(
  event: DomainEvent,
  origin: EventOrigin,
  id: string = timeOrderedId(),
): NewEvent {
  const occurredAt = ownOccurredAt(event.data) ?? origin.occurredAt;
  return {
    id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    ...(occurredAt !== undefined && { occurredAt }),
    data: event.data,
    metadata: {
      customerId: origin.customerId,
      actor: origin.actor,
      correlationId: origin.correlationId,
      causationId: origin.causationId ?? origin.commandId,
      commandId: origin.commandId,
      source: origin.source,
      ...(origin.traceparent !== undefined && { traceparent: origin.traceparent }),
    },
  };
}
