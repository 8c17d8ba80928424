import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ANY,
  BACKWARDS,
  END,
  ErrorType,
  KurrentDBClient,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  convertToCommandError,
  isCommandError,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendStreamRequest,
  type AppendStreamState,
  type JSONEventData,
  type JSONType,
  type Position,
  type ReadPosition,
  type ReadRevision,
} from '@kurrent/kurrentdb-client';
import type { EventEnvelope, EventMetadata } from '@rapport/domain';
import {
  checkExpectedRevision,
  duplicateResult,
  lastPosition,
  serialize,
  validateAppendRequest,
} from '../append-rules';
import {
  EventStoreUnavailableError,
  InvalidAppendError,
  WrongExpectedRevisionError,
} from '../event-store.errors';
import type {
  AppendRequest,
  AppendResult,
  CommandRecord,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StreamAppend,
  StreamRead,
  SubscribeOptions,
} from '../event-store.port';

export interface EventStoreDbEventStoreOptions {
  /** Times the wait for a concurrent duplicate's record (recordedAt comes from the server). */
  clock?: () => Date;
}

/**
 * One idempotency record per command. No "-" in the name, so the category projections
 * ($by_category, first or last "-") give it no category, and only [a-z0-9_.] characters,
 * which every KurrentDB 25.x append validator accepts: a "$" stream would be a system
 * stream (admin-only ACL by default) and some v2 append validators reject "$" outright.
 * The command id (any printable text, e.g. "user/key") is hashed to fit that alphabet.
 */
const COMMAND_STREAM_PREFIX = 'rapport_command.';
const COMMAND_RECORDED = 'CommandRecorded';

/**
 * Server-side $all filter: no system streams ("$...", which also hold the projections'
 * links) and no command records. Events with a "$" type in ordinary streams (tombstones)
 * are dropped client-side by isHidden.
 */
const VISIBLE_STREAMS = streamNameFilter({ regex: '^(?!\\$|rapport_command\\.)' });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Pinned 'any'/'stream-exists' expectations may lose a race to a writer they allow. */
const MAX_PINNED_ATTEMPTS = 10;
/** How long a loser of a commandId race waits for the winner's record to be readable. */
const COMMAND_WAIT_MS = 5000;
const HEAD_PAGE = 32;

/** A recorded event as both read paths of the client return it (gRPC and Rust bridge). */
interface StoredEvent {
  id: string;
  type: string;
  streamId: string;
  revision: bigint;
  created: Date;
  data: unknown;
  metadata: unknown;
  position?: Position;
}

/** `count` events of a stream from `fromRevision`: what one append wrote to it. */
interface Range {
  streamId: string;
  fromRevision: number;
  count: number;
}

interface CommandRecordedData {
  commandId: string;
  fingerprint?: string;
  streams: Range[];
}

class IncompleteRangeError extends Error {}

interface WrittenStream {
  stream: StreamAppend;
  events: JSONEventData[];
}

/**
 * Event store on KurrentDB (formerly EventStoreDB). Requires KurrentDB >= 25.1: appends use
 * the multi-stream append (v2 AppendSession), which older servers lack (the client then
 * throws "UnsupportedError"). The connection's user needs write access to the streams and
 * read access to $all; reads go to the leader (the default node preference), which the
 * read-back after an append relies on.
 *
 * Guarantees of the port, and how they are kept:
 * - Atomicity and optimistic concurrency: one multiStreamAppend per append, every stream
 *   with its expected state. The server writes all or nothing and reports the first failed
 *   expectation with the actual revision (StreamRevisionConflict → WrongExpectedRevisionError).
 * - Conditions only (a stream with no events): the v2 append rejects a stream request without
 *   records ("must contain at least one record"), so the condition is checked by reading the
 *   stream's revision just before appending the rest. Race window: an append to that stream
 *   committed between this read and the commit of ours goes unnoticed. (The client's
 *   appendRecords(records, checks) would make it atomic, but it needs KurrentDB 26.1.)
 * - Idempotency: an append with a commandId also writes, in the same atomic append and first,
 *   one CommandRecorded event to rapport_command.<sha256(commandId)> expecting no stream.
 *   Of concurrent appends with one commandId exactly one creates that stream; the others
 *   fail on it and return the first append's events, read back through findCommand. The
 *   record names each written stream's first revision, so an 'any'/'stream-exists'
 *   expectation is pinned to the revision read just before (retried if another writer
 *   moves it in between, as 'any' allows).
 * - Positions: the event's prepare position, i.e. the byte offset of its own record in the
 *   transaction log. Every event written without a legacy (TCP) explicit transaction — all
 *   gRPC and multi-stream appends — is self-committed: $all reports it at (commit, prepare) =
 *   (offset, offset), $all is ordered by that offset, and the offset is unique. Stream reads
 *   report the same prepare position, so positions from append, readStream and readAll
 *   agree. readAll({ after }) reads $all from (after, after), which is inclusive, and drops
 *   the boundary event; `after` must be 0 or a position this store returned (a position
 *   inside a record is refused by the server). Explicit-transaction events would break the
 *   order and are refused loudly.
 * - Durability: KurrentDB acknowledges an append once it is written (and replicated to a
 *   quorum in a cluster).
 *
 * Cost: the append response holds revisions only, so each append reads its events back
 * (one stream read per written stream) for their positions and recordedAt.
 *
 * Metadata: the v2 append only takes string-valued properties, so each metadata field
 * (and schemaVersion) is stored JSON-encoded, e.g. {"customerId":"\"c-1\"","schemaVersion":"1"},
 * and decoded on read.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly client: KurrentDBClient;
  private readonly clock: () => Date;
  private readonly inFlight = new Set<Promise<AppendResult>>();
  private closed = false;

  constructor(connectionString: string, options: EventStoreDbEventStoreOptions = {}) {
    // esdb:// still works but makes the client warn on every start.
    this.client = KurrentDBClient.connectionString(
      connectionString.replace(/^esdb(\+discover)?:\/\//, 'kurrentdb$1://'),
    );
    this.clock = options.clock ?? (() => new Date());
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    if (this.closed) throw new EventStoreUnavailableError('the event store is closed');
    validateAppendRequest(request);
    // Everything that can be refused is refused here, before the first network call.
    const written: WrittenStream[] = request.streams
      .filter((stream) => stream.events.length > 0)
      .map((stream) => ({ stream, events: stream.events.map(toEventData) }));
    const pending = this.appendChecked(request, written);
    this.inFlight.add(pending);
    try {
      return await pending;
    } finally {
      this.inFlight.delete(pending);
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StreamRead> {
    const from = Math.max(0, options.fromRevision ?? 0);
    const { maxCount } = options;
    const events =
      maxCount !== undefined && maxCount <= 0
        ? []
        : (
            await this.readEvents(streamId, {
              fromRevision: BigInt(from),
              ...(maxCount !== undefined && { maxCount }),
            })
          ).map(toEnvelope);
    // A read to the end saw the last event; a bounded (or empty) one asks for it.
    if (maxCount === undefined && events.length > 0) {
      return { events, revision: events[events.length - 1]!.streamRevision };
    }
    if (maxCount === undefined && from === 0) return { events, revision: -1 };
    return { events, revision: await this.revisionOf(streamId) };
  }

  async readAll({ after, limit }: ReadAllOptions): Promise<EventEnvelope[]> {
    const found: EventEnvelope[] = [];
    let cursor = Math.max(0, Math.floor(after));
    while (found.length < limit) {
      // One more than needed: the read from `cursor` includes the event at `cursor`.
      const want = limit - found.length + 1;
      let count = 0;
      try {
        for await (const resolved of this.client.readAll({
          fromPosition: positionAt(cursor),
          maxCount: want,
          filter: VISIBLE_STREAMS,
        })) {
          count++;
          const event = resolved.event;
          if (!event) continue;
          const position = allPositionOf(event, cursor);
          if (position === undefined) continue;
          cursor = position;
          if (!isHidden(event)) found.push(toEnvelope(event));
          if (found.length === limit) break;
        }
      } catch (error) {
        throw toStoreError(error);
      }
      if (count < want) break;
    }
    return found;
  }

  subscribe(options: SubscribeOptions): AsyncIterable<EventEnvelope[]> {
    return this.follow(options);
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    const [stored] = await this.readEvents(commandStreamOf(commandId), {
      fromRevision: START,
      maxCount: 1,
    });
    if (!stored) return undefined;
    const record = stored.data;
    if (!isCommandRecorded(record) || record.commandId !== commandId) {
      throw new Error(`the record of command ${commandId} is not a CommandRecorded event for it`);
    }
    const events = await this.readRanges(record.streams);
    return {
      commandId,
      ...(record.fingerprint !== undefined && { fingerprint: record.fingerprint }),
      events,
    };
  }

  async headPosition(): Promise<number> {
    // Backwards from the end to the newest visible event; usually the first one read.
    let from: ReadPosition = END;
    let boundary = Number.POSITIVE_INFINITY;
    for (;;) {
      let count = 0;
      try {
        for await (const resolved of this.client.readAll({
          direction: BACKWARDS,
          fromPosition: from,
          maxCount: HEAD_PAGE,
          filter: VISIBLE_STREAMS,
        })) {
          count++;
          const event = resolved.event;
          if (!event) continue;
          const position = positionOf(event);
          if (position >= boundary) continue;
          if (!isHidden(event)) return position;
          boundary = position;
          from = positionAt(position);
        }
      } catch (error) {
        throw toStoreError(error);
      }
      if (count < HEAD_PAGE) return 0;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.client.dispose();
  }

  private async appendChecked(
    request: AppendRequest,
    written: WrittenStream[],
  ): Promise<AppendResult> {
    const { commandId } = request;
    const commandStream = commandId === undefined ? undefined : commandStreamOf(commandId);
    const conditions = request.streams.filter((stream) => stream.events.length === 0);
    const pinned =
      commandStream === undefined
        ? []
        : written
            .map(({ stream }) => stream)
            .filter((s) => s.expectedRevision === 'any' || s.expectedRevision === 'stream-exists');
    const toRead = [...conditions, ...pinned];

    // After a lost race, a pinned stream is pinned to the revision the server reported: a
    // fresh read could still miss the winner's write (reads follow the index, checks do not).
    const reported = new Map<string, number>();
    for (let attempt = 1; ; attempt++) {
      const observed = new Map(reported);
      try {
        await Promise.all(
          toRead
            .filter((s) => !observed.has(s.streamId))
            .map(async (s) => observed.set(s.streamId, await this.revisionOf(s.streamId))),
        );
        for (const s of toRead) {
          checkExpectedRevision(s.streamId, s.expectedRevision, observed.get(s.streamId)!);
        }
        const expectedOf = (s: StreamAppend): AppendStreamState => {
          const seen = observed.get(s.streamId);
          return toStreamState(seen ?? s.expectedRevision);
        };
        const requests: AppendStreamRequest[] = written.map(({ stream, events }) => ({
          streamName: stream.streamId,
          expectedState: expectedOf(stream),
          events,
        }));
        if (commandStream !== undefined) {
          // First, so that a duplicate is the failure the server reports.
          requests.unshift({
            streamName: commandStream,
            expectedState: NO_STREAM,
            events: [commandRecorded(request, written, observed)],
          });
        }
        const result = await this.client.multiStreamAppend(requests);

        const revisions: Record<string, number> = {};
        for (const s of conditions) revisions[s.streamId] = observed.get(s.streamId)!;
        const ranges = written.map(({ stream, events: sent }) => {
          const response = result.responses.find((r) => r.streamName === stream.streamId);
          if (!response) throw new Error(`KurrentDB did not report stream ${stream.streamId}`);
          const last = toSafeNumber(response.revision, 'stream revision');
          revisions[stream.streamId] = last;
          const count = sent.length;
          return { streamId: stream.streamId, fromRevision: last - count + 1, count };
        });
        // The response holds revisions only: positions and recordedAt come from a read-back.
        const events = await this.readBack(ranges);
        const sentIds = written.flatMap(({ events: sent }) => sent.map((e) => e.id.toLowerCase()));
        const readIds = [...events].sort(byStreamOrder(written)).map((e) => e.id.toLowerCase());
        if (sentIds.join() !== readIds.join()) {
          throw new Error('the events read back after an append are not the ones appended');
        }
        return { events, revisions, position: lastPosition(events), duplicate: false };
      } catch (error) {
        if (
          !(error instanceof WrongExpectedRevisionError) &&
          !(error instanceof WrongExpectedVersionError)
        ) {
          throw toStoreError(error);
        }
        if (commandId !== undefined) {
          // The server reports one failure: if it is the command stream, the record exists
          // but may not be readable yet; otherwise a retry may also have failed on it.
          const record =
            error instanceof WrongExpectedVersionError && error.streamName === commandStream
              ? await this.waitForCommand(commandId)
              : await this.findCommand(commandId);
          if (record) return duplicateResult(request, record);
        }
        if (error instanceof WrongExpectedRevisionError) throw error;
        const stream = request.streams.find((s) => s.streamId === error.streamName);
        if (!stream) throw await this.explainConflict(request, error);
        const actual = await this.actualRevision(error, stream.streamId);
        // A pinned 'any'/'stream-exists' lost to a writer its own expectation allows.
        if (observed.has(stream.streamId) && holds(stream, actual)) {
          if (attempt < MAX_PINNED_ATTEMPTS) {
            reported.set(stream.streamId, actual);
            continue;
          }
        }
        throw new WrongExpectedRevisionError(stream.streamId, stream.expectedRevision, actual);
      }
    }
  }

  /** Catch-up then live, both done by the server's $all subscription from `after`. */
  private async *follow({
    after,
    batchSize = 500,
    signal,
  }: SubscribeOptions): AsyncGenerator<EventEnvelope[]> {
    if (signal?.aborted) return;
    // Subscriptions start strictly after their position; the cursor check below drops the
    // boundary anyway, so no gap and no duplicate whichever way the server counts.
    let cursor = Math.max(0, Math.floor(after));
    const subscription = this.client.subscribeToAll({
      fromPosition: positionAt(cursor),
      filter: VISIBLE_STREAMS,
    });
    let failure: unknown;
    let ended = false;
    let wake: (() => void) | undefined;
    const notify = () => {
      const resolve = wake;
      wake = undefined;
      resolve?.();
    };
    // Listeners stay attached between batches: an 'error' without a listener would crash.
    subscription.on('readable', notify);
    subscription.on('end', () => {
      ended = true;
      notify();
    });
    subscription.on('error', (error: Error) => {
      failure ??= error;
      notify();
    });
    signal?.addEventListener('abort', notify);
    try {
      for (;;) {
        if (signal?.aborted) return;
        if (failure !== undefined) throw toStoreError(failure);
        const batch: EventEnvelope[] = [];
        while (batch.length < batchSize) {
          const resolved: AllStreamResolvedEvent | null = subscription.read();
          if (resolved === null) break;
          const event = resolved.event;
          if (!event) continue;
          const position = allPositionOf(event, cursor);
          if (position === undefined) continue;
          cursor = position;
          if (!isHidden(event)) batch.push(toEnvelope(event));
        }
        if (batch.length > 0) {
          yield batch;
          continue;
        }
        if (ended) {
          if (this.closed) return;
          throw new EventStoreUnavailableError('the $all subscription was ended by KurrentDB');
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      signal?.removeEventListener('abort', notify);
      void subscription.unsubscribe().catch(() => undefined);
    }
  }

  /**
   * The events just appended. The leader acknowledges an append once it is indexed, so the
   * first read should see them; a short retry keeps a committed append from being reported
   * as failed if a read ever trails the acknowledgement.
   */
  private async readBack(ranges: Range[]): Promise<EventEnvelope[]> {
    for (let delay = 5; ; delay *= 2) {
      try {
        return await this.readRanges(ranges);
      } catch (error) {
        if (!(error instanceof IncompleteRangeError) || delay > 320) throw error;
        await sleep(delay);
      }
    }
  }

  /** The events of each range, in position order; a range must still be complete. */
  private async readRanges(ranges: Range[]): Promise<EventEnvelope[]> {
    const chunks = await Promise.all(
      ranges.map(async ({ streamId, fromRevision, count }) => {
        const stored =
          fromRevision < 0
            ? []
            : await this.readEvents(streamId, {
                fromRevision: BigInt(fromRevision),
                maxCount: count,
              });
        if (stored.length !== count) {
          throw new IncompleteRangeError(
            `expected ${count} events of ${streamId} from revision ${fromRevision}, read ${stored.length}`,
          );
        }
        return stored.map(toEnvelope);
      }),
    );
    return chunks.flat().sort((a, b) => a.position - b.position);
  }

  private async waitForCommand(commandId: string): Promise<CommandRecord> {
    // The server refused the stream because the winner's write is in its log; the winner's
    // events become readable once indexed, usually within milliseconds.
    const deadline = this.clock().getTime() + COMMAND_WAIT_MS;
    for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
      const record = await this.findCommand(commandId);
      if (record) return record;
      if (this.clock().getTime() >= deadline) {
        throw new EventStoreUnavailableError(
          `command ${commandId} was recorded by a concurrent append that is not readable yet`,
        );
      }
      await sleep(delay);
    }
  }

  private async actualRevision(error: WrongExpectedVersionError, streamId: string) {
    const actual = error.actualState;
    if (actual === NO_STREAM) return -1;
    if (typeof actual === 'bigint' && actual >= 0n) return toSafeNumber(actual, 'stream revision');
    return this.revisionOf(streamId); // deleted or unreported: the revision as it is now
  }

  /** A conflict naming no stream of the request: find the failed expectation by reading. */
  private async explainConflict(request: AppendRequest, error: Error): Promise<Error> {
    for (const stream of request.streams) {
      const actual = await this.revisionOf(stream.streamId);
      if (!holds(stream, actual)) {
        return new WrongExpectedRevisionError(stream.streamId, stream.expectedRevision, actual);
      }
    }
    return error;
  }

  /** Revision of the stream's last event, -1 when it has none. */
  private async revisionOf(streamId: string): Promise<number> {
    const [last] = await this.readEvents(streamId, {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: 1,
    });
    return last ? toSafeNumber(last.revision, 'stream revision') : -1;
  }

  private async readEvents(
    streamId: string,
    options: { fromRevision: ReadRevision; maxCount?: number; direction?: typeof BACKWARDS },
  ): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, options)) {
        if (resolved.event) events.push(resolved.event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toStoreError(error);
    }
    return events;
  }
}

function toEventData(event: NewEvent): JSONEventData {
  if (!UUID.test(event.id)) {
    throw new InvalidAppendError(`event id ${event.id} is not a UUID, which KurrentDB requires`);
  }
  return {
    id: event.id,
    contentType: 'application/json',
    type: event.type,
    // The parsed form of what serialize accepted, so the client stringifies the same JSON.
    data: JSON.parse(serialize(event.data, `data of ${event.type}`)) as JSONType,
    metadata: encodeMetadata({ ...event.metadata, schemaVersion: event.schemaVersion }, event.type),
  };
}

function encodeMetadata(metadata: object, type: string): Record<string, string> {
  const fields = JSON.parse(serialize(metadata, `metadata of ${type}`)) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [key, JSON.stringify(value)]),
  );
}

function decodeMetadata(raw: unknown): { schemaVersion: number; metadata: EventMetadata } {
  const fields: Record<string, unknown> = {};
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !ArrayBuffer.isView(raw)) {
    for (const [key, value] of Object.entries(raw)) {
      if (key.startsWith('$')) continue; // properties the server adds (schema info)
      fields[key] = typeof value === 'string' ? parseOr(value) : value;
    }
  }
  const { schemaVersion, ...metadata } = fields;
  return {
    // Events written by other tools carry no schemaVersion: they are read as version 1.
    schemaVersion:
      typeof schemaVersion === 'number' && Number.isInteger(schemaVersion) ? schemaVersion : 1,
    metadata: metadata as unknown as EventMetadata,
  };
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toEnvelope(event: StoredEvent): EventEnvelope {
  const { schemaVersion, metadata } = decodeMetadata(event.metadata);
  return {
    id: event.id,
    type: event.type,
    schemaVersion,
    streamId: event.streamId,
    streamRevision: toSafeNumber(event.revision, 'stream revision'),
    position: positionOf(event),
    recordedAt: event.created.toISOString(),
    data: event.data,
    metadata,
  };
}

function commandRecorded(
  request: AppendRequest,
  written: WrittenStream[],
  observed: Map<string, number>,
): JSONEventData {
  const firstRevision = ({ streamId, expectedRevision }: StreamAppend): number => {
    const before = observed.get(streamId) ?? expectedRevision;
    if (typeof before === 'number') return before + 1;
    if (before === 'no-stream') return 0;
    throw new Error(`the first revision of ${streamId} is unknown`); // pinned before, never here
  };
  const data: CommandRecordedData = {
    commandId: request.commandId!,
    ...(request.fingerprint !== undefined && { fingerprint: request.fingerprint }),
    streams: written.map(({ stream, events }) => ({
      streamId: stream.streamId,
      fromRevision: firstRevision(stream),
      count: events.length,
    })),
  };
  return {
    id: randomUUID(),
    contentType: 'application/json',
    type: COMMAND_RECORDED,
    data: data as unknown as JSONType,
    metadata: encodeMetadata({ schemaVersion: 1 }, COMMAND_RECORDED),
  };
}

function isCommandRecorded(data: unknown): data is CommandRecordedData {
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

function commandStreamOf(commandId: string): string {
  return COMMAND_STREAM_PREFIX + createHash('sha256').update(commandId).digest('hex');
}

function toStreamState(expected: ExpectedRevision): AppendStreamState {
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
function holds(stream: StreamAppend, actual: number): boolean {
  try {
    checkExpectedRevision(stream.streamId, stream.expectedRevision, actual);
    return true;
  } catch {
    return false;
  }
}

function isHidden(event: StoredEvent): boolean {
  return (
    event.type.startsWith('$') ||
    event.streamId.startsWith('$') ||
    event.streamId.startsWith(COMMAND_STREAM_PREFIX)
  );
}

/** Where a $all read or subscription starts for "after `position`". */
function positionAt(position: number): ReadPosition {
  return position > 0 ? { commit: BigInt(position), prepare: BigInt(position) } : START;
}

function positionOf(event: StoredEvent): number {
  const prepare = event.position?.prepare;
  // An event of an explicit transaction read from a stream has no position (-1, sent as 2^64-1).
  if (prepare === undefined || prepare <= 0n || prepare >= 2n ** 63n) {
    throw new Error(`KurrentDB reported no log position for event ${event.id}`);
  }
  return toSafeNumber(prepare, 'log position');
}

/**
 * The position of an event read forwards from $all after `cursor`: undefined for the
 * boundary event itself, an error if $all went backwards (explicit transactions).
 */
function allPositionOf(event: StoredEvent, cursor: number): number | undefined {
  const position = positionOf(event);
  if (position === cursor) return undefined;
  if (position < cursor) {
    throw new Error(
      `$all is not ordered by log position at ${position} (after ${cursor}): events written in explicit transactions are not supported`,
    );
  }
  return position;
}

function byStreamOrder(written: WrittenStream[]) {
  const order = new Map(written.map(({ stream }, index) => [stream.streamId, index]));
  return (a: EventEnvelope, b: EventEnvelope) =>
    order.get(a.streamId)! - order.get(b.streamId)! || a.streamRevision - b.streamRevision;
}

function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`${what} ${value} is beyond what a JS number holds exactly`);
  }
  return Number(value);
}

/** Client errors the port knows: unreachable server → unavailable, too large → invalid. */
function toStoreError(raw: unknown): unknown {
  // Some paths (the server-features probe before an append) reject with raw gRPC errors.
  const error = raw instanceof Error ? convertToCommandError(raw) : raw;
  if (!(error instanceof Error) || !isCommandError(error)) return error;
  switch (error.type) {
    case ErrorType.UNAVAILABLE:
    case ErrorType.DEADLINE_EXCEEDED:
    case ErrorType.TIMEOUT:
    case ErrorType.NOT_LEADER:
    case ErrorType.CANCELLED:
      return new EventStoreUnavailableError(`KurrentDB is unavailable: ${error.message}`, {
        cause: error,
      });
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
    case ErrorType.APPEND_RECORD_SIZE_EXCEEDED:
    case ErrorType.TRANSACTION_MAX_SIZE_EXCEEDED:
      return new InvalidAppendError(`the append is too large for KurrentDB: ${error.message}`);
    case ErrorType.UNSUPPORTED:
      return new Error(`this event store needs KurrentDB >= 25.1: ${error.message}`, {
        cause: error,
      });
    default:
      return error;
  }
}
