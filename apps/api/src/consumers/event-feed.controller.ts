import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import {
  ApiHeader,
  ApiOperation,
  ApiProduces,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toCloudEvent, type StructuredCloudEvent } from '@rapport/contracts';
import { ApiError, header, type HttpRequestLike } from '@rapport/platform';
import { AuditRecorder } from '../audit/audit-recorder';
import { UUID_PATTERN } from '../commands/validators';
import { Allow } from '../http/access.decorators';
import { RecordsViews } from '../http/read-audit.decorators';
import { EventFeed, type FeedFilter } from './event-feed.service';
import { EventStreams } from './event-streams.service';

const POSITION = /^\d{1,16}$/;

export class EventFeedQuery {
  @ApiPropertyOptional({ description: 'a position: only events after it (0: from the start)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page (same as after)' })
  @IsOptional()
  @Matches(POSITION, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({
    description: 'comma-separated event types, e.g. DealWon,DealLost (any type when absent)',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((type) => type.trim())
          .filter(Boolean)
      : value,
  )
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(/^[A-Z][A-Za-z0-9]{0,79}$/, {
    each: true,
    message: 'types must be event type names such as DealWon, separated by commas',
  })
  types?: string[];

  @ApiPropertyOptional({ description: "only this client's events" })
  @IsOptional()
  @Matches(UUID_PATTERN, { message: 'customerId must be a UUID' })
  customerId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export interface EventFeedPage {
  events: StructuredCloudEvent[];
  /** Where the log was read up to: `after` for the next poll. */
  position: number;
  /** Set when the page stopped before the end of the log: ask again with it. */
  nextCursor: string | null;
}

@ApiTags('consuming services')
@Controller()
export class EventFeedController {
  constructor(
    private readonly feed: EventFeed,
    private readonly streams: EventStreams,
    private readonly audit: AuditRecorder,
  ) {}

  @Get('events')
  @Allow('events:read')
  @RecordsViews()
  @ApiOperation({
    summary:
      'The change feed: events as published on Kafka (CloudEvents, personal data sealed), in log order; with Accept: text/event-stream a live stream resumable with Last-Event-ID',
  })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume a stream after it' })
  async events(
    @Query() query: EventFeedQuery,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<EventFeedPage | undefined> {
    const http = request as unknown as HttpRequestLike;
    const principal = http.rapport!.principal!;
    const filter: FeedFilter = {
      ...(query.types?.length && { types: new Set(query.types) }),
      ...(query.customerId && { customerId: query.customerId.toLowerCase() }),
    };
    const lastEventId = header(http, 'last-event-id');
    if (lastEventId !== undefined && !POSITION.test(lastEventId.trim())) {
      throw new ApiError(400, 'INVALID_LAST_EVENT_ID', 'Last-Event-ID must be a position');
    }
    const after =
      lastEventId !== undefined
        ? Number(lastEventId.trim())
        : query.cursor !== undefined
          ? Number(query.cursor)
          : (query.after ?? 0);

    if ((header(http, 'accept') ?? '').includes('text/event-stream')) {
      reply.hijack();
      await this.streams.serve(reply.raw, http, principal, after, filter);
      return undefined;
    }

    const page = await this.feed.page(after, query.limit ?? 100, filter);
    const body: EventFeedPage = {
      events: page.events.map(toCloudEvent),
      position: page.position,
      nextCursor: page.more ? String(page.position) : null,
    };
    await this.audit.recordView({
      request: http,
      principal,
      customerIds: [...new Set(page.events.map((e) => e.metadata.customerId).filter(Boolean))],
      view: 'event-feed',
      fieldsShown: [],
      fieldsMasked: [],
      position: page.position,
    });
    await reply.header('Cache-Control', 'no-store').send(body);
    return body;
  }
}
