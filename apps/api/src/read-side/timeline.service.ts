import { Inject, Injectable } from '@nestjs/common';
import {
  rangeKey,
  READ_STORE,
  TIMELINE_KINDS,
  timelineProjection,
  type ReadStore,
  type TimelineEntryDocument,
  type TimelineKind,
} from '@rapport/read-models';
import { decodeCursor, encodeCursor } from './page-cursor';
import { ReadModelCatalog } from './read-model.catalog';

export interface TimelineRequest {
  customerId: string;
  /** Only these kinds; undefined: every kind. */
  kinds?: readonly TimelineKind[];
  limit: number;
  cursor?: string;
}

const newestFirst = (a: TimelineEntryDocument, b: TimelineEntryDocument) =>
  a.at !== b.at ? (a.at < b.at ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;

/**
 * A client's timeline, newest first: one descending index range over (client, time), or, for
 * some kinds only, one range per kind over (client, kind, time) merged, each read no further
 * than the page needs.
 */
@Injectable()
export class TimelineService {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    private readonly catalog: ReadModelCatalog,
  ) {}

  async page(
    request: TimelineRequest,
  ): Promise<{ entries: TimelineEntryDocument[]; nextCursor: string | null }> {
    const collection = await this.catalog.collection(timelineProjection);
    const after = request.cursor ? decodeCursor(request.cursor, 2) : undefined;
    const { customerId, limit } = request;
    const kinds =
      request.kinds && request.kinds.length < TIMELINE_KINDS.length
        ? [...new Set(request.kinds)]
        : undefined;
    const ranges = kinds
      ? kinds.map((kind) => ({
          orderBy: 'customerKindAt',
          key: (at: string) => rangeKey(customerId, kind, at),
        }))
      : [{ orderBy: 'customerAt', key: (at: string) => rangeKey(customerId, at) }];
    const pages = await Promise.all(
      ranges.map((range) =>
        this.store.findRange<TimelineEntryDocument>(collection, {
          orderBy: range.orderBy,
          from: range.key(''),
          to: range.key('~'),
          direction: 'desc',
          ...(after && { after: { value: range.key(after[0]!), id: after[1]! } }),
          limit: limit + 1,
        }),
      ),
    );
    const found = pages
      .flat()
      .sort(newestFirst)
      .slice(0, limit + 1);
    const entries = found.slice(0, limit);
    const last = entries[entries.length - 1];
    return {
      entries,
      nextCursor: found.length > limit && last ? encodeCursor([last.at, last.id]) : null,
    };
  }
}
