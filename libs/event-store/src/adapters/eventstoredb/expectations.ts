import { ANY, NO_STREAM, STREAM_EXISTS, type AppendStreamState } from '@kurrent/kurrentdb-client';
import { checkExpectedRevision } from '../../append-rules';
import type { ExpectedRevision, StreamAppend } from '../../event-store.port';

export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no-stream':
      return NO_STREAM;
    case 'stream-exists':
      return STREAM_EXISTS;
    default:
      return expected === -1 ? NO_STREAM : BigInt(expected);
  }
}

/** Whether a stream at `actual` satisfies the stream's own expectation. */
export function holds(stream: StreamAppend, actual: number): boolean {
  try {
    checkExpectedRevision(stream.streamId, stream.expectedRevision, actual);
    return true;
  } catch {
    return false;
  }
}

/** The revision of a stream's first new event, from the revision it was seen at before. */
export function firstRevision(
  { streamId, expectedRevision }: StreamAppend,
  observed: ReadonlyMap<string, number>,
): number {
  const before = observed.get(streamId) ?? expectedRevision;
  if (typeof before === 'number') return before + 1;
  if (before === 'no-stream') return 0;
  throw new Error(`the first revision of ${streamId} is unknown`); // pinned before, never here
}
