import { randomFillSync } from 'node:crypto';

/** Random bytes drawn a pool at a time: one call into the OS per 256 ids, not one per id. */
const POOL_IDS = 256;
const pool = Buffer.alloc(POOL_IDS * 10);
let used = POOL_IDS;

let lastMillis = -1;
let sequence = 0;

/**
 * A time-ordered UUID (version 7, RFC 9562): the id of every event, of a command without an
 * idempotency key, and of every record the system creates (a client, a deal, an activity, a
 * case) unless the caller chose one. Ids that grow with time land at the right edge of the store's unique index
 * instead of a random page of it, so an append's index insert costs the same at a million
 * events as at a thousand (random v4 ids made it grow with the log); a record's later events
 * go to the pages of recently created records, which the page cache holds. Within one millisecond a
 * 12-bit counter keeps the ids of this process increasing; 74 bits stay random, so ids from
 * several processes (the API, the relay, an import) do not collide.
 */
export function timeOrderedId(now: number = Date.now()): string {
  if (used === POOL_IDS) {
    randomFillSync(pool);
    used = 0;
  }
  const random = used++ * 10;
  if (now > lastMillis) {
    lastMillis = now;
    sequence = pool[random]! & 0x3ff; // start low in the 12 bits: room to count up
  } else if (sequence < 0xfff) {
    // The same millisecond, or a clock that went back: keep counting from the last id.
    sequence++;
  } else {
    // 4,096 ids in one millisecond: borrow the next one, as RFC 9562 allows.
    lastMillis++;
    sequence = 0;
  }
  const time = lastMillis.toString(16).padStart(12, '0');
  const variant = 0x80 | (pool[random + 1]! & 0x3f);
  return (
    `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hex(sequence, 3)}-` +
    `${hex(variant, 2)}${hex(pool[random + 2]!, 2)}-` +
    pool.toString('hex', random + 3, random + 9)
  );
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}
