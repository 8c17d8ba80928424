import { invalid } from './domain-error';

/** Clock skew we tolerate between a caller's clock and ours. */
export const ALLOWED_CLOCK_SKEW_MS = 5 * 60 * 1000;

export function requireText(field: string, value: string): void {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw invalid('REQUIRED_FIELD', `${field} must not be empty`, { field });
  }
}

export function assertNotInFuture(field: string, at: string, now: string): void {
  const time = Date.parse(at);
  if (Number.isNaN(time)) {
    throw invalid('INVALID_TIMESTAMP', `${field} is not a valid ISO 8601 time`, { field, at });
  }
  if (time > Date.parse(now) + ALLOWED_CLOCK_SKEW_MS) {
    throw invalid('TIMESTAMP_IN_FUTURE', `${field} lies in the future`, { field, at, now });
  }
}

/** The longest activity or contact we record: a working week, in minutes. */
export const MAX_DURATION_MINUTES = 7 * 24 * 60;

export function assertDuration(durationMinutes: number | undefined): void {
  if (
    durationMinutes !== undefined &&
    !(
      Number.isInteger(durationMinutes) &&
      durationMinutes >= 1 &&
      durationMinutes <= MAX_DURATION_MINUTES
    )
  ) {
    throw invalid(
      'INVALID_DURATION',
      `durationMinutes is a whole number from 1 to ${MAX_DURATION_MINUTES}`,
      { durationMinutes },
    );
  }
}
