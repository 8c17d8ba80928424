import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '@rapport/platform';
import {
  activitiesProjection,
  rangeKey,
  READ_STORE,
  type ActivityDocument,
  type RangeQuery,
  type ReadStore,
} from '@rapport/read-models';
import { APP_CONFIG, CLOCK, type Clock } from '../infrastructure/tokens';
import type { AgendaDue } from './activity-queries.dto';
import { localDay } from './local-day';
import { decodeCursor, encodeCursor } from './page-cursor';
import { ReadModelCatalog } from './read-model.catalog';

export interface AgendaRequest {
  ownerId?: string;
  customerId?: string;
  due?: AgendaDue;
  timeZone?: string;
  limit: number;
  cursor?: string;
}

export interface AgendaPage {
  activities: ActivityDocument[];
  nextCursor: string | null;
  /** The day "today" meant, in the time zone used. */
  today: { date: string; from: string; to: string; timeZone: string };
  now: string;
}

/**
 * The agenda: open activities soonest first, one index range over their due dates (by client
 * when a client is named, else by owner, else over all), whatever the number of activities.
 */
@Injectable()
export class AgendaService {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly catalog: ReadModelCatalog,
  ) {}

  async page(request: AgendaRequest): Promise<AgendaPage> {
    const now = this.clock();
    const timeZone = request.timeZone ?? this.config.timeZone;
    const day = localDay(now, timeZone);
    const nowIso = now.toISOString();
    const [lowest, highest] = dueBounds(request.due, nowIso, day.end.toISOString());
    const range = agendaRange(request);
    const after = request.cursor ? decodeCursor(request.cursor, 2) : undefined;
    const query: RangeQuery = {
      orderBy: range.field,
      from: range.key(lowest ?? ''),
      to: range.key(highest ?? '~'),
      ...(range.where && { where: range.where }),
      ...(after && { after: { value: range.key(after[0]!), id: after[1]! } }),
      limit: request.limit + 1,
    };
    const collection = await this.catalog.collection(activitiesProjection);
    const found = await this.store.findRange<ActivityDocument>(collection, query);
    const activities = found.slice(0, request.limit);
    const last = activities[activities.length - 1];
    return {
      activities,
      nextCursor:
        found.length > request.limit && last ? encodeCursor([last.dueAt, last.activityId]) : null,
      today: { date: day.date, from: day.start.toISOString(), to: day.end.toISOString(), timeZone },
      now: nowIso,
    };
  }
}

/** [from, to) of due times for a filter: overdue, today and upcoming do not overlap. */
function dueBounds(
  due: AgendaDue | undefined,
  now: string,
  endOfToday: string,
): [string | undefined, string | undefined] {
  switch (due) {
    case 'overdue':
      return [undefined, now];
    case 'today':
      return [now, endOfToday];
    case 'upcoming':
      return [endOfToday, undefined];
    case undefined:
      return [undefined, undefined];
  }
}

/** The index to read: the client's open activities, else the owner's, else all. */
function agendaRange(request: AgendaRequest): {
  field: string;
  key: (dueAt: string) => string;
  where?: Record<string, string>;
} {
  if (request.customerId !== undefined) {
    const customerId = request.customerId;
    return {
      field: 'customerOpenDue',
      key: (dueAt) => rangeKey(customerId, dueAt),
      ...(request.ownerId !== undefined && { where: { ownerId: request.ownerId } }),
    };
  }
  if (request.ownerId !== undefined) {
    const ownerId = request.ownerId;
    return { field: 'ownerOpenDue', key: (dueAt) => rangeKey(ownerId, dueAt) };
  }
  return { field: 'openDueAt', key: (dueAt) => dueAt };
}
