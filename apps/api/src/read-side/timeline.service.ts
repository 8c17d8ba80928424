import { Inject, Injectable } from '@nestjs/common';
import {
  activitiesProjection,
  activityTime,
  rangeKey,
  READ_STORE,
  TIMELINE_KINDS,
  timelineProjection,
  type ActivityDocument,
  type RangeQuery,
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

/** One item of a timeline page: a recorded event, or an activity (planned or closed). */
export type TimelineItem =
  | { source: 'event'; entryId: string; at: string; entry: TimelineEntryDocument }
  | { source: 'activity'; entryId: string; at: string; activity: ActivityDocument };

const ACTIVITY_ENTRY = 'activity:';

const newestFirst = (a: TimelineItem, b: TimelineItem) =>
  a.at !== b.at
    ? a.at < b.at
      ? 1
      : -1
    : a.entryId < b.entryId
      ? 1
      : a.entryId > b.entryId
        ? -1
        : 0;

/**
 * A client's timeline, newest first (then by entry id), from two sources: the timeline
 * projection's events (one descending range over (client, time), or one per kind over
 * (client, kind, time)) and the activities projection's (client, time) range, merged, each
 * read no further than the page needs.
 */
@Injectable()
export class TimelineService {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    private readonly catalog: ReadModelCatalog,
  ) {}

  async page(
    request: TimelineRequest,
  ): Promise<{ items: TimelineItem[]; nextCursor: string | null }> {
    const { customerId, limit } = request;
    const kinds = new Set(request.kinds ?? TIMELINE_KINDS);
    const after = request.cursor ? decodeCursor(request.cursor, 2) : undefined;
    const range = (orderBy: string, key: (at: string) => string, afterId?: string): RangeQuery => ({
      orderBy,
      from: key(''),
      to: key('~'),
      direction: 'desc',
      ...(after && { after: { value: key(after[0]!), id: afterId ?? after[1]! } }),
      limit: limit + 1,
    });
    const reads: Promise<TimelineItem[]>[] = [];
    const eventKinds = TIMELINE_KINDS.filter((kind) => kind !== 'activity' && kinds.has(kind));
    if (eventKinds.length > 0) {
      const events = await this.catalog.collection(timelineProjection);
      const queries =
        eventKinds.length === TIMELINE_KINDS.length - 1
          ? [range('customerAt', (at) => rangeKey(customerId, at))]
          : eventKinds.map((kind) =>
              range('customerKindAt', (at) => rangeKey(customerId, kind, at)),
            );
      for (const query of queries)
        reads.push(
          this.store
            .findRange<TimelineEntryDocument>(events, query)
            .then((entries) =>
              entries.map((entry) => ({ source: 'event', entryId: entry.id, at: entry.at, entry })),
            ),
        );
    }
    if (kinds.has('activity')) {
      const activities = await this.catalog.collection(activitiesProjection);
      // Activities sort below events of the same time ("activity:" < "event:"): after an event,
      // every activity of that time is still to come.
      const afterId = after?.[1]!.startsWith(ACTIVITY_ENTRY)
        ? after[1]!.slice(ACTIVITY_ENTRY.length)
        : '~';
      reads.push(
        this.store
          .findRange<ActivityDocument>(
            activities,
            range('customerAt', (at) => rangeKey(customerId, at), afterId),
          )
          .then((docs) =>
            docs.map((activity) => ({
              source: 'activity',
              entryId: `${ACTIVITY_ENTRY}${activity.activityId}`,
              at: activityTime(activity),
              activity,
            })),
          ),
      );
    }
    const found = (await Promise.all(reads))
      .flat()
      .sort(newestFirst)
      .slice(0, limit + 1);
    const items = found.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: found.length > limit && last ? encodeCursor([last.at, last.entryId]) : null,
    };
  }
}
