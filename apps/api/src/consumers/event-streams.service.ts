import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { EventEnvelope } from '@rapport/domain';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import type { AppConfig, HttpRequestLike, Principal } from '@rapport/platform';
import { AuditRecorder } from '../audit/audit-recorder';
import { APP_CONFIG } from '../infrastructure/tokens';
import { EventFeed, type FeedFilter } from './event-feed.service';
import { EventStream, type EventStreamStats } from './event-stream';

const PAGE = 500;

/**
 * The live readers of the feed (`GET /events` with `Accept: text/event-stream`): each one
 * catches up through EventFeed pages, then follows the event store's subscription, writing
 * only events after the last one it sent, so a resume with `Last-Event-ID` neither misses
 * nor repeats one. Every batch written is recorded as a view of the clients it names before
 * it goes out (view `event-stream`).
 */
@Injectable()
export class EventStreams implements OnModuleDestroy {
  private readonly live = new Set<{ stream: EventStream; stop: AbortController }>();
  /** The streams that ended since the start, newest last (at most 100), for tests and ops. */
  readonly finished: EventStreamStats[] = [];

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly feed: EventFeed,
    private readonly audit: AuditRecorder,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get open(): number {
    return this.live.size;
  }

  async serve(
    response: ServerResponse,
    request: HttpRequestLike,
    principal: Principal,
    after: number,
    filter: FeedFilter,
  ): Promise<void> {
    const stream = new EventStream(
      response,
      {
        bufferBytes: this.config.consumers.streamBufferBytes,
        slowReaderTimeoutMs: this.config.consumers.slowReaderTimeoutMs,
      },
      after,
    );
    const stop = new AbortController();
    const entry = { stream, stop };
    this.live.add(entry);
    response.on('close', () => stop.abort());
    // The request's views are recorded batch by batch below; none is owed for the opening.
    await this.audit.recordView({
      request,
      principal,
      customerIds: [],
      view: 'event-stream',
      fieldsShown: [],
      fieldsMasked: [],
      position: after,
    });
    let lastSent = after;
    const send = async (events: EventEnvelope[]): Promise<boolean> => {
      const chosen = events.filter((e) => e.position > lastSent && EventFeed.matches(e, filter));
      if (chosen.length === 0) return true;
      await this.audit.recordView({
        request,
        principal,
        customerIds: [...new Set(chosen.map((e) => e.metadata.customerId).filter(Boolean))],
        view: 'event-stream',
        fieldsShown: [],
        fieldsMasked: [],
        position: chosen[chosen.length - 1]!.position,
      });
      for (const event of chosen) {
        if (!(await stream.send(event))) return false;
        lastSent = event.position;
      }
      return true;
    };
    let reason: EventStreamStats['ended'] = 'client-closed';
    try {
      stream.open();
      let cursor = after;
      for (;;) {
        if (stop.signal.aborted) return;
        const page = await this.feed.page(cursor, PAGE, filter);
        if (!(await send(page.events))) return;
        cursor = page.position;
        if (!page.more) break;
      }
      for await (const batch of this.eventStore.subscribe({
        after: cursor,
        signal: stop.signal,
      })) {
        if (!(await send(batch))) return;
      }
      if (!stream.closed) reason = 'server-stopped';
    } finally {
      stream.end(reason);
      this.live.delete(entry);
      this.finished.push(stream.stats);
      if (this.finished.length > 100) this.finished.shift();
    }
  }

  /** Ends every stream: the server is stopping (readers reconnect with Last-Event-ID). */
  onModuleDestroy(): void {
    for (const { stream, stop } of this.live) {
      stream.end('server-stopped');
      stop.abort();
    }
  }
}
