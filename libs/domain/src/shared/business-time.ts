import { invalid } from './domain-error';
import { ALLOWED_CLOCK_SKEW_MS } from './rules';

/**
 * The business time of a command: when what it records happened. A service importing an
 * older system's history states it (`occurredAt`); otherwise it is the time the command was
 * received. It becomes the command's `now`, so every date a decider writes (createdAt, wonAt,
 * churnedAt...) and the envelope's occurredAt say when it happened, not when it was imported.
 *
 * A time in the future is refused (OCCURRED_AT_IN_FUTURE): nothing can have happened after it
 * was recorded. The sender's clock may run ahead of ours by up to ALLOWED_CLOCK_SKEW_MS (five
 * minutes); such a time is taken as the time of receipt, so business time never runs ahead of
 * record time.
 */
export function businessTime(occurredAt: string | undefined, receivedAt: string): string {
  if (occurredAt === undefined) return receivedAt;
  const time = Date.parse(occurredAt);
  if (Number.isNaN(time)) {
    throw invalid('INVALID_TIMESTAMP', 'occurredAt is not a valid ISO 8601 time', {
      field: 'occurredAt',
      at: occurredAt,
    });
  }
  const received = Date.parse(receivedAt);
  if (time > received + ALLOWED_CLOCK_SKEW_MS) {
    throw invalid(
      'OCCURRED_AT_IN_FUTURE',
      `occurredAt ${occurredAt} lies in the future (received at ${receivedAt}; tolerated clock skew ${ALLOWED_CLOCK_SKEW_MS / 60_000} minutes)`,
      { field: 'occurredAt', occurredAt, receivedAt, toleranceMs: ALLOWED_CLOCK_SKEW_MS },
    );
  }
  return time > received ? receivedAt : new Date(time).toISOString();
}
