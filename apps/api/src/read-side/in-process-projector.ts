import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import { tracedBatch, tracingEnabled, type AppConfig, type Logger } from '@rapport/platform';
import { LiveProjector, READ_STORE, type ReadStore } from '@rapport/read-models';
import {
  APP_CONFIG,
  GUARANTEES_OFF,
  LOGGER,
  type BenchmarkedGuarantee,
} from '../infrastructure/tokens';
import { maintainedProjections } from './maintained-projections';
import { ProjectionProgress } from './projection-progress';
import { projectorMode } from './projector-mode';
import { ReadModelCatalog } from './read-model.catalog';

/** Projections (and their rebuilds) on the API's own event loop, for asynchronous stores. */
@Injectable()
export class InProcessProjector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly controller = new AbortController();
  private running?: Promise<void>;
  projector?: LiveProjector;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(GUARANTEES_OFF) private readonly off: ReadonlySet<BenchmarkedGuarantee>,
    private readonly progress: ProjectionProgress,
    private readonly catalog: ReadModelCatalog,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (projectorMode(this.config) !== 'in-process') return;
    const projector = new LiveProjector(
      this.eventStore,
      this.store,
      maintainedProjections(this.off),
      {
        rebuildPauseMs: this.config.rebuildPauseMs,
        catchUpFlushEvery: this.config.catchUpFlushEvents,
        defaultCurrency: this.config.defaultCurrency,
        onRankingsError: (error) => this.logger.error({ err: error }, 'rankings job failed'),
        onBatch: ({ targets, batch }) => {
          const now = Date.now();
          for (const target of targets)
            this.progress.update(target.projection.name, target.position);
          this.progress.recordDelays(batch.map((event) => now - Date.parse(event.recordedAt)));
        },
        onRebuild: (status) => {
          if (status.status === 'swapped') void this.catalog.refresh();
        },
        ...(tracingEnabled() && {
          traceBatch: (batch, write) =>
            tracedBatch(
              'projector write',
              batch.map((event) => event.metadata.traceparent),
              write,
            ),
        }),
      },
    );
    this.projector = projector;
    this.running = (async () => {
      while (!this.controller.signal.aborted) {
        try {
          await projector.run(this.controller.signal);
        } catch (error) {
          this.logger.error({ err: error }, 'projector failed; restarting in 1 s');
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    })();
    await projector.ready;
    await this.catalog.refresh();
  }

  async onApplicationShutdown(): Promise<void> {
    this.controller.abort();
    this.progress.cancelAll();
    await this.running;
  }
}
