import { Inject, Injectable } from '@nestjs/common';
import { topicOf, TOPICS } from '@rapport/contracts';
import type { EventEnvelope } from '@rapport/domain';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';

/** What a reader of the feed asks for. */
export interface FeedFilter {
  /** Only these event types (any type when absent). */
  types?: ReadonlySet<string>;
  /** Only this client's events (read through the event store's per-client index). */
  customerId?: string;
}

export interface FeedPage {
  events: EventEnvelope[];
  /**
   * How far the log was examined: pass it as `after` to continue. Beyond the last event
   * returned when the filter skipped events after it.
   */
  position: number;
  /** True when the page stopped before the end of the log (a full page or the scan budget). */
  more: boolean;
}

/** Events examined per request at most when a type filter skips most of them. */
export const SCAN_BUDGET = 5_000;
const CHUNK = 500;

/**
 * The change feed: the events of the customer topic (every event but the audit streams'), in
 * log order, read from the event store's global log, or from its per-client index when the
 * reader names a client. A type filter is applied while reading, within a budget of events
 * examined per request, so a rare type never makes one request read the whole log: the page
 * then comes back short with `more` and the position reached.
 */
@Injectable()
export class EventFeed {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  /** Whether an event belongs in the feed for this filter. */
  static matches(event: EventEnvelope, filter: FeedFilter): boolean {
    return (
      topicOf(event.streamId) === TOPICS.customerEvents &&
      (!filter.types || filter.types.has(event.type)) &&
      (!filter.customerId || event.metadata.customerId === filter.customerId)
    );
  }

  async page(after: number, limit: number, filter: FeedFilter): Promise<FeedPage> {
    // A client's index ends at their last event: when it is exhausted, the feed has been read
    // up to the head seen before reading it.
    const head = filter.customerId ? await this.eventStore.headPosition() : 0;
    const events: EventEnvelope[] = [];
    let cursor = after;
    let examined = 0;
    for (;;) {
      const want = Math.min(CHUNK, SCAN_BUDGET - examined);
      const batch = filter.customerId
        ? await this.eventStore.readCustomer({
            customerId: filter.customerId,
            after: cursor,
            limit: want,
          })
        : await this.eventStore.readAll({ after: cursor, limit: want });
      for (const event of batch) {
        cursor = event.position;
        examined++;
        if (!EventFeed.matches(event, filter)) continue;
        events.push(event);
        if (events.length === limit) return { events, position: cursor, more: true };
      }
      if (batch.length < want) {
        return { events, position: Math.max(cursor, head), more: false };
      }
      if (examined >= SCAN_BUDGET) return { events, position: cursor, more: true };
    }
  }
}
