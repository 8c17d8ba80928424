import { setTimeout as sleep } from 'node:timers/promises';
import {
  KurrentDBClient,
  NO_STREAM,
  START,
  WrongExpectedVersionError,
  type AppendStreamRequest,
  type AppendStreamState,
} from '@kurrent/kurrentdb-client';
import type { EventEnvelope } from '@rapport/domain';
import {
  appendOneByOne,
  checkExpectedRevision,
  duplicateResult,
  lastPosition,
  validateAppendRequest,
} from '../append-rules';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../event-store.errors';
import type {
  AppendRequest,
  AppendResult,
  BatchAppendResult,
  CommandRecord,
  EventStore,
  ReadAllOptions,
  ReadCustomerOptions,
  ReadStreamOptions,
  StreamAppend,
  StreamRead,
  SubscribeOptions,
} from '../event-store.port';
import { CHAIN_START, type ChainHead, type ChainRecord } from '../hash-chain';
import { followAll } from './eventstoredb/all-subscription';
import {
  CHAIN_STREAM,
  extendChain,
  readChainTip,
  type ChainTip,
} from './eventstoredb/chain-stream';
import { customerIndexAppends, readCustomerFromIndex } from './eventstoredb/customer-index';
import { commandRecorded, commandStreamOf, isCommandRecorded } from './eventstoredb/command-record';
import {
  prepareEvent,
  toChainRecord,
  toEnvelope,
  type PreparedStream,
} from './eventstoredb/event.codec';
import { holds, toStreamState } from './eventstoredb/expectations';
import { positionOf, toSafeNumber } from './eventstoredb/log-position';
import { LogReader } from './eventstoredb/log-reader';
import { toStoreError } from './eventstoredb/store-errors';

export interface EventStoreDbEventStoreOptions {
  /** recordedAt of appended events, and the wait for a concurrent duplicate's record. */
  clock?: () => Date;
}

/** Pinned 'any'/'stream-exists' expectations may lose a race to a writer they allow. */
const MAX_PINNED_ATTEMPTS = 10;
/** Another process may extend the chain between our read of its head and our append. */
const MAX_CHAIN_ATTEMPTS = 50;
/** How long a loser of a commandId race waits for the winner's record to be readable. */
const COMMAND_WAIT_MS = 5000;

/**
 * Event store on KurrentDB (formerly EventStoreDB). Requires KurrentDB >= 25.1: appends use
 * the multi-stream append (v2 AppendSession), which older servers lack (the client then
 * throws "UnsupportedError"). The connection's user needs write access to the streams and
 * read access to $all; reads go to the leader (the default node preference), which the
 * read-back after an append relies on.
 *
 * This file is the append path; reads, the codec, positions, command records, the chain
 * head and the $all subscription each have a file in ./eventstoredb.
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
 *   fail on it and return the first append's events, read back through findCommand.
 * - Hash chain: every event's metadata carries its chain fields (CHAIN_KEY: sequence, hash,
 *   recordedAt), and each append moves the chain head (rapport_chain, see chain-stream.ts)
 *   in the same atomic append, so concurrent writers form one chain. The hash covers the
 *   stream revision, so an 'any'/'stream-exists' expectation is pinned to the revision read
 *   just before (retried if another writer moves it in between, as 'any' allows). Positions
 *   are log offsets the server assigns: the chain covers the sequence instead, and the events
 *   of one append are chained in request order, the order the server writes them in. Appends
 *   of one process take turns; appends of several processes retry on the chain head.
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
 * (one stream read per written stream) for their positions.
 *
 * Metadata: the v2 append only takes string-valued properties, so each metadata field
 * (and schemaVersion) is stored JSON-encoded, e.g. {"customerId":"\"c-1\"","schemaVersion":"1"},
 * and decoded on read.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly client: KurrentDBClient;
  private readonly reader: LogReader;
  private readonly clock: () => Date;
  private readonly inFlight = new Set<Promise<AppendResult>>();
  private closed = false;
  /** The chain head after this process's last append; re-read when another moved it. */
  private knownTip: ChainTip | undefined;
  /** Appends of this process extend the chain one after the other. */
  private chainTurn: Promise<unknown> = Promise.resolve();

  constructor(connectionString: string, options: EventStoreDbEventStoreOptions = {}) {
    // esdb:// still works but makes the client warn on every start.
    this.client = KurrentDBClient.connectionString(
      connectionString.replace(/^esdb(\+discover)?:\/\//, 'kurrentdb$1://'),
    );
    this.reader = new LogReader(this.client);
    this.clock = options.clock ?? (() => new Date());
  }

  /** One by one (see EventStore.appendBatch). */
  appendBatch(requests: readonly AppendRequest[]): Promise<BatchAppendResult> {
    return appendOneByOne((request) => this.append(request), requests);
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    if (this.closed) throw new EventStoreUnavailableError('the event store is closed');
    validateAppendRequest(request);
    // Everything that can be refused is refused here, before the first network call.
    const written: PreparedStream[] = request.streams
      .filter((stream) => stream.events.length > 0)
      .map((stream) => ({ stream, events: stream.events.map(prepareEvent) }));
    const pending = this.chainTurn.then(() => this.appendChecked(request, written));
    this.chainTurn = pending.catch(() => undefined);
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
            await this.reader.readEvents(streamId, {
              fromRevision: BigInt(from),
              ...(maxCount !== undefined && { maxCount }),
            })
          ).map(toEnvelope);
    // A read to the end saw the last event; a bounded (or empty) one asks for it.
    if (maxCount === undefined && events.length > 0) {
      return { events, revision: events[events.length - 1]!.streamRevision };
    }
    if (maxCount === undefined && from === 0) return { events, revision: -1 };
    return { events, revision: await this.reader.revisionOf(streamId) };
  }

  readAll({ after, limit }: ReadAllOptions): Promise<EventEnvelope[]> {
    return this.reader.readAll(after, limit, toEnvelope);
  }

  readCustomer({ customerId, after, limit }: ReadCustomerOptions): Promise<EventEnvelope[]> {
    if (limit <= 0) return Promise.resolve([]);
    return readCustomerFromIndex(this.reader, customerId, after, limit);
  }

  readChain({ after, limit }: ReadAllOptions): Promise<ChainRecord[]> {
    return this.reader.readAll(after, limit, toChainRecord);
  }

  async chainHead(): Promise<ChainHead> {
    const newest = await this.reader.newestVisible();
    if (!newest) return CHAIN_START;
    const { position, sequence, hash } = toChainRecord(newest);
    return { position, sequence, hash: hash ?? '' };
  }

  subscribe(options: SubscribeOptions): AsyncIterable<EventEnvelope[]> {
    return followAll(this.client, options, () => this.closed);
  }

  /** One read per command (a stream each): EventStoreDB has no lookup of many streams. */
  async findCommands(commandIds: readonly string[]): Promise<Map<string, CommandRecord>> {
    const records = new Map<string, CommandRecord>();
    for (const commandId of new Set(commandIds)) {
      const record = await this.findCommand(commandId);
      if (record) records.set(commandId, record);
    }
    return records;
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    const [stored] = await this.reader.readEvents(commandStreamOf(commandId), {
      fromRevision: START,
      maxCount: 1,
    });
    if (!stored) return undefined;
    const record = stored.data;
    if (!isCommandRecorded(record) || record.commandId !== commandId) {
      throw new Error(`the record of command ${commandId} is not a CommandRecorded event for it`);
    }
    const events = await this.reader.readRanges(record.streams);
    return {
      commandId,
      ...(record.fingerprint !== undefined && { fingerprint: record.fingerprint }),
      events,
    };
  }

  async headPosition(): Promise<number> {
    const newest = await this.reader.newestVisible();
    return newest ? positionOf(newest) : 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.client.dispose();
  }

  private async appendChecked(
    request: AppendRequest,
    written: PreparedStream[],
  ): Promise<AppendResult> {
    const { commandId } = request;
    const commandStream = commandId === undefined ? undefined : commandStreamOf(commandId);
    const conditions = request.streams.filter((stream) => stream.events.length === 0);
    const pinned = written
      .map(({ stream }) => stream)
      .filter((s) => s.expectedRevision === 'any' || s.expectedRevision === 'stream-exists');
    const toRead = [...conditions, ...pinned];

    // After a lost race, a pinned stream is pinned to the revision the server reported: a
    // fresh read could still miss the winner's write (reads follow the index, checks do not).
    const reported = new Map<string, number>();
    for (let attempt = 1; ; attempt++) {
      const observed = new Map(reported);
      try {
        const [tip] = await Promise.all([
          this.knownTip ?? readChainTip(this.reader),
          ...toRead
            .filter((s) => !observed.has(s.streamId))
            .map(async (s) => observed.set(s.streamId, await this.reader.revisionOf(s.streamId))),
        ]);
        for (const s of toRead) {
          checkExpectedRevision(s.streamId, s.expectedRevision, observed.get(s.streamId)!);
        }
        const expectedOf = (s: StreamAppend): AppendStreamState =>
          toStreamState(observed.get(s.streamId) ?? s.expectedRevision);
        const chained = extendChain(written, observed, tip, this.clock().toISOString());
        const requests: AppendStreamRequest[] = written.map(({ stream }, index) => ({
          streamName: stream.streamId,
          expectedState: expectedOf(stream),
          events: chained.events[index]!,
        }));
        // Which events are whose (readCustomer), in the same atomic append.
        requests.push(...customerIndexAppends(written, observed));
        requests.unshift({
          streamName: CHAIN_STREAM,
          expectedState: tip.revision === -1 ? NO_STREAM : BigInt(tip.revision),
          events: [chained.extended],
        });
        if (commandStream !== undefined) {
          // First, so that a duplicate is the failure the server reports.
          requests.unshift({
            streamName: commandStream,
            expectedState: NO_STREAM,
            events: [commandRecorded(request, written, observed)],
          });
        }
        this.knownTip = undefined; // unknown until the server answers
        const result = await this.client.multiStreamAppend(requests);
        this.knownTip = chained.tip;

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
        // The response holds revisions only: positions come from a read-back.
        const events = await this.reader.readBack(ranges);
        const sentIds = written.flatMap(({ events: sent }) => sent.map((e) => e.id));
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
        if (error.streamName === CHAIN_STREAM) {
          // Another process extended the chain first: hash again after its head.
          if (attempt < MAX_CHAIN_ATTEMPTS) continue;
          throw new EventStoreUnavailableError(
            `the hash chain head moved under ${MAX_CHAIN_ATTEMPTS} attempts in a row`,
          );
        }
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
    return this.reader.revisionOf(streamId); // deleted or unreported: the revision as it is now
  }

  /** A conflict naming no stream of the request: find the failed expectation by reading. */
  private async explainConflict(request: AppendRequest, error: Error): Promise<Error> {
    for (const stream of request.streams) {
      const actual = await this.reader.revisionOf(stream.streamId);
      if (!holds(stream, actual)) {
        return new WrongExpectedRevisionError(stream.streamId, stream.expectedRevision, actual);
      }
    }
    return error;
  }
}

function byStreamOrder(written: PreparedStream[]) {
  const order = new Map(written.map(({ stream }, index) => [stream.streamId, index]));
  return (a: EventEnvelope, b: EventEnvelope) =>
    order.get(a.streamId)! - order.get(b.streamId)! || a.streamRevision - b.streamRevision;
}
