import type { EventEnvelope } from '@rapport/domain';
import type { ReadAllOptions, SubscribeOptions } from './event-store.port';

export interface CatchUpSource {
  readAll(options: ReadAllOptions): Promise<EventEnvelope[]>;
  /** Resolves once the log may hold something after `position`, or when `signal` aborts. */
  waitForAppend(position: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Catch-up subscription shared by adapters that have no native one: read from the log
 * until caught up, then sleep until the adapter signals an append. Reading again after
 * every wake-up (instead of pushing appended events) keeps the order and the absence of
 * gaps trivially true, whatever the adapter's notification does.
 */
export async function* catchUp(
  source: CatchUpSource,
  { after, batchSize = 500, signal }: SubscribeOptions,
): AsyncGenerator<EventEnvelope[]> {
  let position = after;
  while (!signal?.aborted) {
    const batch = await source.readAll({ after: position, limit: batchSize });
    if (batch.length > 0) {
      position = batch[batch.length - 1]!.position;
      yield batch;
      continue;
    }
    await source.waitForAppend(position, signal);
  }
}

/**
 * In-process wake-ups for waiting subscribers, with a slow fallback timer for appends made
 * by another process (an operator CLI writing to the same SQLite file).
 */
export class AppendSignal {
  private waiters = new Set<() => void>();

  constructor(private readonly fallbackPollMs = 1000) {}

  notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.fallbackPollMs);
      timer.unref?.();
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }
}
