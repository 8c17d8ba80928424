import { setTimeout as sleep } from 'node:timers/promises';
import {
  BACKWARDS,
  END,
  StreamNotFoundError,
  streamNameFilter,
  type KurrentDBClient,
  type ReadPosition,
  type ReadRevision,
} from '@kurrent/kurrentdb-client';
import type { EventEnvelope } from '@rapport/domain';
import { COMMAND_STREAM_PREFIX, type Range } from './command-record';
import { toEnvelope, type StoredEvent } from './event.codec';
import { CHAIN_STREAM } from './chain-stream';
import { CUSTOMER_INDEX_PREFIX } from './customer-index';
import { allPositionOf, positionAt, positionOf, toSafeNumber } from './log-position';
import { IncompleteRangeError, toStoreError } from './store-errors';

/**
 * Server-side $all filter: no system streams ("$...", which also hold the projections'
 * links), no command records and no chain head. Events with a "$" type in ordinary streams
 * (tombstones) are dropped client-side by isHidden.
 */
export const VISIBLE_STREAMS = streamNameFilter({
  regex: '^(?!\\$|rapport_command\\.|rapport_customer\\.|rapport_chain$)',
});

const HEAD_PAGE = 32;

export function isHidden(event: StoredEvent): boolean {
  return (
    event.type.startsWith('$') ||
    event.streamId.startsWith('$') ||
    event.streamId.startsWith(COMMAND_STREAM_PREFIX) ||
    event.streamId.startsWith(CUSTOMER_INDEX_PREFIX) ||
    event.streamId === CHAIN_STREAM
  );
}

/** Every read the adapter makes: streams, ranges written by an append, and $all. */
export class LogReader {
  constructor(private readonly client: KurrentDBClient) {}

  async readEvents(
    streamId: string,
    options: { fromRevision: ReadRevision; maxCount?: number; direction?: typeof BACKWARDS },
  ): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, options)) {
        if (resolved.event) events.push(resolved.event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toStoreError(error);
    }
    return events;
  }

  /** Revision of the stream's last event, -1 when it has none. */
  async revisionOf(streamId: string): Promise<number> {
    const [last] = await this.lastOf(streamId);
    return last ? toSafeNumber(last.revision, 'stream revision') : -1;
  }

  /** The stream's last event, if any. */
  lastOf(streamId: string): Promise<StoredEvent[]> {
    return this.readEvents(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
  }

  /** The events of each range, in position order; a range must still be complete. */
  async readRanges(ranges: Range[]): Promise<EventEnvelope[]> {
    const chunks = await Promise.all(
      ranges.map(async ({ streamId, fromRevision, count }) => {
        const stored =
          fromRevision < 0
            ? []
            : await this.readEvents(streamId, {
                fromRevision: BigInt(fromRevision),
                maxCount: count,
              });
        if (stored.length !== count) {
          throw new IncompleteRangeError(
            `expected ${count} events of ${streamId} from revision ${fromRevision}, read ${stored.length}`,
          );
        }
        return stored.map(toEnvelope);
      }),
    );
    return chunks.flat().sort((a, b) => a.position - b.position);
  }

  /**
   * The events just appended. The leader acknowledges an append once it is indexed, so the
   * first read should see them; a short retry keeps a committed append from being reported
   * as failed if a read ever trails the acknowledgement.
   */
  async readBack(ranges: Range[]): Promise<EventEnvelope[]> {
    for (let delay = 5; ; delay *= 2) {
      try {
        return await this.readRanges(ranges);
      } catch (error) {
        if (!(error instanceof IncompleteRangeError) || delay > 320) throw error;
        await sleep(delay);
      }
    }
  }

  /** Visible events of $all strictly after `after`, mapped by `map`, at most `limit`. */
  async readAll<T>(after: number, limit: number, map: (event: StoredEvent) => T): Promise<T[]> {
    const found: T[] = [];
    let cursor = Math.max(0, Math.floor(after));
    while (found.length < limit) {
      // One more than needed: the read from `cursor` includes the event at `cursor`.
      const want = limit - found.length + 1;
      let count = 0;
      try {
        for await (const resolved of this.client.readAll({
          fromPosition: positionAt(cursor),
          maxCount: want,
          filter: VISIBLE_STREAMS,
        })) {
          count++;
          const event = resolved.event;
          if (!event) continue;
          const position = allPositionOf(event, cursor);
          if (position === undefined) continue;
          cursor = position;
          if (!isHidden(event)) found.push(map(event));
          if (found.length === limit) break;
        }
      } catch (error) {
        throw toStoreError(error);
      }
      if (count < want) break;
    }
    return found;
  }

  /** The newest visible event of $all; usually the first one read backwards. */
  async newestVisible(): Promise<StoredEvent | undefined> {
    let from: ReadPosition = END;
    let boundary = Number.POSITIVE_INFINITY;
    for (;;) {
      let count = 0;
      try {
        for await (const resolved of this.client.readAll({
          direction: BACKWARDS,
          fromPosition: from,
          maxCount: HEAD_PAGE,
          filter: VISIBLE_STREAMS,
        })) {
          count++;
          const event = resolved.event;
          if (!event) continue;
          const position = positionOf(event);
          if (position >= boundary) continue;
          if (!isHidden(event)) return event;
          boundary = position;
          from = positionAt(position);
        }
      } catch (error) {
        throw toStoreError(error);
      }
      if (count < HEAD_PAGE) return undefined;
    }
  }
}
