import type { EventEnvelope } from '@rapport/domain';
import type { AnyProjection } from '../projection';
import type { ReadStore } from '../read-store.port';
import { ProjectionSession, type BatchOutcome } from './projection-session';
import { ensureGenerationCollections, type ProjectionTarget } from './projection-target';

/** Anything that yields the global log in position order from a position on. */
export interface EventSource {
  subscribe(options: {
    after: number;
    batchSize?: number;
    signal?: AbortSignal;
  }): AsyncIterable<EventEnvelope[]>;
  /** Position of the last event in the log (lets a live runner know it is behind). */
  headPosition?(): Promise<number>;
}

export interface RunnerProgress {
  targets: readonly ProjectionTarget[];
  lastEvent: EventEnvelope;
  /** The batch just applied (committed unless write-behind holds it). */
  batch: readonly EventEnvelope[];
  events: number;
  outcome: BatchOutcome;
}

/**
 * Makes sure every projection has an active generation (creating generation 1 on first
 * start) and returns the live targets with their checkpoints.
 */
export async function liveTargets(
  store: ReadStore,
  projections: readonly AnyProjection[],
  clock: () => Date = () => new Date(),
): Promise<ProjectionTarget[]> {
  const states = await store.projectionStates();
  const targets: ProjectionTarget[] = [];
  for (const projection of projections) {
    let active = states.find((s) => s.projection === projection.name && s.active);
    if (!active) {
      const generation =
        Math.max(
          0,
          ...states.filter((s) => s.projection === projection.name).map((s) => s.generation),
        ) + 1;
      active = {
        projection: projection.name,
        generation,
        version: projection.version,
        position: 0,
        status: 'live',
        active: true,
        updatedAt: clock().toISOString(),
      };
      await store.saveProjectionState(active);
    }
    const target = { projection, generation: active.generation, position: active.position };
    await ensureGenerationCollections(store, target);
    targets.push(target);
  }
  return targets;
}

/** Runs a batch's write, e.g. inside tracing spans (see @rapport/platform tracedBatch). */
export type TraceBatch = <T>(
  batch: readonly EventEnvelope[],
  write: () => Promise<T>,
) => Promise<T>;

/**
 * Follows the log from the lowest checkpoint of its targets and projects batch after batch
 * until aborted. Each batch is one commit: a crash replays at most the batch in flight,
 * which the position guard then ignores.
 */
export class ProjectionRunner {
  constructor(
    private readonly source: EventSource,
    private readonly store: ReadStore,
    readonly targets: ProjectionTarget[],
    private readonly options: {
      batchSize?: number;
      clock?: () => Date;
      /** CRM_DEFAULT_CURRENCY, for listing rows (see SessionOptions). */
      defaultCurrency?: string;
      onBatch?: (progress: RunnerProgress) => void;
      /** Stop once this position is applied (rebuilds and sandboxes). */
      until?: number;
      /**
       * Write-behind for generations nobody else writes (rebuilds, sandboxes): keep documents
       * in memory and commit every `flushEvery` events (or when the cache is full) instead of
       * every batch. Each commit rewrites every document touched since the last one, so fewer
       * commits write far less.
       */
      writeBehind?: { flushEvery: number };
      /**
       * For the live generation: while batches come full (the log is ahead by more than a
       * batch, e.g. after a restart on a long log), keep applying in memory and commit every
       * `flushEvery` events, as a rebuild does; a batch that is not full means caught up, and
       * is committed at once (low latency again). The checkpoint, and so minPosition, moves
       * with each commit.
       */
      catchUp?: { flushEvery: number };
      /**
       * After each batch, let timers and messages run before the next one. A store read
       * synchronously resolves every await at once, so a long run would otherwise hold the
       * thread until its end: a rebuild in the projector's worker never heard its cancel.
       */
      yieldBetweenBatches?: boolean;
      /** With yieldBetweenBatches: wait this long between batches (a throttled rebuild). */
      pauseBetweenBatchesMs?: number;
      /**
       * Wraps the application and write of each batch (tracing: a span per request whose
       * events the batch holds). Absent: the batch runs as is.
       */
      traceBatch?: TraceBatch;
    } = {},
  ) {}

  private lock: Promise<unknown> = Promise.resolve();

  /**
   * Runs `action` between two batches, never during one: how a rebuild swaps a target in
   * without the live projection seeing a half-applied batch.
   */
  exclusive<T>(action: () => Promise<T>): Promise<T> {
    const result = this.lock.then(action);
    this.lock = result.catch(() => undefined);
    return result;
  }

  async run(signal?: AbortSignal): Promise<void> {
    if (this.targets.length === 0) return;
    const from = Math.min(...this.targets.map((t) => t.position));
    if (this.options.until !== undefined && from >= this.options.until) return;
    const controller = new AbortController();
    const stop = () => controller.abort();
    signal?.addEventListener('abort', stop, { once: true });
    const writeBehind = this.options.writeBehind;
    const catchUp = this.options.catchUp;
    const batchSize = this.options.batchSize ?? 500;
    const session = new ProjectionSession(this.store, this.targets, {
      ...(this.options.clock && { clock: this.options.clock }),
      ...(this.options.defaultCurrency && { defaultCurrency: this.options.defaultCurrency }),
      retain: writeBehind !== undefined,
    });
    try {
      for await (const events of this.source.subscribe({
        after: from,
        batchSize,
        signal: controller.signal,
      })) {
        const until = this.options.until;
        const batch = until === undefined ? events : events.filter((e) => e.position <= until);
        if (batch.length > 0) {
          // Behind: the batch came full and the log holds more (a full batch that ends at the
          // head must be committed now, as nothing may come to push it out).
          const behind =
            catchUp !== undefined &&
            events.length >= batchSize &&
            this.source.headPosition !== undefined &&
            (await this.source.headPosition()) > batch[batch.length - 1]!.position;
          const flushEvery = writeBehind?.flushEvery ?? (behind ? catchUp.flushEvery : 0);
          const write = async () => {
            const applied = await session.apply(batch);
            if (session.uncommitted >= flushEvery || session.cacheFull) await session.flush();
            return applied;
          };
          const traceBatch = this.options.traceBatch;
          const outcome = await this.exclusive(() =>
            traceBatch ? traceBatch(batch, write) : write(),
          );
          this.options.onBatch?.({
            targets: this.targets,
            lastEvent: batch[batch.length - 1]!,
            batch,
            events: batch.length,
            outcome,
          });
        }
        if (until !== undefined && events[events.length - 1]!.position >= until) break;
        if (this.options.yieldBetweenBatches)
          await new Promise<void>((resolve) => {
            const pause = this.options.pauseBetweenBatchesMs ?? 0;
            if (pause > 0) setTimeout(resolve, pause);
            else setImmediate(resolve);
          });
      }
      // Whatever was applied when the run ends (caught up, or aborted) is committed.
      await this.exclusive(() => session.flush());
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }
}
