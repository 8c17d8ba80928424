import type { EventEnvelope } from '@rapport/domain';
import type { AnyProjection } from '../projection';
import type { ProjectionState, ReadStore } from '../read-store.port';
import { ProjectionSession } from './projection-session';
import {
  dropGenerationCollections,
  ensureGenerationCollections,
  type ProjectionTarget,
} from './projection-target';
import { ProjectionRunner, type EventSource } from './projection-runner';

export interface RebuildSource extends EventSource {
  headPosition(): Promise<number>;
  readAll(options: { after: number; limit: number }): Promise<EventEnvelope[]>;
}

export interface RebuildStatus {
  projection: string;
  generation: number;
  /** rebuilding → swapped; cancelled (resumable: start it again) or failed. */
  status: 'rebuilding' | 'swapped' | 'cancelled' | 'failed';
  position: number;
  headPosition: number;
  eventsPerSecond: number;
  /** Seconds left at the current rate; null before a rate is known. */
  etaSeconds: number | null;
  startedAt: string;
  finishedAt?: string;
  error?: string;
}

export interface RebuildOptions {
  store: ReadStore;
  source: RebuildSource;
  projection: AnyProjection;
  /** The runner keeping the live generation current; the new one is swapped into it. */
  live?: ProjectionRunner;
  clock?: () => Date;
  /** CRM_DEFAULT_CURRENCY, for listing rows (see SessionOptions). */
  defaultCurrency?: string;
  onProgress?: (status: RebuildStatus) => void;
  /** How long the retired generation stays readable after the swap (readers finishing). */
  retireAfterMs?: number;
  /** Events per write-behind commit; also where a cancelled rebuild resumes from. */
  flushEvery?: number;
  /** Pause between batches (CRM_REBUILD_PAUSE_MS): a throttled rebuild. */
  pauseBetweenBatchesMs?: number;
}

/** Within this many events of the head, the rebuild swaps instead of running once more. */
const CLOSE_ENOUGH = 2000;

/**
 * A side-by-side rebuild: the next generation of a projection is built from position 0
 * beside the live one (which keeps serving and keeping up), then swapped in atomically when
 * caught up; the old generation is dropped after a grace period. A cancelled rebuild keeps its
 * generation and checkpoint, and starting again resumes from there.
 */
export class ProjectionRebuild {
  readonly status: RebuildStatus;
  private readonly clock: () => Date;

  constructor(private readonly options: RebuildOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.status = {
      projection: options.projection.name,
      generation: 0,
      status: 'rebuilding',
      position: 0,
      headPosition: 0,
      eventsPerSecond: 0,
      etaSeconds: null,
      startedAt: this.clock().toISOString(),
    };
  }

  async run(signal: AbortSignal): Promise<RebuildStatus> {
    const { store, source } = this.options;
    try {
      const target = await this.prepareGeneration();
      const started = Date.now();
      const startPosition = target.position;
      for (;;) {
        const head = await source.headPosition();
        this.status.headPosition = head;
        await new ProjectionRunner(source, store, [target], {
          batchSize: 1000,
          ...(this.options.clock && { clock: this.options.clock }),
          ...(this.options.defaultCurrency && { defaultCurrency: this.options.defaultCurrency }),
          until: head,
          writeBehind: { flushEvery: this.options.flushEvery ?? 250_000 },
          // The cancel (an abort from a message to the worker) must get a turn.
          yieldBetweenBatches: true,
          ...(this.options.pauseBetweenBatchesMs !== undefined && {
            pauseBetweenBatchesMs: this.options.pauseBetweenBatchesMs,
          }),
          onBatch: ({ lastEvent }) => {
            const seconds = Math.max(0.001, (Date.now() - started) / 1000);
            this.status.position = lastEvent.position;
            this.status.eventsPerSecond = Math.round(
              (lastEvent.position - startPosition) / seconds,
            );
            this.status.etaSeconds =
              this.status.eventsPerSecond > 0
                ? Math.round(
                    ((this.status.headPosition - lastEvent.position) /
                      this.status.eventsPerSecond) *
                      10,
                  ) / 10
                : null;
            this.options.onProgress?.({ ...this.status });
          },
        }).run(signal);
        this.status.position = target.position;
        if (signal.aborted) {
          await this.markState(target.generation, 'paused');
          return this.finish('cancelled');
        }
        if ((await source.headPosition()) - target.position <= CLOSE_ENOUGH) break;
      }
      await this.swap(target);
      return this.finish('swapped');
    } catch (error) {
      this.status.error = (error as Error).message;
      return this.finish('failed');
    }
  }

  private finish(status: RebuildStatus['status']): RebuildStatus {
    this.status.status = status;
    this.status.finishedAt = this.clock().toISOString();
    this.status.etaSeconds = status === 'swapped' ? 0 : this.status.etaSeconds;
    this.options.onProgress?.({ ...this.status });
    return { ...this.status };
  }

  private async prepareGeneration(): Promise<ProjectionTarget> {
    const target = await planGeneration(this.options.store, this.options.projection, this.clock);
    this.status.generation = target.generation;
    this.status.position = target.position;
    return target;
  }

  /**
   * Between two batches of the live runner: bring the new generation exactly to where the live
   * one is, make it the one readers see, and hand it to the live runner in place of the old.
   */
  private async swap(target: ProjectionTarget): Promise<void> {
    const { store, source, projection, live } = this.options;
    const swapIn = async () => {
      const old = live?.targets.find((t) => t.projection.name === projection.name);
      const until = old ? old.position : await source.headPosition();
      const session = new ProjectionSession(store, [target], {
        ...(this.options.clock && { clock: this.options.clock }),
        ...(this.options.defaultCurrency && { defaultCurrency: this.options.defaultCurrency }),
      });
      while (target.position < until) {
        const events = (await source.readAll({ after: target.position, limit: 1000 })).filter(
          (e) => e.position <= until,
        );
        if (events.length === 0) break;
        await session.apply(events);
        await session.flush();
      }
      const states = await activateGeneration(
        store,
        projection.name,
        target.generation,
        this.clock,
      );
      if (live && old) live.targets.splice(live.targets.indexOf(old), 1, target);
      return states;
    };
    const retired = live ? await live.exclusive(swapIn) : await swapIn();
    this.status.position = target.position;
    const drop = async () => {
      for (const state of retired) await dropGeneration(store, projection, state.generation);
    };
    const grace = this.options.retireAfterMs ?? 5000;
    if (grace <= 0) await drop();
    else setTimeout(() => void drop().catch(() => undefined), grace).unref();
  }

  private async markState(generation: number, status: ProjectionState['status']): Promise<void> {
    const state = await this.stateOf(generation);
    if (state)
      await this.options.store.saveProjectionState({
        ...state,
        status,
        updatedAt: this.clock().toISOString(),
      });
  }

  private async stateOf(generation: number): Promise<ProjectionState | undefined> {
    return (await this.options.store.projectionStates()).find(
      (s) => s.projection === this.options.projection.name && s.generation === generation,
    );
  }
}

/**
 * The generation a rebuild writes: a new one beside the live generation, or the one a
 * cancelled (paused) or interrupted rebuild left behind, with its checkpoint.
 */
export async function planGeneration(
  store: ReadStore,
  projection: AnyProjection,
  clock: () => Date = () => new Date(),
): Promise<ProjectionTarget> {
  const states = (await store.projectionStates()).filter((s) => s.projection === projection.name);
  let state = states.find((s) => (s.status === 'rebuilding' || s.status === 'paused') && !s.active);
  if (state?.status === 'paused') {
    state = { ...state, status: 'rebuilding', updatedAt: clock().toISOString() };
    await store.saveProjectionState(state);
  }
  if (!state) {
    state = {
      projection: projection.name,
      generation: Math.max(0, ...states.map((s) => s.generation)) + 1,
      version: projection.version,
      position: 0,
      status: 'rebuilding',
      active: false,
      updatedAt: clock().toISOString(),
    };
    await store.saveProjectionState(state);
  }
  const target: ProjectionTarget = {
    projection,
    generation: state.generation,
    position: state.position,
  };
  await ensureGenerationCollections(store, target);
  return target;
}

/** Makes `generation` the live one for readers and retires every other generation. */
export async function activateGeneration(
  store: ReadStore,
  projection: string,
  generation: number,
  clock: () => Date = () => new Date(),
): Promise<ProjectionState[]> {
  await store.activate(projection, generation);
  const states = (await store.projectionStates()).filter((s) => s.projection === projection);
  const now = clock().toISOString();
  const activated = states.find((s) => s.generation === generation)!;
  await store.saveProjectionState({ ...activated, status: 'live', active: true, updatedAt: now });
  const retired = states.filter((s) => s.generation !== generation);
  for (const state of retired) {
    await store.saveProjectionState({ ...state, status: 'retired', active: false, updatedAt: now });
  }
  return retired;
}

/** Drops a retired generation's collections and state. */
export async function dropGeneration(
  store: ReadStore,
  projection: AnyProjection,
  generation: number,
): Promise<void> {
  await dropGenerationCollections(store, { projection, generation });
  await store.deleteProjectionState(projection.name, generation);
}
