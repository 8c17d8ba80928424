import { randomUUID } from 'node:crypto';
import type { Actor, DomainEvent } from '@rapport/domain';
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
}

/**
 * The one way a domain event becomes an event to append: command handlers, the audit
 * recorder, the synthetic history, fixtures and benchmarks all build envelopes here.
 */
export function newEvent(
  event: DomainEvent,
  origin: EventOrigin,
  id: string = randomUUID(),
): NewEvent {
  return {
    id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: {
      customerId: origin.customerId,
      actor: origin.actor,
      correlationId: origin.correlationId,
      causationId: origin.causationId ?? origin.commandId,
      commandId: origin.commandId,
      source: origin.source,
    },
  };
}
