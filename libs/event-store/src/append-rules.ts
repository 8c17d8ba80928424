import type { EventEnvelope } from '@rapport/domain';
import {
  CommandIdReusedError,
  InvalidAppendError,
  WrongExpectedRevisionError,
} from './event-store.errors';
import type {
  AppendRequest,
  AppendResult,
  BatchAppendResult,
  CommandRecord,
  ExpectedRevision,
  NewEvent,
} from './event-store.port';

/**
 * Rules every adapter applies the same way, kept here so that adapters only store and load.
 */
export function validateAppendRequest(request: AppendRequest): void {
  if (!request.streams || request.streams.length === 0) {
    throw new InvalidAppendError('an append names at least one stream');
  }
  const seen = new Set<string>();
  let eventCount = 0;
  for (const stream of request.streams) {
    if (typeof stream.streamId !== 'string' || stream.streamId.length === 0) {
      throw new InvalidAppendError('every stream needs a non-empty id');
    }
    if (seen.has(stream.streamId)) {
      throw new InvalidAppendError(`stream ${stream.streamId} appears twice in one append`);
    }
    seen.add(stream.streamId);
    const expected = stream.expectedRevision;
    if (
      typeof expected === 'number'
        ? !Number.isInteger(expected) || expected < -1
        : !['no-stream', 'stream-exists', 'any'].includes(expected)
    ) {
      throw new InvalidAppendError(`invalid expected revision ${String(expected)}`);
    }
    for (const event of stream.events) validateNewEvent(event);
    eventCount += stream.events.length;
  }
  if (eventCount === 0) throw new InvalidAppendError('an append writes at least one event');
}

function validateNewEvent(event: NewEvent): void {
  if (!event.id || !event.type || !Number.isInteger(event.schemaVersion) || !event.metadata) {
    throw new InvalidAppendError('every event needs an id, a type, a schemaVersion and metadata');
  }
}

/** Throws unless a stream at `actual` (-1: empty) satisfies the expectation. */
export function checkExpectedRevision(
  streamId: string,
  expected: ExpectedRevision,
  actual: number,
): void {
  const ok =
    expected === 'any' ||
    (expected === 'no-stream' && actual === -1) ||
    (expected === 'stream-exists' && actual >= 0) ||
    expected === actual;
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, actual);
}

/** What an append returns when its commandId was recorded before. */
export function duplicateResult(request: AppendRequest, record: CommandRecord): AppendResult {
  if (
    record.fingerprint !== undefined &&
    request.fingerprint !== undefined &&
    record.fingerprint !== request.fingerprint
  ) {
    throw new CommandIdReusedError(record.commandId);
  }
  return {
    events: record.events,
    revisions: revisionsOf(record.events),
    position: lastPosition(record.events),
    duplicate: true,
  };
}

export function revisionsOf(events: readonly EventEnvelope[]): Record<string, number> {
  const revisions: Record<string, number> = {};
  for (const event of events) {
    revisions[event.streamId] = Math.max(revisions[event.streamId] ?? -1, event.streamRevision);
  }
  return revisions;
}

export function lastPosition(events: readonly EventEnvelope[]): number {
  return events.reduce((max, event) => Math.max(max, event.position), 0);
}

/** Serialises an event's payload now, so an unstorable event fails before anything is written. */
export function serialize(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new InvalidAppendError(`${what} cannot be stored as JSON: ${(error as Error).message}`);
  }
  if (json === undefined) throw new InvalidAppendError(`${what} cannot be stored as JSON`);
  return json;
}

/** appendBatch for adapters that cannot commit many appends together: one after another. */
export async function appendOneByOne(
  append: (request: AppendRequest) => Promise<AppendResult>,
  requests: readonly AppendRequest[],
): Promise<BatchAppendResult> {
  const results: AppendResult[] = [];
  for (let index = 0; index < requests.length; index++) {
    try {
      results.push(await append(requests[index]!));
    } catch (error) {
      return { results, failed: { index, error } };
    }
  }
  return { results };
}
