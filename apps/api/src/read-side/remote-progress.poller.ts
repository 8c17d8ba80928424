import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import { Metrics, type AppConfig, type Logger } from '@rapport/platform';
import type { ProjectionState, RebuildStatus } from '@rapport/read-models';
import { APP_CONFIG, LOGGER } from '../infrastructure/tokens';
import { ProjectionProgress } from './projection-progress';
import { projectorMode } from './projector-mode';
import { ReadModelCatalog } from './read-model.catalog';

const POLL_MS = 200;

/** What the API knows of the projectors' progress, for health and metrics. */
export interface PipelineProgress {
  /** A live projection is behind the log and has not moved for CRM_PROJECTOR_STALL_SECONDS. */
  stalled: boolean;
  /** Seconds since the projection states were last read (they could not be, for that long). */
  sinceLastPollSeconds: number;
  projections: {
    projection: string;
    position: number;
    headPosition: number;
    stillForSeconds: number;
    stalled: boolean;
  }[];
}

/**
 * When apps/projector does the projecting (Kafka), the API learns its progress from the
 * projection states the projectors record (their watermark), read every 200 ms; rebuilds run
 * by the projectors are followed the same way (rate and ETA from successive positions).
 */
@Injectable()
export class RemoteProgressPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  readonly rebuilds = new Map<string, RebuildStatus & { sampledAt: number }>();
  /** Per live projection: its last position and head, and when it last moved or caught up. */
  private readonly live = new Map<string, { position: number; head: number; movedAt: number }>();
  private polledAt = Date.now();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly catalog: ReadModelCatalog,
    private readonly progress: ProjectionProgress,
    private readonly metrics: Metrics,
  ) {}

  get enabled(): boolean {
    return projectorMode(this.config) === 'remote';
  }

  /**
   * Stalled: a live projection behind the log whose position has not moved for
   * CRM_PROJECTOR_STALL_SECONDS, or no successful read of the states for as long.
   */
  pipeline(now = Date.now()): PipelineProgress {
    const stallMs = this.config.projectorStallSeconds * 1000;
    const sinceLastPoll = now - this.polledAt;
    // Progress that cannot be read for that long is no better than progress that stopped.
    const blind = sinceLastPoll > stallMs;
    const projections = [...this.live].map(([projection, live]) => {
      const still = live.position < live.head ? now - live.movedAt : 0;
      return {
        projection,
        position: live.position,
        headPosition: live.head,
        stillForSeconds: Math.round(still / 100) / 10,
        stalled: blind || still > stallMs,
      };
    });
    return {
      stalled: blind || projections.some((p) => p.stalled),
      sinceLastPollSeconds: Math.round(sinceLastPoll / 100) / 10,
      projections,
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    await this.catalog.refresh();
    this.polledAt = Date.now();
    let busy = false;
    this.timer = setInterval(() => {
      this.publishStalls();
      if (busy) return;
      busy = true;
      this.poll()
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'could not read projection progress'),
        )
        .finally(() => (busy = false));
    }, POLL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.progress.cancelAll();
  }

  private async poll(): Promise<void> {
    const states = await this.catalog.refresh();
    const head = await this.eventStore.headPosition();
    const now = Date.now();
    this.polledAt = now;
    for (const state of states) {
      if (state.active) this.watch(state, head, now);
      this.follow(state, head, now);
    }
  }

  private publishStalls(): void {
    for (const { projection, stalled } of this.pipeline().projections)
      this.metrics.projectionStalled.set({ projection }, stalled ? 1 : 0);
  }

  private watch(state: ProjectionState, head: number, now: number): void {
    const known = this.live.get(state.projection);
    const moved = !known || state.position !== known.position || state.position >= head;
    this.live.set(state.projection, {
      position: state.position,
      head,
      movedAt: moved ? now : known.movedAt,
    });
  }

  private follow(state: ProjectionState, head: number, now: number): void {
    const key = state.projection;
    const known = this.rebuilds.get(key);
    const rebuilding =
      !state.active && (state.status === 'rebuilding' || state.status === 'paused');
    if (!rebuilding && !(known && known.generation === state.generation)) return;
    if (state.active && known && known.generation === state.generation) {
      if (known.status !== 'swapped') {
        this.rebuilds.set(key, {
          ...known,
          status: 'swapped',
          position: state.position,
          etaSeconds: 0,
          finishedAt: new Date(now).toISOString(),
          sampledAt: now,
        });
      }
      return;
    }
    const previous = known?.generation === state.generation ? known : undefined;
    const seconds = previous ? (now - previous.sampledAt) / 1000 : 0;
    const rate = previous && seconds > 0 ? (state.position - previous.position) / seconds : 0;
    // A smoothed rate: positions arrive in steps (watermarks), not continuously.
    const eventsPerSecond = Math.round(previous ? previous.eventsPerSecond * 0.7 + rate * 0.3 : 0);
    this.rebuilds.set(key, {
      projection: state.projection,
      generation: state.generation,
      status: state.status === 'paused' ? 'cancelled' : 'rebuilding',
      position: state.position,
      headPosition: head,
      eventsPerSecond,
      etaSeconds:
        eventsPerSecond > 0
          ? Math.round(((head - state.position) / eventsPerSecond) * 10) / 10
          : null,
      startedAt: previous?.startedAt ?? state.updatedAt,
      sampledAt: now,
    });
  }
}
