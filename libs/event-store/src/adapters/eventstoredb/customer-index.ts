import { createHash, randomUUID } from 'node:crypto';
import { ANY, type AppendStreamRequest, type JSONType } from '@kurrent/kurrentdb-client';
import type { EventEnvelope } from '@rapport/domain';
import type { Range } from './command-record';
import { encodeMetadata, type PreparedStream } from './event.codec';
import { firstRevision } from './expectations';

/**
 * Which events of the log are about one client, for readCustomer: one stream per client,
 * rapport_customer.<sha256(customerId)> (the same alphabet rules as the command records), and
 * one CustomerEventsIndexed event per append that wrote events of that client, naming the
 * ranges of revisions it wrote. It is written in the same atomic multi-stream append as the
 * events (expecting any revision): the index never names an event that is not in the log,
 * and no event of a client is missing from it. Appends are serialised by the chain head, so
 * the index stream's order is the log's order.
 *
 * Events appended before this index existed are not in it (a store written by an older
 * version needs `rapport reindex-customers`, not written yet: see docs/consuming-services.md).
 */
export const CUSTOMER_INDEX_PREFIX = 'rapport_customer.';
const CUSTOMER_EVENTS_INDEXED = 'CustomerEventsIndexed';

export interface CustomerEventsIndexedData {
  ranges: Range[];
}

export function customerIndexStreamOf(customerId: string): string {
  return CUSTOMER_INDEX_PREFIX + createHash('sha256').update(customerId).digest('hex');
}

/** The index appends of an append: one per client with events in it. */
export function customerIndexAppends(
  written: PreparedStream[],
  observed: ReadonlyMap<string, number>,
): AppendStreamRequest[] {
  const rangesByCustomer = new Map<string, Range[]>();
  for (const { stream, events } of written) {
    let revision = firstRevision(stream, observed);
    for (const event of events) {
      const customerId = event.metadata.customerId;
      const at = revision++;
      if (!customerId) continue;
      const ranges = rangesByCustomer.get(customerId) ?? [];
      const last = ranges[ranges.length - 1];
      if (last && last.streamId === stream.streamId && last.fromRevision + last.count === at) {
        last.count++;
      } else {
        ranges.push({ streamId: stream.streamId, fromRevision: at, count: 1 });
      }
      rangesByCustomer.set(customerId, ranges);
    }
  }
  return [...rangesByCustomer].map(([customerId, ranges]) => ({
    streamName: customerIndexStreamOf(customerId),
    expectedState: ANY,
    events: [
      {
        id: randomUUID(),
        contentType: 'application/json',
        type: CUSTOMER_EVENTS_INDEXED,
        data: { ranges } satisfies CustomerEventsIndexedData as unknown as JSONType,
        metadata: encodeMetadata({ schemaVersion: 1 }),
      },
    ],
  }));
}

export function isCustomerEventsIndexed(data: unknown): data is CustomerEventsIndexedData {
  if (data === null || typeof data !== 'object') return false;
  const { ranges } = data as Record<string, unknown>;
  return (
    Array.isArray(ranges) &&
    ranges.every((range: unknown) => {
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

/**
 * Reads a client's events after `after` from its index: index entries in order, each
 * resolved to the events it names (one stream read per range), those of the client after
 * `after` kept, until `limit`. The cost is the client's own history.
 */
export async function readCustomerFromIndex(
  reader: {
    readEvents(
      streamId: string,
      options: { fromRevision: bigint; maxCount?: number },
    ): Promise<{ data: unknown }[]>;
    readRanges(ranges: Range[]): Promise<EventEnvelope[]>;
  },
  customerId: string,
  after: number,
  limit: number,
): Promise<EventEnvelope[]> {
  const found: EventEnvelope[] = [];
  const page = 100;
  for (let from = 0n; found.length < limit; from += BigInt(page)) {
    const entries = await reader.readEvents(customerIndexStreamOf(customerId), {
      fromRevision: from,
      maxCount: page,
    });
    for (const entry of entries) {
      if (!isCustomerEventsIndexed(entry.data)) continue;
      const events = await reader.readRanges(entry.data.ranges);
      for (const event of events) {
        if (event.metadata.customerId !== customerId || event.position <= after) continue;
        found.push(event);
        if (found.length === limit) return found;
      }
    }
    if (entries.length < page) break;
  }
  return found;
}
