import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric the apps publish, on one registry per process. */
export class Metrics {
  readonly registry = new Registry();

  readonly commands = new Counter({
    name: 'rapport_commands_total',
    help: 'Commands handled, by command and outcome (ok, duplicate, rejected, error).',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly commandDuration = new Histogram({
    name: 'rapport_command_duration_seconds',
    help: 'Time from command receipt to its answer.',
    labelNames: ['command'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly appendDuration = new Histogram({
    name: 'rapport_event_store_append_duration_seconds',
    help: 'Time for one append to be durably stored (includes waiting for the group commit).',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  readonly projectionPosition = new Gauge({
    name: 'rapport_projection_position',
    help: 'Last global position applied by each projection.',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly projectionLagEvents = new Gauge({
    name: 'rapport_projection_lag_events',
    help: 'Events in the log not yet applied by each projection.',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly projectionLagSeconds = new Gauge({
    name: 'rapport_projection_lag_seconds',
    help: 'Age of the oldest event not yet applied by each projection (0 when caught up).',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly projectionDelay = new Histogram({
    name: 'rapport_projection_delay_seconds',
    help: 'Time from an event being recorded to being projected into the read models.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly projectionStalled = new Gauge({
    name: 'rapport_projection_stalled',
    help: 'Distributed profile: 1 when the projection is behind the log and has not moved for CRM_PROJECTOR_STALL_SECONDS (or its progress could not be read for as long).',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly rebuildPosition = new Gauge({
    name: 'rapport_rebuild_position',
    help: 'Position reached by the running rebuild of each projection.',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly rebuildRate = new Gauge({
    name: 'rapport_rebuild_events_per_second',
    help: 'Events per second of the running rebuild of each projection.',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly rebuildEta = new Gauge({
    name: 'rapport_rebuild_eta_seconds',
    help: 'Estimated seconds until the rebuild catches up (-1: unknown).',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly webhookDeliveriesRecorded = new Counter({
    name: 'rapport_webhook_deliveries_recorded_total',
    help: 'Webhook deliveries this process recorded from the log (its share of the customer topic in the distributed profile); an event read again records nothing new but is counted again.',
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: 'rapport_webhook_attempts_total',
    help: 'Webhook delivery attempts this process made, by outcome (delivered, failed, dead).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Entries and limit of each in-memory cache (read when scraped), so growth is visible. */
  readonly cacheEntries = new Gauge({
    name: 'rapport_cache_entries',
    help: 'Entries held by each bounded in-memory cache.',
    labelNames: ['cache'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [cache, source] of this.caches) this.cacheEntries.set({ cache }, source.cached);
    },
  });

  readonly cacheLimit = new Gauge({
    name: 'rapport_cache_limit',
    help: 'Most entries each bounded in-memory cache may hold.',
    labelNames: ['cache'] as const,
    registers: [this.registry],
  });

  private readonly caches = new Map<string, { readonly cached: number }>();

  /** Publishes a cache's size (read at scrape time) and its limit. */
  watchCache(name: string, cache: { readonly cached: number; readonly cacheLimit: number }): void {
    this.caches.set(name, cache);
    this.cacheLimit.set({ cache: name }, cache.cacheLimit);
  }

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }
}
