import type { EventEnvelope } from '@rapport/domain';
import {
  CommandIdReusedError,
  EventStoreUnavailableError,
  InvalidAppendError,
  WrongExpectedRevisionError,
} from '../event-store.errors';
import type { AppendRequest, AppendResult, ExpectedRevision } from '../event-store.port';

/** What the writer thread is started with. */
export interface WriterThreadData {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  cacheMiB?: number;
}

/** A job for the writer thread: one group of appends, or one appendBatch. */
export type WriterJob =
  | {
      id: number;
      /** A group: each append on its own (savepoints); a batch: all or, on a failure, a prefix. */
      kind: 'group' | 'batch';
      requests: AppendRequest[];
      /** The main thread's clock, read when the job left it (the store's clock is an input). */
      recordedAt: string;
    }
  /** A pragma on the connection that writes (tests limit its file's growth with one). */
  | { id: number; kind: 'pragma'; pragma: string };

/** Its answer, once the job's transaction committed (or failed as a whole). */
export type WriterReply =
  /** Sent once, when the thread has opened the file: jobs sent before wait in its port. */
  | { kind: 'ready' }
  | { id: number; kind: 'group'; outcomes: WireOutcome[] }
  | {
      id: number;
      kind: 'batch';
      results: WireResult[];
      failed?: { index: number; error: WireError };
    }
  | { id: number; kind: 'pragma'; value: unknown }
  | { id: number; kind: 'failure'; error: WireError };

export type WireOutcome = { result: WireResult } | { error: WireError };

/**
 * An append's result without the events' data and metadata, which the caller holds already
 * (a duplicate's events are the first append's, read from the file: those travel whole).
 */
export type WireResult = Omit<AppendResult, 'events'> & {
  events: Omit<EventEnvelope, 'data' | 'metadata'>[] | EventEnvelope[];
};

/** An error as it crosses the threads: its class by name, and the fields callers read. */
export interface WireError {
  name: string;
  message: string;
  streamId?: string;
  expected?: ExpectedRevision;
  actual?: number;
  commandId?: string;
  code?: string;
}

export function toWireResult(result: AppendResult): WireResult {
  if (result.duplicate) return result;
  return {
    ...result,
    events: result.events.map(({ data: _data, metadata: _metadata, ...rest }) => rest),
  };
}

/** The result of `request` as the writer thread committed it, with the caller's own objects. */
export function fromWireResult(request: AppendRequest, wire: WireResult): AppendResult {
  if (wire.duplicate) return wire as AppendResult;
  const sent = request.streams.flatMap((stream) => stream.events);
  const events = wire.events.map(
    (event, index) =>
      ({ ...event, data: sent[index]!.data, metadata: sent[index]!.metadata }) as EventEnvelope,
  );
  return { ...wire, events };
}

export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const fields = error as Error & Partial<WireError>;
  return {
    name: error.name,
    message: error.message,
    ...(fields.streamId !== undefined && { streamId: fields.streamId }),
    ...(fields.expected !== undefined && { expected: fields.expected }),
    ...(fields.actual !== undefined && { actual: fields.actual }),
    ...(fields.commandId !== undefined && { commandId: fields.commandId }),
    ...(typeof fields.code === 'string' && { code: fields.code }),
  };
}

/** The error the store itself would have thrown, so callers map it to the same answer. */
export function fromWireError(wire: WireError): Error {
  switch (wire.name) {
    case 'WrongExpectedRevisionError':
      return new WrongExpectedRevisionError(wire.streamId!, wire.expected!, wire.actual!);
    case 'CommandIdReusedError':
      return new CommandIdReusedError(wire.commandId!);
    case 'InvalidAppendError':
      return new InvalidAppendError(wire.message);
    case 'EventStoreUnavailableError':
      return new EventStoreUnavailableError(wire.message);
    default:
      return Object.assign(new Error(wire.message), {
        name: wire.name,
        ...(wire.code !== undefined && { code: wire.code }),
      });
  }
}
