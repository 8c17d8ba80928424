import Database from 'better-sqlite3';
import type { EventEnvelope, EventMetadata } from '@rapport/domain';
import {
  checkExpectedRevision,
  duplicateResult,
  lastPosition,
  serialize,
  validateAppendRequest,
} from '../append-rules';
import { AppendSignal, catchUp } from '../catch-up';
import { WriterThread } from './sqlite-writer-thread';
import { fromWireError, fromWireResult, type WriterReply } from './sqlite-writer.protocol';
import { EventStoreUnavailableError, InvalidAppendError } from '../event-store.errors';
import { CHAIN_START, chainHash, type ChainHead, type ChainRecord } from '../hash-chain';
import type {
  AppendRequest,
  AppendResult,
  BatchAppendResult,
  CommandRecord,
  EventStore,
  ReadAllOptions,
  ReadCustomerOptions,
  ReadStreamOptions,
  StreamRead,
  SubscribeOptions,
} from '../event-store.port';

export interface SqliteEventStoreOptions {
  /** Database file (created if missing). */
  file: string;
  /**
   * FULL (default) fsyncs every commit, so an acknowledged append survives power loss;
   * NORMAL only survives a process crash. Group commit amortises the fsync either way.
   */
  synchronous?: 'FULL' | 'NORMAL';
  clock?: () => Date;
  /** Most appends committed together in one transaction. */
  maxGroupSize?: number;
  /** How often an idle subscriber looks for appends made by another process. */
  fallbackPollMs?: number;
  /**
   * SQLite page cache of the connection, in MiB (SQLite's default, 2, when absent). A bulk
   * writer (a seed, an import) gives it more: its appends touch pages of the per-stream and
   * per-client indexes all over the file, which a small cache re-reads and spills mid-way.
   */
  cacheMiB?: number;
  /**
   * Commit on a thread of its own (sqlite-writer.worker.ts), which owns the connection that
   * writes: each commit's fsync, and SQLite's WAL checkpoints after it, then block that thread
   * instead of the event loop answering requests (the API's). Reads stay on this thread's
   * connection and see each group once it has committed; an append is acknowledged only after
   * its commit. If that thread is lost, the appends it held fail as unavailable and the store
   * commits on this thread again.
   */
  writerThread?: boolean;
}

interface PendingAppend {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
  result?: AppendResult;
  error?: unknown;
}

/** An appendBatch waiting for the writer thread. */
interface PendingBatch {
  requests: readonly AppendRequest[];
  resolve: (result: BatchAppendResult) => void;
  reject: (error: unknown) => void;
}

/** What one append of a group came to, committed on the thread that asked. */
export type GroupOutcome = { result: AppendResult } | { error: unknown };

const settled = () => undefined;

interface EventRow {
  position: number;
  id: string;
  stream_id: string;
  stream_revision: number;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  recorded_at: string;
  /** Null for events stored before business time existed: they read as recorded_at. */
  occurred_at?: string | null;
}

interface ChainRow extends EventRow {
  hash: string | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position        INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    stream_id       TEXT    NOT NULL,
    stream_revision INTEGER NOT NULL,
    type            TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    data            TEXT    NOT NULL,
    metadata        TEXT    NOT NULL,
    recorded_at     TEXT    NOT NULL,
    hash            TEXT,
    occurred_at     TEXT,
    UNIQUE (stream_id, stream_revision)
  );
  -- readCustomer: one client's events in position order, whatever the size of the log.
  CREATE INDEX IF NOT EXISTS events_by_customer
    ON events (json_extract(metadata, '$.customerId'), position);
  CREATE TABLE IF NOT EXISTS commands (
    command_id     TEXT PRIMARY KEY,
    fingerprint    TEXT,
    first_position INTEGER NOT NULL,
    last_position  INTEGER NOT NULL
  );
`;

/**
 * Event store in one SQLite file (WAL). Appends arriving in the same tick of the event loop
 * are group-committed: one transaction, one fsync. Each append runs in its own savepoint
 * inside it, so a failed expectation rolls back only that append, and the per-stream
 * revision checks see the appends committed before it in the same group.
 *
 * Hash chain: each row's `hash` (hash-chain.ts) covers its stored columns and the previous
 * row's hash; it is computed inside the group's transaction from the head read at its start,
 * so it commits with the row or not at all. Files written before the chain existed get the
 * column and the chain of their rows when first opened (once, in one transaction).
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly clock: () => Date;
  private readonly maxGroupSize: number;
  private readonly appended: AppendSignal;
  private readonly listeners = new Set<(head: number) => void>();
  private queue: PendingAppend[] = [];
  private batches: PendingBatch[] = [];
  private flushScheduled = false;
  private closed = false;
  /** Appends are queued or committing: close() waits for `idle`. */
  private busy = false;
  private idle: Promise<void> = Promise.resolve();
  /** A group or batch is being committed (by the writer thread, or a batch here). */
  private writing = false;
  private writer?: WriterThread;
  /** The newest link while a group commits: its appends extend it one by one. */
  private tip: ChainHead = CHAIN_START;
  /**
   * The revision of each stream the open transaction has appended to: a batch appends to the
   * same client's stream many times, and the index lookup is then needed once. Only appends
   * that went through are recorded; it is dropped with the transaction.
   */
  private written?: Map<string, number>;
  private markIdle: () => void = () => undefined;

  private readonly stmt: {
    revision: Database.Statement<[string], { revision: number | null }>;
    insert: Database.Statement<unknown[]>;
    findCommand: Database.Statement<
      [string],
      { fingerprint: string | null; first_position: number; last_position: number }
    >;
    findCommands: Database.Statement<
      [string],
      {
        command_id: string;
        fingerprint: string | null;
        first_position: number;
        last_position: number;
      }
    >;
    insertCommand: Database.Statement<unknown[]>;
    range: Database.Statement<[number, number], EventRow>;
    stream: Database.Statement<[string, number, number], EventRow>;
    wholeStream: Database.Statement<[string, number], EventRow>;
    all: Database.Statement<[number, number], EventRow>;
    customer: Database.Statement<[string, number, number], EventRow>;
    head: Database.Statement<[], { head: number | null }>;
    tip: Database.Statement<[], { position: number; hash: string | null }>;
    chain: Database.Statement<[number, number], ChainRow>;
  };
  private readonly appendOne: (request: AppendRequest, recordedAt: string) => AppendResult;
  private readonly commitMany: Database.Transaction<
    (requests: readonly AppendRequest[], recordedAt: string, results: AppendResult[]) => void
  >;
  private readonly commitGroup: Database.Transaction<
    (group: PendingAppend[], recordedAt: string) => void
  >;

  constructor(options: SqliteEventStoreOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.maxGroupSize = options.maxGroupSize ?? 1000;
    this.appended = new AppendSignal(options.fallbackPollMs ?? 1000);
    try {
      this.db = new Database(options.file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      this.db.pragma('busy_timeout = 5000');
      if (options.cacheMiB !== undefined)
        this.db.pragma(`cache_size = -${options.cacheMiB * 1024}`);
      this.db.exec(SCHEMA);
      chainUnchainedFile(this.db);
      addBusinessTime(this.db);
    } catch (error) {
      throw new EventStoreUnavailableError(
        `cannot open event store ${options.file}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const db = this.db;
    const columns =
      'position, id, stream_id, stream_revision, type, schema_version, data, metadata, recorded_at, occurred_at';
    this.stmt = {
      revision: db.prepare(
        'SELECT MAX(stream_revision) AS revision FROM events WHERE stream_id = ?',
      ),
      insert: db.prepare(
        'INSERT INTO events (position, id, stream_id, stream_revision, type, schema_version, data, metadata, recorded_at, hash, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      findCommand: db.prepare(
        'SELECT fingerprint, first_position, last_position FROM commands WHERE command_id = ?',
      ),
      // One lookup for many ids (a JSON array): no statement per count of ids.
      findCommands: db.prepare(
        'SELECT command_id, fingerprint, first_position, last_position FROM commands WHERE command_id IN (SELECT value FROM json_each(?))',
      ),
      // Recorded first: a command recorded before (the conflict) changes nothing.
      insertCommand: db.prepare(
        'INSERT INTO commands (command_id, fingerprint, first_position, last_position) VALUES (?, ?, ?, ?) ON CONFLICT (command_id) DO NOTHING',
      ),
      range: db.prepare(
        `SELECT ${columns} FROM events WHERE position BETWEEN ? AND ? ORDER BY position`,
      ),
      stream: db.prepare(
        `SELECT ${columns} FROM events WHERE stream_id = ? AND stream_revision >= ? ORDER BY stream_revision LIMIT ?`,
      ),
      // Without a LIMIT parameter: SQLite answers this several times faster (an empty
      // stream's read, which every new client's first command makes, in 5 µs instead of 18).
      wholeStream: db.prepare(
        `SELECT ${columns} FROM events WHERE stream_id = ? AND stream_revision >= ? ORDER BY stream_revision`,
      ),
      all: db.prepare(`SELECT ${columns} FROM events WHERE position > ? ORDER BY position LIMIT ?`),
      customer: db.prepare(
        `SELECT ${columns} FROM events WHERE json_extract(metadata, '$.customerId') = ? AND position > ? ORDER BY position LIMIT ?`,
      ),
      head: db.prepare('SELECT MAX(position) AS head FROM events'),
      tip: db.prepare('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1'),
      chain: db.prepare(
        `SELECT ${columns}, hash FROM events WHERE position > ? ORDER BY position LIMIT ?`,
      ),
    };

    // A nested better-sqlite3 transaction is a savepoint: a throw undoes only this append.
    this.appendOne = db.transaction((request: AppendRequest, recordedAt: string) =>
      this.appendInside(request, recordedAt),
    );
    // appendBatch: no savepoint per request; a failure undoes the whole transaction.
    this.commitMany = db.transaction(
      (requests: readonly AppendRequest[], recordedAt: string, results: AppendResult[]) => {
        this.tip = this.readTip();
        this.written = new Map();
        try {
          for (const request of requests) results.push(this.appendInside(request, recordedAt));
        } finally {
          this.written = undefined;
        }
      },
    );

    if (options.writerThread) {
      // Opened after this connection has created or migrated the file: the thread finds it
      // ready. Until it has started, its jobs wait in its port.
      this.writer = new WriterThread(
        {
          file: options.file,
          synchronous: options.synchronous ?? 'FULL',
          ...(options.cacheMiB !== undefined && { cacheMiB: options.cacheMiB }),
        },
        () => (this.writer = undefined),
      );
    }

    this.commitGroup = db.transaction((group: PendingAppend[], recordedAt: string) => {
      // Read inside the write transaction: no other connection can move the head meanwhile.
      this.tip = this.readTip();
      this.written = new Map();
      try {
        this.appendGroup(group, recordedAt);
      } finally {
        this.written = undefined;
      }
    });
  }

  /** Each pending append in its own savepoint, inside commitGroup's transaction. */
  private appendGroup(group: PendingAppend[], recordedAt: string): void {
    for (const pending of group) {
      const before = this.tip;
      try {
        pending.result = this.appendOne(pending.request, recordedAt);
      } catch (error) {
        this.tip = before; // the savepoint undid this append's rows
        this.written?.clear(); // and any revision it may have recorded
        // A storage failure (disk full, read-only file, I/O) is not this append's fault, and
        // SQLite may already have rolled back the whole transaction (it does on SQLITE_FULL):
        // going on would autocommit the rest of the group one by one. The whole group fails.
        if (isStorageFailure(error) || !this.db.inTransaction) throw error;
        pending.error = error;
      }
    }
  }

  /**
   * A newest row without a hash was put there outside the store: appends go on (the verifier
   * names that row), chained to a hash no genuine row has.
   */
  private readTip(): ChainHead {
    const tip = this.stmt.tip.get();
    return tip
      ? { position: tip.position, sequence: tip.position, hash: tip.hash ?? CHAIN_START.hash }
      : CHAIN_START;
  }

  /** One append's rows, inside the caller's transaction (or savepoint). */
  private appendInside(request: AppendRequest, recordedAt: string): AppendResult {
    if (request.commandId !== undefined) {
      // The command's row first, at the positions its events are about to take: if the id
      // was recorded before, nothing is inserted and this is the earlier append's answer.
      // Anything refused below undoes the row with the rest (savepoint or transaction).
      let count = 0;
      for (const stream of request.streams) count += stream.events.length;
      const recorded = this.stmt.insertCommand.run(
        request.commandId,
        request.fingerprint ?? null,
        this.tip.position + 1,
        this.tip.position + count,
      );
      if (recorded.changes === 0)
        return duplicateResult(request, this.loadCommand(request.commandId)!);
    }
    const revisions: Record<string, number> = {};
    for (const stream of request.streams) {
      const actual = this.written?.get(stream.streamId) ?? this.currentRevision(stream.streamId);
      checkExpectedRevision(stream.streamId, stream.expectedRevision, actual);
      revisions[stream.streamId] = actual;
    }
    const events: EventEnvelope[] = [];
    for (const stream of request.streams) {
      for (const event of stream.events) {
        const revision = (revisions[stream.streamId] ?? -1) + 1;
        revisions[stream.streamId] = revision;
        const data = serialize(event.data, `data of ${event.type}`);
        const metadata = serialize(event.metadata, `metadata of ${event.type}`);
        const position = this.tip.position + 1;
        const occurredAt = event.occurredAt ?? recordedAt;
        const hash = chainHash(
          {
            sequence: position,
            id: event.id,
            type: event.type,
            schemaVersion: event.schemaVersion,
            streamId: stream.streamId,
            streamRevision: revision,
            recordedAt,
            occurredAt,
            data,
            metadata,
          },
          this.tip.hash,
        );
        this.insertEvent([
          position,
          event.id,
          stream.streamId,
          revision,
          event.type,
          event.schemaVersion,
          data,
          metadata,
          recordedAt,
          hash,
          occurredAt,
        ]);
        this.tip = { position, sequence: position, hash };
        events.push({
          id: event.id,
          type: event.type,
          schemaVersion: event.schemaVersion,
          streamId: stream.streamId,
          streamRevision: revision,
          position,
          recordedAt,
          occurredAt,
          // The caller's own objects (already proven serialisable): no second parse.
          data: event.data,
          metadata: event.metadata,
        });
      }
    }
    if (this.written) for (const id in revisions) this.written.set(id, revisions[id]!);
    return { events, revisions, position: lastPosition(events), duplicate: false };
  }

  append(request: AppendRequest): Promise<AppendResult> {
    if (this.closed) {
      return Promise.reject(new EventStoreUnavailableError('the event store is closed'));
    }
    try {
      validateAppendRequest(request);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.markBusy();
      this.queue.push({ request, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private markBusy(): void {
    if (this.busy) return;
    this.busy = true;
    this.idle = new Promise((done) => (this.markIdle = done));
  }

  /**
   * Many appends in one transaction (one fsync), without a savepoint each: imports. If one
   * fails, the transaction is undone and the ones before it are committed again on their own.
   */
  async appendBatch(requests: readonly AppendRequest[]): Promise<BatchAppendResult> {
    if (this.closed) throw new EventStoreUnavailableError('the event store is closed');
    if (!this.writer) return this.appendBatchAt(requests, this.clock().toISOString());
    return new Promise<BatchAppendResult>((resolve, reject) => {
      this.markBusy();
      this.batches.push({ requests, resolve, reject });
      this.pump();
    });
  }

  /**
   * appendBatch on this thread's connection, recorded at `recordedAt`: the writer thread's
   * side of a batch (the main thread's clock decides the time).
   */
  async appendBatchAt(
    requests: readonly AppendRequest[],
    recordedAt: string,
  ): Promise<BatchAppendResult> {
    let invalid: { index: number; error: unknown } | undefined;
    for (let index = 0; index < requests.length && !invalid; index++) {
      try {
        validateAppendRequest(requests[index]!);
      } catch (error) {
        invalid = { index, error };
      }
    }
    const valid = invalid ? requests.slice(0, invalid.index) : requests;
    const results: AppendResult[] = [];
    try {
      this.commitMany.immediate(valid, recordedAt, results);
    } catch (error) {
      if (isStorageFailure(error)) {
        throw new EventStoreUnavailableError(
          `the event store could not commit: ${(error as Error).message}`,
          { cause: error },
        );
      }
      // results holds the requests that went through before the failing one.
      const failed = { index: results.length, error };
      const before = await this.appendBatchAt(valid.slice(0, failed.index), recordedAt);
      return { results: before.results, failed: before.failed ?? failed };
    }
    if (results.length > 0) this.afterCommit();
    return { results, ...(invalid && { failed: invalid }) };
  }

  private afterCommit(): void {
    this.appended.notify();
    if (this.listeners.size > 0) {
      const head = this.stmt.head.get()?.head ?? 0;
      for (const listener of this.listeners) listener(head);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    this.pump();
  }

  /**
   * Commits what is queued: here, group after group, or with a writer thread one job at a time
   * (what arrives meanwhile waits, and goes as the next group: while the thread fsyncs, this
   * one keeps answering).
   */
  private pump(): void {
    while (!this.writing) {
      const batch = this.batches.shift();
      if (batch) {
        this.startBatch(batch);
        continue;
      }
      if (this.queue.length === 0) {
        this.busy = false;
        this.markIdle();
        return;
      }
      const group = this.queue.splice(0, this.maxGroupSize);
      const recordedAt = this.clock().toISOString();
      if (this.writer) this.startGroup(this.writer, group, recordedAt);
      else this.commitHere(group, recordedAt);
    }
  }

  private commitHere(group: PendingAppend[], recordedAt: string): void {
    try {
      this.commitGroupNow(group, recordedAt);
    } catch (failure) {
      for (const pending of group) pending.reject(failure);
      return;
    }
    for (const pending of group) {
      if (pending.result) pending.resolve(pending.result);
      else pending.reject(pending.error);
    }
    this.afterCommit();
  }

  /** Throws EventStoreUnavailableError when the commit itself failed: nothing is stored. */
  private commitGroupNow(group: PendingAppend[], recordedAt: string): void {
    try {
      this.commitGroup.immediate(group, recordedAt);
    } catch (error) {
      throw new EventStoreUnavailableError(
        `the event store could not commit: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /**
   * The writer thread's side of a group: the appends committed now, on this thread's
   * connection, each in its own savepoint. Throws when the commit itself failed.
   */
  commitGroupAt(requests: readonly AppendRequest[], recordedAt: string): GroupOutcome[] {
    const group: PendingAppend[] = requests.map((request) => ({
      request,
      resolve: settled,
      reject: settled,
    }));
    this.commitGroupNow(group, recordedAt);
    this.afterCommit();
    return group.map((pending) =>
      pending.result ? { result: pending.result } : { error: pending.error },
    );
  }

  /**
   * Resolves once appends can be committed without waiting for a thread to start: at once,
   * or with `writerThread` when that thread has opened the file (or was lost: this one writes).
   */
  ready(): Promise<void> {
    return this.writer?.ready ?? Promise.resolve();
  }

  /**
   * A pragma (simple result) on the connection that writes: the writer thread's, or this one.
   * Tests limit the file's growth with max_page_count there to make a commit run out of room.
   */
  async pragmaOnWriter(pragma: string): Promise<unknown> {
    if (!this.writer) return this.db.pragma(pragma, { simple: true });
    const reply = await this.writer.run({ kind: 'pragma', pragma });
    if (reply.kind !== 'pragma') throw unexpectedReply(reply);
    return reply.value;
  }

  private startGroup(writer: WriterThread, group: PendingAppend[], recordedAt: string): void {
    this.writing = true;
    writer
      .run({ kind: 'group', requests: group.map((pending) => pending.request), recordedAt })
      .then(
        (reply) => this.settleGroup(group, reply),
        (error: unknown) => {
          for (const pending of group) pending.reject(error);
        },
      )
      .finally(() => {
        this.writing = false;
        this.pump();
      });
  }

  private settleGroup(group: PendingAppend[], reply: WriterReply): void {
    if (reply.kind !== 'group') {
      const error = unexpectedReply(reply);
      for (const pending of group) pending.reject(error);
      return;
    }
    reply.outcomes.forEach((outcome, index) => {
      const pending = group[index]!;
      if ('result' in outcome) pending.resolve(fromWireResult(pending.request, outcome.result));
      else pending.reject(fromWireError(outcome.error));
    });
    this.afterCommit();
  }

  /** A batch after the ones before it: on the writer thread, or here if that was lost. */
  private startBatch(batch: PendingBatch): void {
    this.writing = true;
    const recordedAt = this.clock().toISOString();
    const writer = this.writer;
    const committed = writer
      ? writer
          .run({ kind: 'batch', requests: [...batch.requests], recordedAt })
          .then((reply) => this.batchResult(batch.requests, reply))
      : this.appendBatchAt(batch.requests, recordedAt);
    committed.then(batch.resolve, batch.reject).finally(() => {
      this.writing = false;
      this.pump();
    });
  }

  private batchResult(requests: readonly AppendRequest[], reply: WriterReply): BatchAppendResult {
    if (reply.kind !== 'batch') throw unexpectedReply(reply);
    const results = reply.results.map((result, index) => fromWireResult(requests[index]!, result));
    if (results.length > 0) this.afterCommit();
    return {
      results,
      ...(reply.failed && {
        failed: { index: reply.failed.index, error: fromWireError(reply.failed.error) },
      }),
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StreamRead> {
    const from = options.fromRevision ?? 0;
    if (options.maxCount !== undefined) {
      const rows = this.stmt.stream.all(streamId, from, options.maxCount);
      return { events: rows.map(toEnvelope), revision: this.currentRevision(streamId) };
    }
    const rows = this.stmt.wholeStream.all(streamId, from);
    // Every event from `from` on was read: the last one is the stream's revision, and none
    // read from 0 means an empty stream. Otherwise (nothing after `from`) it is looked up.
    const last = rows[rows.length - 1];
    const revision = last ? last.stream_revision : from === 0 ? -1 : this.currentRevision(streamId);
    return { events: rows.map(toEnvelope), revision };
  }

  async readAll({ after, limit }: ReadAllOptions): Promise<EventEnvelope[]> {
    return this.stmt.all.all(after, limit).map(toEnvelope);
  }

  async readCustomer({ customerId, after, limit }: ReadCustomerOptions): Promise<EventEnvelope[]> {
    return this.stmt.customer.all(customerId, after, limit).map(toEnvelope);
  }

  /** The plan SQLite uses for readCustomer (tests check that it is the index). */
  explainReadCustomer(): string {
    return (
      this.db
        .prepare(
          "EXPLAIN QUERY PLAN SELECT * FROM events WHERE json_extract(metadata, '$.customerId') = ? AND position > ? ORDER BY position LIMIT ?",
        )
        .all('c', 0, 1) as { detail: string }[]
    )
      .map((row) => row.detail)
      .join('; ');
  }

  subscribe(options: SubscribeOptions): AsyncIterable<EventEnvelope[]> {
    return catchUp(
      {
        readAll: (o) => this.readAll(o),
        waitForAppend: async (position, signal) => {
          if (this.closed) {
            await new Promise<void>((resolve) => {
              if (signal?.aborted) resolve();
              signal?.addEventListener('abort', () => resolve(), { once: true });
            });
            return;
          }
          if ((this.stmt.head.get()?.head ?? 0) > position) return;
          await this.appended.wait(signal);
        },
      },
      options,
    );
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    return this.loadCommand(commandId);
  }

  async findCommands(commandIds: readonly string[]): Promise<Map<string, CommandRecord>> {
    const records = new Map<string, CommandRecord>();
    for (let from = 0; from < commandIds.length; from += 1000) {
      const chunk = JSON.stringify(commandIds.slice(from, from + 1000));
      for (const row of this.stmt.findCommands.all(chunk)) {
        records.set(row.command_id, {
          commandId: row.command_id,
          ...(row.fingerprint !== null && { fingerprint: row.fingerprint }),
          events: this.stmt.range.all(row.first_position, row.last_position).map(toEnvelope),
        });
      }
    }
    return records;
  }

  /**
   * Called after each group commit with the new head: how another thread (the embedded
   * projector's worker) learns of appends without polling.
   */
  onAppended(listener: (head: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Wakes this instance's idle subscribers: another connection has appended. */
  wake(): void {
    this.appended.notify();
  }

  async readChain({ after, limit }: ReadAllOptions): Promise<ChainRecord[]> {
    return this.stmt.chain.all(after, limit).map(toChainRecord);
  }

  async chainHead(): Promise<ChainHead> {
    const tip = this.stmt.tip.get();
    if (!tip) return CHAIN_START;
    return { position: tip.position, sequence: tip.position, hash: tip.hash ?? '' };
  }

  async headPosition(): Promise<number> {
    return this.stmt.head.get()?.head ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle;
    this.appended.notify();
    await this.writer?.stop();
    this.db.close();
  }

  private currentRevision(streamId: string): number {
    return this.stmt.revision.get(streamId)?.revision ?? -1;
  }

  private insertEvent(values: unknown[]): Database.RunResult {
    try {
      return this.stmt.insert.run(...values);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new InvalidAppendError(`event id ${String(values[0])} is already in the store`);
      }
      throw error;
    }
  }

  private loadCommand(commandId: string): CommandRecord | undefined {
    const row = this.stmt.findCommand.get(commandId);
    if (!row) return undefined;
    return {
      commandId,
      ...(row.fingerprint !== null && { fingerprint: row.fingerprint }),
      events: this.stmt.range.all(row.first_position, row.last_position).map(toEnvelope),
    };
  }
}

/** A reply of the other kind: a failed commit, or a bug in the protocol. */
function unexpectedReply(reply: WriterReply): Error {
  return reply.kind === 'failure'
    ? fromWireError(reply.error)
    : new EventStoreUnavailableError(`the writer thread answered a ${reply.kind}`);
}

/** SQLite result codes that mean the storage, not the request, is at fault. */
const STORAGE_FAILURES =
  /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|NOMEM|BUSY|LOCKED|PERM)/;

function isStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_FAILURES.test(code);
}

/** Gives a file written before business time existed its (empty) `occurred_at` column. */
function addBusinessTime(db: Database.Database): void {
  const columns = db.pragma('table_info(events)') as { name: string }[];
  if (columns.some((column) => column.name === 'occurred_at')) return;
  db.exec('ALTER TABLE events ADD COLUMN occurred_at TEXT');
}

/**
 * Gives a file written before the hash chain existed its `hash` column and the chain of its
 * rows, in one transaction: a crash leaves the file as it was, and the next open starts over.
 */
function chainUnchainedFile(db: Database.Database): void {
  const columns = db.pragma('table_info(events)') as { name: string }[];
  if (columns.some((column) => column.name === 'hash')) return;
  db.transaction(() => {
    db.exec('ALTER TABLE events ADD COLUMN hash TEXT');
    const page = db.prepare<[number], EventRow>(
      'SELECT position, id, stream_id, stream_revision, type, schema_version, data, metadata, recorded_at FROM events WHERE position > ? ORDER BY position LIMIT 10000',
    );
    const update = db.prepare<[string, number]>('UPDATE events SET hash = ? WHERE position = ?');
    let previous = CHAIN_START.hash;
    for (let after = 0; ;) {
      const rows = page.all(after);
      if (rows.length === 0) break;
      for (const row of rows) {
        // Sequence = position: the chain then also proves that no position went missing
        // before the migration. A file with gaps cannot be chained honestly.
        if (row.position !== after + 1) {
          throw new Error(
            `cannot chain an event store with a gap: position ${after + 1} is missing`,
          );
        }
        previous = chainHash(toChainRecord({ ...row, hash: null }), previous);
        update.run(previous, row.position);
        after = row.position;
      }
    }
  }).immediate();
}

function toChainRecord(row: ChainRow): ChainRecord {
  return {
    position: row.position,
    sequence: row.position,
    id: row.id,
    type: row.type,
    schemaVersion: row.schema_version,
    streamId: row.stream_id,
    streamRevision: row.stream_revision,
    recordedAt: row.recorded_at,
    ...(typeof row.occurred_at === 'string' && { occurredAt: row.occurred_at }),
    data: row.data,
    metadata: row.metadata,
    hash: row.hash,
  };
}

function toEnvelope(row: EventRow): EventEnvelope {
  const envelope = {
    id: row.id,
    type: row.type,
    schemaVersion: row.schema_version,
    streamId: row.stream_id,
    streamRevision: row.stream_revision,
    position: row.position,
    recordedAt: row.recorded_at,
    occurredAt: row.occurred_at ?? row.recorded_at,
    data: JSON.parse(row.data) as unknown,
  } as EventEnvelope;
  // Most readers (projections replaying millions of events) never look at the metadata:
  // it is parsed on first access, then kept. To every reader it is an ordinary property.
  const raw = row.metadata;
  Object.defineProperty(envelope, 'metadata', {
    enumerable: true,
    configurable: true,
    get(this: EventEnvelope) {
      const metadata = JSON.parse(raw) as EventMetadata;
      Object.defineProperty(this, 'metadata', {
        value: metadata,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return metadata;
    },
    set(this: EventEnvelope, value: EventMetadata) {
      Object.defineProperty(this, 'metadata', {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    },
  });
  return envelope;
}
