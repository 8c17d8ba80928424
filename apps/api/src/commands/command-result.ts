import type { CrmAggregate, EventEnvelope } from '@rapport/domain';

export interface RecordedEventSummary {
  id: string;
  type: string;
  streamId: string;
  revision: number;
  position: number;
}

/** The id of the record a command addressed or created, besides the client: dealId, ... */
type RecordIds = Partial<Record<`${Exclude<CrmAggregate, 'customer'>}Id`, string>>;

/** The answer to every command; a retry with the same Idempotency-Key gets the same one. */
export interface CommandResult extends RecordIds {
  customerId: string;
  /** Revision of the addressed record after the command: send it as If-Match next time. */
  revision: number;
  /** Global position of the command's last event: pass it as minPosition to read your write. */
  position: number;
  events: RecordedEventSummary[];
  /** Not part of the body: tells the controller to flag a replayed answer. */
  duplicate: boolean;
}

/** Derives the answer from the recorded events alone, so a replay answers identically. */
export function toCommandResult(
  events: readonly EventEnvelope[],
  duplicate: boolean,
): CommandResult {
  const first = events[0];
  if (!first) throw new Error('a command result needs at least one event');
  const primary = first.streamId;
  const separator = primary.indexOf('-');
  const kind = primary.slice(0, separator);
  const id = primary.slice(separator + 1);
  let revision = -1;
  let position = 0;
  for (const event of events) {
    if (event.streamId === primary) revision = Math.max(revision, event.streamRevision);
    position = Math.max(position, event.position);
  }
  return {
    customerId: first.metadata.customerId,
    ...(kind !== 'customer' && { [`${kind}Id`]: id }),
    // A complaint is a service case: its id is its case id.
    ...(kind === 'complaint' && { caseId: id }),
    revision,
    position,
    events: events.map((event) => ({
      id: event.id,
      type: event.type,
      streamId: event.streamId,
      revision: event.streamRevision,
      position: event.position,
    })),
    duplicate,
  };
}

/** A command's result with the fields its definition adds to the answer (see answerFields). */
export type AnsweredCommand = CommandResult & Record<string, unknown>;
