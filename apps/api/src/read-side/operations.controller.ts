import {
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import { ApiError, Metrics, type AppConfig } from '@rapport/platform';
import {
  parkedCollection,
  READ_STORE,
  releaseParked,
  type ParkedDocument,
  type ReadStore,
  type RebuildStatus,
} from '@rapport/read-models';
import { Allow, Public } from '../http/access.decorators';
import { APP_CONFIG, CLOCK, type Clock } from '../infrastructure/tokens';
import { ProjectionControl } from './projection-control';
import { ReadModelCatalog } from './read-model.catalog';
import { AuditedRead, NoClientData } from '../http/read-audit.decorators';
import { IsText } from '../commands/validators';
import { decodeCursor, encodeCursor } from './page-cursor';
import { PageLimitQuery } from './query.dto';

export class ParkedQuery extends PageLimitQuery {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsText(300)
  cursor?: string;
}

export class ReleaseParkedQuery {
  @ApiPropertyOptional({
    enum: ['retry', 'skip'],
    default: 'retry',
    description: 'skip drops the failing event',
  })
  @IsOptional()
  @IsIn(['retry', 'skip'])
  mode?: 'retry' | 'skip';
}

export interface ProjectionStatus {
  name: string;
  version: number;
  generation: number;
  status: string;
  position: number;
  headPosition: number;
  lag: { events: number; seconds: number };
  parked: number;
  updatedAt: string;
  error?: string;
  /** The latest rebuild of this projection, if one ran since the process started. */
  rebuild?: RebuildStatus;
  /** Generations beside the live one (a rebuild in progress or paused). */
  otherGenerations: { generation: number; status: string; position: number }[];
}

@ApiTags('operations')
@Controller()
export class OperationsController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly catalog: ReadModelCatalog,
    private readonly metrics: Metrics,
    private readonly control: ProjectionControl,
  ) {}

  @Get('admin/projections')
  @Allow('admin:operate')
  @NoClientData('versions, positions and lag of each projection')
  @ApiOperation({
    summary: 'Each projection: version, generation, position, lag in events and seconds, status',
  })
  async projections(): Promise<{ projections: ProjectionStatus[]; headPosition: number }> {
    return {
      projections: await this.statuses(),
      headPosition: await this.eventStore.headPosition(),
    };
  }

  @Post('admin/projections/:name/rebuild')
  @HttpCode(202)
  @Allow('admin:operate')
  @ApiOperation({
    summary:
      'Rebuild the next generation beside the live one from position 0; swapped in when caught up',
  })
  rebuild(@Param('name') name: string) {
    return this.control.rebuild(name);
  }

  @Delete('admin/projections/:name/rebuild')
  @HttpCode(202)
  @Allow('admin:operate')
  @ApiOperation({ summary: 'Cancel a rebuild; starting it again resumes where it stopped' })
  async cancelRebuild(@Param('name') name: string) {
    await this.control.cancel(name);
    return { projection: name, cancelled: true };
  }

  @Get('admin/projections/:name/parked')
  @Allow('admin:operate')
  @AuditedRead('parked-events', (body: { parked: { customerIds: string[] }[] }) =>
    body.parked.flatMap((entry) => entry.customerIds),
  )
  @ApiOperation({
    summary:
      'Clients whose events are parked because a projection failed on them, in key order; pages with limit (≤ 500, default 50) and nextCursor',
  })
  async parked(@Param('name') name: string, @Query() query: ParkedQuery) {
    const target = await this.target(name);
    const limit = query.limit ?? 50;
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 1)[0];
    // One page of the `released` index, in key order (one more: is there a next page?).
    const docs = await this.store.find<ParkedDocument>(parkedCollection(target), {
      where: { released: false },
      ...(after !== undefined && { afterId: after }),
      limit: limit + 1,
    });
    const page = docs.slice(0, limit);
    const parked = page.map((doc) => ({
      key: doc.key,
      // The clients whose events wait: an operator reading this learns who they are.
      customerIds: [...new Set(doc.events.map((event) => event.metadata.customerId))].filter(
        Boolean,
      ),
      error: doc.error,
      parkedAt: doc.parkedAt,
      events: doc.events.length,
      firstPosition: doc.events[0]?.position ?? null,
      lastPosition: doc.position,
    }));
    return {
      projection: name,
      parked,
      nextCursor: docs.length > limit ? encodeCursor([page[page.length - 1]!.id]) : null,
    };
  }

  @Post('admin/projections/:name/parked/:key/release')
  @Allow('admin:operate')
  @ApiOperation({ summary: "Retry a parked client's events, or skip the failing one" })
  async release(
    @Param('name') name: string,
    @Param('key') key: string,
    @Query() query: ReleaseParkedQuery,
  ) {
    const target = await this.target(name);
    return releaseParked(this.store, target, key, {
      skipFirst: query.mode === 'skip',
      now: this.clock(),
      defaultCurrency: this.config.defaultCurrency,
    });
  }

  /** Lag and positions are measured at scrape time, so they are never stale. */
  @Get('metrics')
  @Public()
  @NoClientData('Prometheus figures: rates, latencies, lag; no client id')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus metrics: commands, appends, projection position and lag' })
  async prometheus(): Promise<string> {
    for (const status of await this.statuses()) {
      if (status.rebuild) {
        this.metrics.rebuildPosition.set({ projection: status.name }, status.rebuild.position);
        this.metrics.rebuildRate.set({ projection: status.name }, status.rebuild.eventsPerSecond);
        this.metrics.rebuildEta.set({ projection: status.name }, status.rebuild.etaSeconds ?? -1);
      }
      this.metrics.projectionPosition.set({ projection: status.name }, status.position);
      this.metrics.projectionLagEvents.set({ projection: status.name }, status.lag.events);
      this.metrics.projectionLagSeconds.set({ projection: status.name }, status.lag.seconds);
    }
    return this.metrics.registry.metrics();
  }

  private async target(name: string) {
    const projection = this.catalog.projections().find((p) => p.name === name);
    const state = (await this.catalog.allStates()).find((s) => s.projection === name && s.active);
    if (!projection || !state)
      throw new ApiError(404, 'PROJECTION_NOT_FOUND', `no projection named ${name}`);
    return { projection, generation: state.generation, position: state.position };
  }

  private async statuses(): Promise<ProjectionStatus[]> {
    const head = await this.eventStore.headPosition();
    const states = await this.catalog.allStates();
    const now = this.clock().getTime();
    const rebuilds = new Map(this.control.statuses().map((status) => [status.projection, status]));
    const result: ProjectionStatus[] = [];
    for (const projection of this.catalog.projections()) {
      const state = states.find((s) => s.projection === projection.name && s.active);
      if (!state) continue;
      const behind = Math.max(0, head - state.position);
      let seconds = 0;
      if (behind > 0) {
        const [next] = await this.eventStore.readAll({ after: state.position, limit: 1 });
        if (next) seconds = Math.max(0, (now - new Date(next.recordedAt).getTime()) / 1000);
      }
      result.push({
        name: projection.name,
        version: state.version,
        generation: state.generation,
        status: state.status,
        position: state.position,
        headPosition: head,
        lag: { events: behind, seconds: Math.round(seconds * 1000) / 1000 },
        parked: await this.parkedCount({
          projection,
          generation: state.generation,
          position: state.position,
        }),
        updatedAt: state.updatedAt,
        ...(state.error && { error: state.error }),
        ...(rebuilds.get(projection.name) && { rebuild: rebuilds.get(projection.name)! }),
        otherGenerations: states
          .filter((s) => s.projection === projection.name && !s.active && s.status !== 'retired')
          .map((s) => ({ generation: s.generation, status: s.status, position: s.position })),
      });
    }
    return result;
  }

  private async parkedCount(target: Parameters<typeof parkedCollection>[0]): Promise<number> {
    return (
      await this.store.find<ParkedDocument>(parkedCollection(target), {
        where: { released: false },
        limit: 10_000,
      })
    ).length;
  }
}
