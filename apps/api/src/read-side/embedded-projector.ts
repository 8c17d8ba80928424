import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EVENT_STORE, UpcastingEventStore, type EventStore } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store/adapters';
import type { RebuildStatus } from '@rapport/read-models';
import type { AppConfig, Logger } from '@rapport/platform';
import {
  APP_CONFIG,
  DATA_DIR,
  GUARANTEES_OFF,
  LOGGER,
  type BenchmarkedGuarantee,
} from '../infrastructure/tokens';
import { maintainedProjections } from './maintained-projections';
import { projectorMode } from './projector-mode';
import { ProjectionProgress } from './projection-progress';
import type { ProjectorCommand, ProjectorMessage, ProjectorWorkerData } from './projector.protocol';
import { ReadModelCatalog } from './read-model.catalog';

const RESTART_DELAY_MS = 1000;

/**
 * Hosts the embedded profile's projector on a worker thread, tells it about every commit
 * (so it never polls), restarts it if it dies, and relays its progress to the API thread.
 */
@Injectable()
export class EmbeddedProjector implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker?: Worker;
  private stopping = false;
  private unsubscribe?: () => void;
  private readyPromise?: Promise<void>;
  /** The latest status of each projection's rebuild, as the worker reports it. */
  readonly rebuilds = new Map<string, RebuildStatus>();

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(DATA_DIR) private readonly dataDir: string,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(GUARANTEES_OFF) private readonly off: ReadonlySet<BenchmarkedGuarantee>,
    private readonly progress: ProjectionProgress,
    private readonly catalog: ReadModelCatalog,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    if (projectorMode(this.config) !== 'worker') return Promise.resolve();
    const store =
      this.eventStore instanceof UpcastingEventStore ? this.eventStore.inner : this.eventStore;
    if (store instanceof SqliteEventStore) {
      this.unsubscribe = store.onAppended(() =>
        this.worker?.postMessage({ type: 'appended' } satisfies ProjectorCommand),
      );
    }
    return this.start();
  }

  /** Resolves once the worker has opened its stores and reported its checkpoints. */
  ready(): Promise<void> {
    return this.readyPromise ?? Promise.resolve();
  }

  private start(): Promise<void> {
    const compiled = __filename.endsWith('.js');
    const workerData: ProjectorWorkerData = {
      eventsFile: join(this.dataDir, 'events.db'),
      readModelsFile: join(this.dataDir, 'read-models.db'),
      batchSize: 500,
      rebuildPauseMs: this.config.rebuildPauseMs,
      catchUpFlushEvents: this.config.catchUpFlushEvents,
      catchUpCacheMiB: this.config.catchUpCacheMiB,
      defaultCurrency: this.config.defaultCurrency,
      readCacheMiB: this.config.sqliteReadCacheMiB,
      projections: maintainedProjections(this.off).map((projection) => projection.name),
    };
    const worker = new Worker(join(__dirname, `projector.worker.${compiled ? 'js' : 'ts'}`), {
      workerData,
      // From TypeScript sources (tests, dev), the worker compiles itself on the fly.
      execArgv: compiled ? [] : ['-r', '@swc-node/register'],
    });
    this.worker = worker;
    this.readyPromise = new Promise((resolve) => {
      worker.on('message', (message: ProjectorMessage) => {
        this.handle(message);
        if (message.type === 'ready') resolve();
      });
      worker.once('exit', () => resolve());
    });
    worker.on('error', (error) => this.logger.error({ err: error }, 'projector worker crashed'));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      if (this.stopping) return;
      this.logger.error({ code }, `projector worker exited; restarting in ${RESTART_DELAY_MS} ms`);
      setTimeout(() => {
        if (!this.stopping) void this.start();
      }, RESTART_DELAY_MS).unref();
    });
    return this.readyPromise;
  }

  private handle(message: ProjectorMessage): void {
    switch (message.type) {
      case 'ready':
        void this.catalog.refresh(message.states);
        return;
      case 'progress':
        for (const target of message.targets)
          this.progress.update(target.projection, target.position);
        this.progress.recordDelays(message.lagMs);
        for (const parked of message.parked) {
          this.logger.error(
            parked,
            'a client was parked: its events wait until an operator retries or skips them',
          );
        }
        return;
      case 'rebuild':
        this.rebuilds.set(message.status.projection, message.status);
        if (message.status.status === 'swapped') void this.catalog.refresh();
        return;
      case 'failed':
        this.logger.error({ error: message.error }, 'projector failed');
        return;
      case 'rankings-failed':
        this.logger.error({ error: message.error }, 'rankings job failed');
        return;
      case 'stopped':
        return;
    }
  }

  /** Asks the worker to start (or resume) a rebuild; progress arrives as messages. */
  rebuild(projection: string): void {
    if (!this.worker) throw new Error('the projector is not running');
    this.worker.postMessage({ type: 'rebuild', projection } satisfies ProjectorCommand);
  }

  cancelRebuild(projection: string): void {
    this.worker?.postMessage({ type: 'cancel-rebuild', projection } satisfies ProjectorCommand);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.progress.cancelAll();
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' } satisfies ProjectorCommand);
    const timeout = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timeout);
  }
}
