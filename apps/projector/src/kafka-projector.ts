import {
  decodeEnvelope,
  DEFAULT_PARTITIONS,
  EnvelopeDecodeError,
  EVENT_TOPIC_CONFIG,
  topicName,
  TOPICS,
} from '@rapport/contracts';
import { upcast, type EventEnvelope } from '@rapport/domain';
import type { IncomingMessage, MessageBus, MessageConsumer } from '@rapport/messaging';
import { tracedBatch, type Logger } from '@rapport/platform';
import {
  activateGeneration,
  dropGeneration,
  ensureGenerationCollections,
  liveTargets,
  ProjectionSession,
  type AnyProjection,
  type ProjectionTarget,
  type ReadStore,
  type StoredDocument,
} from '@rapport/read-models';

/** How far one consumer group has projected one partition. */
interface PartitionProgress extends StoredDocument {
  group: string;
  topic: string;
  partition: number;
  offset: string;
}

export const PARTITIONS_COLLECTION = 'projector_partitions';

export interface KafkaProjectorOptions {
  groupId?: string;
  topicPrefix?: string;
  /** How often the watermarks are updated and rebuilds looked after. */
  watermarkEveryMs?: number;
  /** How long a rebuild's consumers keep feeding its generation after the swap. */
  handoverMs?: number;
  /**
   * How long the live watermark may stand still while the group has lag before the projector
   * counts as stalled: health turns unhealthy and the live consumer is replaced.
   */
  stallAfterMs?: number;
  clock?: () => Date;
  /** CRM_DEFAULT_CURRENCY, for listing rows (see SessionOptions). */
  defaultCurrency?: string;
  /** Called after each batch is written (tests, metrics). */
  onBatch?: (info: {
    partition: number;
    events: EventEnvelope[];
    parked: number;
    group: string;
  }) => void;
}

interface Feed {
  group: string;
  consumer: MessageConsumer;
  targets: ProjectionTarget[];
  /** Queue of batches and generation swaps: never both at once. */
  lock: Promise<unknown>;
  watermark: number;
}

/**
 * The distributed profile's projector: a Kafka consumer-group member that applies the same
 * projections as the embedded profile to the read store (MongoDB). Kafka partitions by client,
 * so each client's events arrive in order; the per-document position guard makes redelivered
 * batches harmless, and offsets are committed only after the batch's documents are written.
 *
 * Rebuilds: a generation in state "rebuilding" gets consumer groups of its own that read the
 * topics from the beginning (the topics keep everything). Once they have no lag, the new
 * generation is activated for readers and the live group switches to it; the rebuild group
 * keeps feeding it for a handover period, so no event falls between the two.
 */
export class KafkaProjector {
  private live?: Feed;
  private readonly rebuilds = new Map<
    string,
    Feed & { until?: number; generation: number; projection: AnyProjection }
  >();
  private timer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private tickStartedAt = 0;
  /** Last time the live watermark moved, or the live group had no lag. */
  private progressAt = Date.now();
  private restarting?: Promise<void>;
  private starting?: Promise<void>;
  private restartedAt = 0;
  private stopping = false;
  readonly stats = {
    events: 0,
    batches: 0,
    invalid: 0,
    parked: 0,
    watermark: 0,
    /** Messages of the live group not yet committed, at the last watermark update. */
    lag: 0,
    /** Watermark still for stallAfterMs while lag exists (or housekeeping hung as long). */
    stalled: false,
    /** Times the live consumer was replaced after a stall. */
    consumerRestarts: 0,
  };

  constructor(
    private readonly bus: MessageBus,
    private readonly store: ReadStore,
    private readonly projections: readonly AnyProjection[],
    private readonly logger: Logger,
    private readonly options: KafkaProjectorOptions = {},
  ) {}

  /** Client events and audit events: the audit trail projects both. */
  get topics(): string[] {
    return [TOPICS.customerEvents, TOPICS.auditEvents].map((topic) =>
      topicName(topic, this.options.topicPrefix),
    );
  }

  get groupId(): string {
    return this.options.groupId ?? 'rapport-projector';
  }

  /** Starts consuming; stop() waits for a start in progress, so no consumer outlives it. */
  start(): Promise<void> {
    this.starting = this.begin();
    return this.starting;
  }

  private async begin(): Promise<void> {
    // The relay creates these too; whichever starts first, the projector never subscribes to
    // a topic that does not exist (kafkajs would fail with UNKNOWN_TOPIC_OR_PARTITION).
    await this.bus.ensureTopics(
      this.topics.map((name) => ({
        name,
        partitions: DEFAULT_PARTITIONS,
        config: EVENT_TOPIC_CONFIG,
      })),
    );
    // Started while the read store is down (a failover, a restart): wait for it.
    const targets = await this.retryingStore('reading the projection states', async () => {
      const live = await liveTargets(this.store, this.projections, this.options.clock);
      await this.store.ensureCollection(PARTITIONS_COLLECTION, []);
      return live;
    });
    if (this.stopping) return;
    this.live = await this.feed(this.groupId, targets);
    if (this.stopping) {
      // stop() came while this consumer was joining its group: it must not stay connected.
      await this.live.consumer.stop();
      return;
    }
    this.progressAt = Date.now();
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.watermarkEveryMs ?? 500);
    this.timer.unref();
    this.watchdog = setInterval(
      () => this.checkStall(),
      Math.min(1000, Math.max(50, this.stallAfterMs / 4)),
    );
    this.watchdog.unref();
  }

  get stallAfterMs(): number {
    return this.options.stallAfterMs ?? 60_000;
  }

  /** Seconds since the live watermark last moved (0 while the group has no lag). */
  get stillForSeconds(): number {
    return Math.max(0, (Date.now() - this.progressAt) / 1000);
  }

  private async retryingStore<T>(what: string, action: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await action();
      } catch (error) {
        if (this.stopping) throw error;
        this.logger.warn({ err: error, attempt }, `read store failed ${what}; retrying`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 200 * attempt)));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // A start in progress stops its own consumer once it sees `stopping`; waiting for it here
    // (bounded: a broker that never answers must not hang stop) lets stop() return after it.
    await Promise.race([
      this.starting?.catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
    ]);
    if (this.timer) clearInterval(this.timer);
    if (this.watchdog) clearInterval(this.watchdog);
    await this.restarting;
    await this.ticking;
    await Promise.all([this.live, ...this.rebuilds.values()].map((feed) => feed?.consumer.stop()));
    this.rebuilds.clear();
  }

  /** For tests: the watermark of the live group, updated now. */
  updateWatermark(): Promise<void> {
    return this.tick();
  }

  private async feed(group: string, targets: ProjectionTarget[], watermark = 0): Promise<Feed> {
    const consumer = this.bus.consumer({
      groupId: group,
      topics: this.topics,
      fromBeginning: true,
    });
    const feed: Feed = { group, consumer, targets, lock: Promise.resolve(), watermark };
    try {
      await consumer.start((messages) => this.exclusive(feed, () => this.project(feed, messages)));
    } catch (error) {
      await consumer.stop().catch(() => undefined);
      throw error;
    }
    return feed;
  }

  private exclusive<T>(feed: Feed, action: () => Promise<T>): Promise<T> {
    const result = feed.lock.then(action);
    feed.lock = result.catch(() => undefined);
    return result;
  }

  private async project(feed: Feed, messages: IncomingMessage[]): Promise<void> {
    const events: EventEnvelope[] = [];
    for (const message of messages) {
      try {
        events.push(upcast(decodeEnvelope(message.value)));
      } catch (error) {
        if (!(error instanceof EnvelopeDecodeError)) throw error;
        // Not an event at all: nothing to project or park; skip it, loudly.
        this.stats.invalid++;
        this.logger.error(
          { partition: message.partition, offset: message.offset, reason: error.message },
          'skipping an invalid message',
        );
      }
    }
    const last = messages[messages.length - 1]!;
    const session = new ProjectionSession(this.store, feed.targets, {
      partitioned: true,
      ...(this.options.defaultCurrency && { defaultCurrency: this.options.defaultCurrency }),
      // A batch holds one topic partition's messages: the aggregate shard of that partition
      // sees positions in order.
      shard: `${last.topic}#${last.partition}`,
      ...(this.options.clock && { clock: this.options.clock }),
    });
    // Tracing on: a span per request whose events the batch holds, child of the relay's.
    const outcome = await tracedBatch(
      'projector write',
      messages.map((message) => message.headers['traceparent']),
      async () => {
        const applied = await session.apply(events);
        await session.flush();
        return applied;
      },
    );
    const lastPosition = events.length > 0 ? events[events.length - 1]!.position : 0;
    if (lastPosition > 0) {
      const progress: PartitionProgress = {
        id: `${feed.group}:${last.topic}:${last.partition}`,
        position: lastPosition,
        group: feed.group,
        topic: last.topic,
        partition: last.partition,
        offset: last.offset,
      };
      await this.store.commit({
        writes: [{ collection: PARTITIONS_COLLECTION, document: progress }],
        checkpoints: [],
      });
    }
    for (const parked of outcome.parked) {
      this.logger.error(
        parked,
        'a client was parked: its events wait until an operator retries or skips them',
      );
    }
    if (feed === this.live) {
      this.stats.events += events.length;
      this.stats.batches++;
      this.stats.parked += outcome.parked.length;
    }
    this.options.onBatch?.({
      partition: last.partition,
      events,
      parked: outcome.parked.length,
      group: feed.group,
    });
  }

  /** Watermarks, generation switches and rebuild consumers, every few hundred milliseconds. */
  private tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    const startedAt = (this.tickStartedAt = Date.now());
    this.ticking = (async () => {
      try {
        if (this.live) await this.updateFeedWatermark(this.live, true);
        await this.followGenerations();
      } catch (error) {
        this.logger.warn({ err: error }, 'projector housekeeping failed; retrying');
      } finally {
        // A tick given up on by the watchdog no longer owns the slot.
        if (this.tickStartedAt === startedAt) this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  /**
   * The watchdog: a live watermark that has not moved for stallAfterMs while the group has
   * lag (or housekeeping that has not finished for as long, so the lag is unknown) marks the
   * projector stalled and replaces its live consumer, which then fetches again from the
   * committed offsets. Replacements are at least stallAfterMs apart.
   */
  private checkStall(): void {
    const now = Date.now();
    const stalled = now - this.progressAt > this.stallAfterMs;
    if (stalled && !this.stats.stalled) {
      this.logger.error(
        {
          watermark: this.stats.watermark,
          lag: this.stats.lag,
          stillForSeconds: Math.round(this.stillForSeconds),
        },
        'projector stalled: the watermark has not moved while events wait; restarting the consumer',
      );
    }
    this.stats.stalled = stalled;
    if (!stalled || this.restarting || now - this.restartedAt < this.stallAfterMs) return;
    if (this.ticking && now - this.tickStartedAt > this.stallAfterMs) {
      this.ticking = undefined;
      this.tickStartedAt = 0;
    }
    this.restartedAt = now;
    this.restarting = this.restartLive()
      .catch((error: unknown) =>
        this.logger.error({ err: error }, 'could not restart the live consumer; trying again'),
      )
      .finally(() => (this.restarting = undefined));
  }

  private async restartLive(): Promise<void> {
    const old = this.live;
    if (!old) return;
    // The batch in flight may be what hangs: stop without waiting for it for ever. Its writes,
    // if they ever land, are below the position guards; its offsets are never committed.
    await Promise.race([
      old.consumer.stop().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, Math.min(this.stallAfterMs, 10_000)).unref()),
    ]);
    if (this.stopping) return;
    this.live = await this.feed(old.group, old.targets, old.watermark);
    this.stats.consumerRestarts++;
    this.logger.warn({ group: old.group }, 'live consumer restarted');
  }

  /**
   * The watermark W of a group is a position below which every event is surely projected: in
   * each partition with unconsumed messages, everything up to the last projected position is
   * done, and later ones have higher positions (the relay publishes in order); partitions
   * without a backlog are complete. Stored as the generations' checkpoint, it answers
   * minPosition; for a rebuild it is its progress. Returns whether the group has no lag.
   */
  private async updateFeedWatermark(feed: Feed, isLive: boolean): Promise<boolean> {
    const lags = (
      await Promise.all(
        this.topics.map(async (topic) =>
          (await this.bus.groupLag(feed.group, topic)).map((lag) => ({
            ...lag,
            id: `${feed.group}:${topic}:${lag.partition}`,
          })),
        ),
      )
    ).flat();
    const lagging = lags.filter((lag) => lag.end > 0n && lag.committed < lag.end);
    // Known from Kafka alone, so it is current even while the read store does not answer.
    if (isLive) {
      this.stats.lag = Number(
        lagging.reduce((sum, lag) => sum + lag.end - (lag.committed < 0n ? 0n : lag.committed), 0n),
      );
    }
    const progress = await this.store.getMany<PartitionProgress>(
      PARTITIONS_COLLECTION,
      lags.map((lag) => lag.id),
    );
    const positionOf = (id: string) => progress.get(id)?.position ?? 0;
    const watermark =
      lagging.length > 0
        ? Math.min(...lagging.map((lag) => positionOf(lag.id)))
        : Math.max(0, ...lags.map((lag) => positionOf(lag.id)));
    if (watermark > feed.watermark) {
      await this.store.commit({
        writes: [],
        checkpoints: feed.targets.map((t) => ({
          projection: t.projection.name,
          generation: t.generation,
          position: watermark,
        })),
      });
      feed.watermark = watermark;
      if (isLive) {
        this.stats.watermark = watermark;
        this.progressAt = Date.now();
      }
    }
    // Caught up, with the watermark stored: nothing waits.
    if (isLive && lagging.length === 0) this.progressAt = Date.now();
    return lagging.length === 0 && lags.some((lag) => lag.end > 0n);
  }

  private async followGenerations(): Promise<void> {
    const states = await this.store.projectionStates();
    const now = Date.now();
    for (const projection of this.projections) {
      const mine = states.filter((s) => s.projection === projection.name);
      const active = mine.find((s) => s.active);
      // The live group writes the active generation; switch between two batches when it changes.
      if (active && this.live) {
        const live = this.live;
        const current = live.targets.find((t) => t.projection.name === projection.name);
        if (current && current.generation !== active.generation) {
          await this.exclusive(live, async () => {
            const index = live.targets.indexOf(current);
            live.targets.splice(index, 1, {
              projection,
              generation: active.generation,
              position: active.position,
            });
          });
          this.logger.info(
            { projection: projection.name, generation: active.generation },
            'now projecting into the new generation',
          );
        }
      }
      for (const state of mine) {
        const key = `${projection.name}#${state.generation}`;
        const running = this.rebuilds.get(key);
        if (state.status === 'rebuilding' && !state.active && !running) {
          const target = { projection, generation: state.generation, position: state.position };
          await ensureGenerationCollections(this.store, target);
          const feed = await this.feed(`${this.groupId}.${projection.name}.g${state.generation}`, [
            target,
          ]);
          this.rebuilds.set(key, { ...feed, generation: state.generation, projection });
          this.logger.info(
            { projection: projection.name, generation: state.generation },
            'rebuild consumers started',
          );
        } else if (running && state.status === 'paused') {
          await running.consumer.stop();
          this.rebuilds.delete(key);
        } else if (running && !state.active && state.status === 'rebuilding') {
          // Caught up: whoever sees it first swaps (the swap is idempotent).
          if (await this.updateFeedWatermark(running, false)) {
            await activateGeneration(
              this.store,
              projection.name,
              state.generation,
              this.options.clock,
            );
            running.until = now + (this.options.handoverMs ?? 10_000);
          }
        } else if (running && state.active) {
          running.until ??= now + (this.options.handoverMs ?? 10_000);
        }
      }
      // After the handover, the rebuild group stops and the retired generations go.
      for (const [key, running] of this.rebuilds) {
        if (running.projection !== projection || running.until === undefined || running.until > now)
          continue;
        await running.consumer.stop();
        this.rebuilds.delete(key);
        for (const retired of mine.filter((s) => s.status === 'retired')) {
          await dropGeneration(this.store, projection, retired.generation).catch(() => undefined);
        }
      }
    }
  }
}
