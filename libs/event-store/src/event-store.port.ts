import type { EventEnvelope, EventMetadata } from '@rapport/domain';
import type { ChainHead, ChainRecord } from './hash-chain';

/**
 * The source of truth: an append-only log of streams, with one global order.
 *
 * Guarantees every adapter must keep (checked by testing/event-store.contract.ts):
 * - Atomicity: an append writes all its events to all its streams, or nothing.
 * - Optimistic concurrency: each stream in an append states the revision it expects;
 *   if any expectation fails the append fails with WrongExpectedRevisionError and
 *   writes nothing. Of concurrent appends expecting the same revision, exactly one wins.
 * - Stream order: streamRevision is 0-based and gapless per stream.
 * - Global order: positions start at 1 and strictly increase in append order; a reader
 *   never sees position n+1 before position n is readable.
 * - Idempotency: an append carrying a commandId that was already recorded writes nothing
 *   and returns the first append's events (duplicate: true); the same commandId with a
 *   different fingerprint fails with CommandIdReusedError.
 * - Durability: once append resolves, the events survive a process crash.
 * - Hash chain: every event is stored with a hash of its content (data and metadata as
 *   stored) and of its predecessor's hash in the global order (hash-chain.ts), written in the
 *   same commit as the event; a duplicate or failed append adds no link.
 */
export interface EventStore {
  append(request: AppendRequest): Promise<AppendResult>;
  /**
   * Many appends in order, as if `append` were called for each in turn and each waited for
   * the previous one (imports: thousands of commands per call). Stops at the first request
   * that fails: the ones before it are appended, it and the ones after are not, and `failed`
   * says which and why. Adapters that can commit them together do (SQLite: one transaction,
   * one fsync); the others append one by one. Each request keeps append's rules (expected
   * revisions, idempotency by commandId, chain).
   */
  appendBatch(requests: readonly AppendRequest[]): Promise<BatchAppendResult>;
  /** The stream's events in revision order; `revision` is -1 for a stream with no events. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StreamRead>;
  /** Events of every stream strictly after `after`, in position order. */
  readAll(options: ReadAllOptions): Promise<EventEnvelope[]>;
  /**
   * The events whose `metadata.customerId` is this client (of every stream: the client's,
   * their deals', complaints', activities', audit...), strictly after `after`, in position
   * order. Served by an index: the cost is bounded by the client's own history, never by
   * the size of the log.
   */
  readCustomer(options: ReadCustomerOptions): Promise<EventEnvelope[]>;
  /**
   * Catch-up then live subscription to the global log: yields batches in position order,
   * starting strictly after `after`, and waits for new appends without busy polling.
   * Ends when `signal` aborts. Delivery to one iterator is in order and without gaps.
   */
  subscribe(options: SubscribeOptions): AsyncIterable<EventEnvelope[]>;
  /** The events an earlier append recorded under this commandId, if any. */
  findCommand(commandId: string): Promise<CommandRecord | undefined>;
  /**
   * findCommand for many commandIds at once (an import's batch): the records of those that
   * were recorded, by commandId; the others are absent from the map.
   */
  findCommands(commandIds: readonly string[]): Promise<Map<string, CommandRecord>>;
  /** Events strictly after `after` as stored, each with its hash, in position order. */
  readChain(options: ReadAllOptions): Promise<ChainRecord[]>;
  /** The newest link of the hash chain (CHAIN_START when the log is empty). */
  chainHead(): Promise<ChainHead>;
  /** The position of the newest event, 0 when the log is empty. */
  headPosition(): Promise<number>;
  /** Completes appends already accepted, then releases the store. */
  close(): Promise<void>;
}

/** The revision a stream must be at: a number, or one of the named expectations. */
export type ExpectedRevision = number | 'no-stream' | 'stream-exists' | 'any';

export interface NewEvent {
  id: string;
  type: string;
  schemaVersion: number;
  /** Business time (see EventEnvelope.occurredAt); the store's recordedAt when absent. */
  occurredAt?: string;
  data: unknown;
  metadata: EventMetadata;
}

export interface StreamAppend {
  streamId: string;
  expectedRevision: ExpectedRevision;
  /** May be empty: the stream is then only a condition of the append. */
  events: NewEvent[];
}

export interface AppendRequest {
  streams: StreamAppend[];
  /** Idempotency key: recorded with the events, at most once per store. */
  commandId?: string;
  /** A digest of the command's input, to detect a commandId reused for another command. */
  fingerprint?: string;
}

export interface AppendResult {
  /** The appended events (or, for a duplicate, the first append's events) in order. */
  events: EventEnvelope[];
  /** Revision of each stream in the request after the append (-1: still empty). */
  revisions: Record<string, number>;
  /** Position of the last event of the append (0 if none was written). */
  position: number;
  /** True when the commandId had been recorded before and nothing was written. */
  duplicate: boolean;
}

export interface BatchAppendResult {
  /** One per request appended (or found as a duplicate), in request order. */
  results: AppendResult[];
  /** The request that failed (index into the requests) and its error; nothing after it ran. */
  failed?: { index: number; error: unknown };
}

export interface CommandRecord {
  commandId: string;
  fingerprint?: string;
  events: EventEnvelope[];
}

export interface ReadStreamOptions {
  fromRevision?: number;
  maxCount?: number;
}

export interface StreamRead {
  events: EventEnvelope[];
  /** Revision of the stream's last event (not of the last one returned); -1 if empty. */
  revision: number;
}

export interface ReadAllOptions {
  after: number;
  limit: number;
}

export interface ReadCustomerOptions extends ReadAllOptions {
  customerId: string;
}

export interface SubscribeOptions {
  after: number;
  batchSize?: number;
  signal?: AbortSignal;
}

export const EVENT_STORE = Symbol('EVENT_STORE');
