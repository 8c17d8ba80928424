import { Inject, Injectable } from '@nestjs/common';
import { customerStreamId, type EventEnvelope } from '@rapport/domain';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import {
  auditTrailProjection,
  customer360Projection,
  READ_STORE,
  type AuditEntryDocument,
  type Customer360Document,
  type ReadStore,
} from '@rapport/read-models';
import { ReadModelCatalog } from '../read-side/read-model.catalog';

const PAGE = 1000;

/**
 * A client's history straight from the event store. The audit trail only tells which streams
 * belong to the client (their deals and complaints); the events themselves are read from the
 * log, the source of truth, and folded with the same projection the live view uses.
 */
@Injectable()
export class CustomerHistoryService {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly store: ReadStore,
    private readonly catalog: ReadModelCatalog,
  ) {}

  /** Audit entries of a client in chronological order. */
  async entries(
    customerId: string,
    options: { after?: string; limit: number },
  ): Promise<AuditEntryDocument[]> {
    const collection = await this.catalog.collection(auditTrailProjection);
    return this.store.find<AuditEntryDocument>(collection, {
      where: { customerId },
      ...(options.after && { afterId: options.after }),
      limit: options.limit,
    });
  }

  /** Every refused access, about a client or not, oldest first. */
  async denials(options: { after?: string; limit: number }): Promise<AuditEntryDocument[]> {
    const collection = await this.catalog.collection(auditTrailProjection);
    return this.store.find<AuditEntryDocument>(collection, {
      where: { kind: 'denied' },
      ...(options.after && { afterId: options.after }),
      limit: options.limit,
    });
  }

  /** Every bulk export (BulkDataExported), oldest first. */
  async exports(options: { after?: string; limit: number }): Promise<AuditEntryDocument[]> {
    const collection = await this.catalog.collection(auditTrailProjection);
    return this.store.find<AuditEntryDocument>(collection, {
      where: { kind: 'export' },
      ...(options.after && { afterId: options.after }),
      limit: options.limit,
    });
  }

  /** Entries recorded for one event (one per client a view covered). */
  async entriesOfEvent(eventId: string): Promise<AuditEntryDocument[]> {
    const collection = await this.catalog.collection(auditTrailProjection);
    return this.store.find<AuditEntryDocument>(collection, { where: { eventId }, limit: 10_000 });
  }

  /** Every event about the client (their own, their deals', their complaints'), in log order. */
  async events(
    customerId: string,
    until: { position?: number; time?: string } = {},
  ): Promise<EventEnvelope[]> {
    const streams = new Set<string>([customerStreamId(customerId)]);
    for (let after: string | undefined; ;) {
      const page = await this.entries(customerId, { ...(after && { after }), limit: PAGE });
      for (const entry of page) if (entry.kind === 'change') streams.add(entry.streamId);
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.id;
    }
    const events: EventEnvelope[] = [];
    const own = customerStreamId(customerId);
    for (const streamId of streams) {
      for (const event of (await this.eventStore.readStream(streamId)).events) {
        // A campaign's stream holds every member's responses: only this client's are theirs.
        if (streamId !== own && (event.data as { customerId?: string }).customerId !== customerId)
          continue;
        if (until.position !== undefined && event.position > until.position) continue;
        if (until.time !== undefined && event.recordedAt > until.time) continue;
        events.push(event);
      }
    }
    return events.sort((a, b) => a.position - b.position);
  }

  /** The 360 document as it was after `events` (undefined if the client did not exist yet). */
  fold(customerId: string, events: readonly EventEnvelope[]): Customer360Document | undefined {
    let doc: Customer360Document | undefined;
    for (const event of events) {
      if (customer360Projection.keysOf(event).length === 0) continue;
      doc = customer360Projection.apply(doc, event, customerId);
      doc.id = customerId;
      doc.position = event.position;
    }
    return doc;
  }
}
