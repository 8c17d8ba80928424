import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import type { AppConfig, Logger } from '@rapport/platform';
import type { ProjectionState, RebuildStatus } from '@rapport/read-models';
import { APP_CONFIG, LOGGER } from '../infrastructure/tokens';
import { ProjectionProgress } from './projection-progress';
import { projectorMode } from './projector-mode';
import { ReadModelCatalog } from './read-model.catalog';

const POLL_MS = 200;

/**
 * When apps/projector does the projecting (Kafka), the API learns its progress from the
 * projection states the projectors record (their watermark), read every 200 ms; rebuilds run
 * by the projectors are followed the same way (rate and ETA from successive positions).
 */
@Injectable()
export class RemoteProgressPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  readonly rebuilds = new Map<string, RebuildStatus & { sampledAt: number }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly catalog: ReadModelCatalog,
    private readonly progress: ProjectionProgress,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (projectorMode(this.config) !== 'remote') return;
    await this.catalog.refresh();
    let busy = false;
    this.timer = setInterval(() => {
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
    for (const state of states) this.follow(state, head, now);
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
