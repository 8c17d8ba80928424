import { createHash, randomUUID } from 'node:crypto';
import type { JSONEventData, JSONType } from '@kurrent/kurrentdb-client';
import type { AppendRequest } from '../../event-store.port';
import { encodeMetadata, type PreparedStream } from './event.codec';
import { firstRevision } from './expectations';

/**
 * One idempotency record per command. No "-" in the name, so the category projections
 * ($by_category, first or last "-") give it no category, and only [a-z0-9_.] characters,
 * which every KurrentDB 25.x append validator accepts: a "$" stream would be a system
 * stream (admin-only ACL by default) and some v2 append validators reject "$" outright.
 * The command id (any printable text, e.g. "user/key") is hashed to fit that alphabet.
 */
export const COMMAND_STREAM_PREFIX = 'rapport_command.';
const COMMAND_RECORDED = 'CommandRecorded';

/** `count` events of a stream from `fromRevision`: what one append wrote to it. */
export interface Range {
  streamId: string;
  fromRevision: number;
  count: number;
}

export interface CommandRecordedData {
  commandId: string;
  fingerprint?: string;
  streams: Range[];
}

export function commandStreamOf(commandId: string): string {
  return COMMAND_STREAM_PREFIX + createHash('sha256').update(commandId).digest('hex');
}

/** The record of an append: which revisions of which streams it wrote. */
export function commandRecorded(
  request: AppendRequest,
  written: PreparedStream[],
  observed: ReadonlyMap<string, number>,
): JSONEventData {
  const data: CommandRecordedData = {
    commandId: request.commandId!,
    ...(request.fingerprint !== undefined && { fingerprint: request.fingerprint }),
    streams: written.map(({ stream, events }) => ({
      streamId: stream.streamId,
      fromRevision: firstRevision(stream, observed),
      count: events.length,
    })),
  };
  return {
    id: randomUUID(),
    contentType: 'application/json',
    type: COMMAND_RECORDED,
    data: data as unknown as JSONType,
    metadata: encodeMetadata({ schemaVersion: 1 }),
  };
}

export function isCommandRecorded(data: unknown): data is CommandRecordedData {
  if (data === null || typeof data !== 'object') return false;
  const { commandId, fingerprint, streams } = data as Record<string, unknown>;
  return (
    typeof commandId === 'string' &&
    (fingerprint === undefined || typeof fingerprint === 'string') &&
    Array.isArray(streams) &&
    streams.every((range: unknown) => {
      if (range === null || typeof range !== 'object') return false;
      const { streamId, fromRevision, count } = range as Record<string, unknown>;
      return (
        typeof streamId === 'string' &&
        Number.isSafeInteger(fromRevision) &&
        Number.isSafeInteger(count)
      );
    })
  );
}
