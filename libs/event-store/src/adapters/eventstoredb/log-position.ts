import { START, type Position, type ReadPosition } from '@kurrent/kurrentdb-client';

/** Where a $all read or subscription starts for "after `position`". */
export function positionAt(position: number): ReadPosition {
  return position > 0 ? { commit: BigInt(position), prepare: BigInt(position) } : START;
}

/** An event's prepare position: the byte offset of its record in the transaction log. */
export function positionOf(event: { id: string; position?: Position }): number {
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
export function allPositionOf(
  event: { id: string; position?: Position },
  cursor: number,
): number | undefined {
  const position = positionOf(event);
  if (position === cursor) return undefined;
  if (position < cursor) {
    throw new Error(
      `$all is not ordered by log position at ${position} (after ${cursor}): events written in explicit transactions are not supported`,
    );
  }
  return position;
}

export function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`${what} ${value} is beyond what a JS number holds exactly`);
  }
  return Number(value);
}
