import { Injectable } from '@nestjs/common';
import { Metrics } from '@rapport/platform';

interface Waiter {
  projections: readonly string[];
  position: number;
  resolve: (reached: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * Where each live projection stands, as reported by the projector, and read-your-writes
 * waits: a query with minPosition waits here (without polling) until every projection it
 * reads has reached that position, or gives up after the timeout.
 */
@Injectable()
export class ProjectionProgress {
  private readonly positions = new Map<string, number>();
  private waiters = new Set<Waiter>();
  private readonly delayListeners = new Set<(delaysMs: readonly number[]) => void>();

  constructor(private readonly metrics: Metrics) {}

  /** Delays (ms) from recording to projection of the events of one batch. */
  recordDelays(delaysMs: readonly number[]): void {
    for (const ms of delaysMs) this.metrics.projectionDelay.observe(ms / 1000);
    for (const listener of this.delayListeners) listener(delaysMs);
  }

  /** For benchmarks: every delay measured from now on. */
  onDelays(listener: (delaysMs: readonly number[]) => void): () => void {
    this.delayListeners.add(listener);
    return () => this.delayListeners.delete(listener);
  }

  update(projection: string, position: number): void {
    if (position <= (this.positions.get(projection) ?? 0)) return;
    this.positions.set(projection, position);
    for (const waiter of [...this.waiters]) {
      if (this.reached(waiter.projections, waiter.position)) this.settle(waiter, true);
    }
  }

  position(projection: string): number {
    return this.positions.get(projection) ?? 0;
  }

  /** The position every one of `projections` has reached. */
  positionOf(projections: readonly string[]): number {
    return Math.min(...projections.map((p) => this.position(p)));
  }

  waitFor(projections: readonly string[], position: number, timeoutMs: number): Promise<boolean> {
    if (this.reached(projections, position)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        projections,
        position,
        resolve,
        timer: setTimeout(() => this.settle(waiter, false), timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Ends every wait (shutdown): callers answer 503. */
  cancelAll(): void {
    for (const waiter of [...this.waiters]) this.settle(waiter, false);
  }

  private reached(projections: readonly string[], position: number): boolean {
    return projections.every((p) => this.position(p) >= position);
  }

  private settle(waiter: Waiter, reached: boolean): void {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter);
    waiter.resolve(reached);
  }
}
