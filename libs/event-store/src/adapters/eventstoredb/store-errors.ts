import { ErrorType, convertToCommandError, isCommandError } from '@kurrent/kurrentdb-client';
import { EventStoreUnavailableError, InvalidAppendError } from '../../event-store.errors';

/** A range read back after an append that is not complete yet. */
export class IncompleteRangeError extends Error {}

/** Client errors the port knows: unreachable server → unavailable, too large → invalid. */
export function toStoreError(raw: unknown): unknown {
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
