import { keepRankingsCurrent } from '../listings/rankings.job';
import type { AnyProjection } from '../projection';
import type { ReadStore } from '../read-store.port';
import { ProjectionRebuild, type RebuildSource, type RebuildStatus } from './projection-rebuild';
import {
  liveTargets,
  ProjectionRunner,
  type RunnerProgress,
  type TraceBatch,
} from './projection-runner';

export interface LiveProjectorOptions {
  batchSize?: number;
  clock?: () => Date;
  onBatch?: (progress: RunnerProgress) => void;
  onRebuild?: (status: RebuildStatus) => void;
  retireAfterMs?: number;
  /** Events applied in memory between commits while catching up (see ProjectionRunner). */
  catchUpFlushEvery?: number;
  /** CRM_DEFAULT_CURRENCY, for the rankings' segment rows. */
  defaultCurrency?: string;
  /** Keep the rankings current (rescoring, RFM figures); on unless false. */
  rankings?: boolean;
  onRankingsError?: (error: unknown) => void;
  /** Wraps each live batch's write (tracing). */
  traceBatch?: TraceBatch;
  /** Pause between a rebuild's batches (CRM_REBUILD_PAUSE_MS). */
  rebuildPauseMs?: number;
}

/** About 20,000 client documents held at most while catching up (~40 MB). */
const CATCH_UP_FLUSH_EVERY = 20_000;

/**
 * The live projections of one process and their rebuilds: the runner that keeps the active
 * generations current, and side-by-side rebuilds that are swapped into it when caught up.
 * Hosted by the embedded worker thread and by the in-process projector alike.
 */
export class LiveProjector {
  private runner?: ProjectionRunner;
  private readonly rebuilds = new Map<
    string,
    { rebuild: ProjectionRebuild; controller: AbortController; done: Promise<RebuildStatus> }
  >();
  private readonly last = new Map<string, RebuildStatus>();
  private markReady!: () => void;
  /** Resolves once the live generations exist and the runner is set up. */
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly source: RebuildSource,
    private readonly store: ReadStore,
    private readonly projections: readonly AnyProjection[],
    private readonly options: LiveProjectorOptions = {},
  ) {}

  /** Runs the live projections until aborted; resumes rebuilds a crash interrupted. */
  async run(signal: AbortSignal): Promise<void> {
    const targets = await liveTargets(this.store, this.projections, this.options.clock);
    this.runner = new ProjectionRunner(this.source, this.store, targets, {
      ...(this.options.batchSize !== undefined && { batchSize: this.options.batchSize }),
      ...(this.options.clock && { clock: this.options.clock }),
      ...(this.options.onBatch && { onBatch: this.options.onBatch }),
      ...(this.options.defaultCurrency && { defaultCurrency: this.options.defaultCurrency }),
      catchUp: { flushEvery: this.options.catchUpFlushEvery ?? CATCH_UP_FLUSH_EVERY },
      ...(this.options.traceBatch && { traceBatch: this.options.traceBatch }),
    });
    const states = await this.store.projectionStates();
    const interrupted = states.filter((s) => s.status === 'rebuilding' && !s.active);
    // A definition newer than its live generation (a new field, a new aggregation) is
    // rebuilt beside it and swapped in; readers keep the old figures until then.
    const outdated = this.projections.filter(
      (projection) =>
        !interrupted.some((s) => s.projection === projection.name) &&
        states.some(
          (s) => s.projection === projection.name && s.active && s.version < projection.version,
        ),
    );
    this.markReady();
    for (const state of interrupted) this.rebuild(state.projection);
    for (const projection of outdated) this.rebuild(projection.name);
    signal.addEventListener('abort', () => {
      for (const { controller } of this.rebuilds.values()) controller.abort();
    });
    const rankings =
      this.options.rankings === false
        ? Promise.resolve()
        : keepRankingsCurrent(this.store, signal, {
            ...(this.options.clock && { clock: this.options.clock }),
            ...(this.options.defaultCurrency && { defaultCurrency: this.options.defaultCurrency }),
            ...(this.options.onRankingsError && { onError: this.options.onRankingsError }),
          });
    await this.runner.run(signal);
    await Promise.all([...this.rebuilds.values()].map((r) => r.done));
    await rankings;
  }

  /** Starts (or resumes) a rebuild; a rebuild already running is left alone. */
  rebuild(name: string): RebuildStatus {
    const running = this.rebuilds.get(name);
    if (running) return { ...running.rebuild.status };
    const projection = this.projections.find((p) => p.name === name);
    if (!projection) throw new Error(`no projection named ${name}`);
    if (!this.runner) throw new Error('the projector is not running yet');
    const controller = new AbortController();
    const rebuild = new ProjectionRebuild({
      store: this.store,
      source: this.source,
      projection,
      live: this.runner,
      ...(this.options.clock && { clock: this.options.clock }),
      ...(this.options.defaultCurrency && { defaultCurrency: this.options.defaultCurrency }),
      ...(this.options.retireAfterMs !== undefined && {
        retireAfterMs: this.options.retireAfterMs,
      }),
      ...(this.options.rebuildPauseMs !== undefined && {
        pauseBetweenBatchesMs: this.options.rebuildPauseMs,
      }),
      onProgress: (status) => {
        this.last.set(name, status);
        this.options.onRebuild?.(status);
      },
    });
    const done = rebuild.run(controller.signal).finally(() => this.rebuilds.delete(name));
    this.rebuilds.set(name, { rebuild, controller, done });
    return { ...rebuild.status };
  }

  /** Stops a rebuild where it is; starting it again resumes from its checkpoint. */
  async cancel(name: string): Promise<RebuildStatus | undefined> {
    const running = this.rebuilds.get(name);
    if (!running) return this.last.get(name);
    running.controller.abort();
    return running.done;
  }

  statuses(): RebuildStatus[] {
    return [...this.last.values()];
  }
}
