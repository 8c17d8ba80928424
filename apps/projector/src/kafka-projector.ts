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
import type { Logger } from '@rapport/platform';
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
  clock?: () => Date;
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
  private ticking?: Promise<void>;
  readonly stats = { events: 0, batches: 0, invalid: 0, parked: 0, watermark: 0 };

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

  async start(): Promise<void> {
    // The relay creates these too; whichever starts first, the projector never subscribes to
    // a topic that does not exist (kafkajs would fail with UNKNOWN_TOPIC_OR_PARTITION).
    await this.bus.ensureTopics(
      this.topics.map((name) => ({
        name,
        partitions: DEFAULT_PARTITIONS,
        config: EVENT_TOPIC_CONFIG,
      })),
    );
    const targets = await liveTargets(this.store, this.projections, this.options.clock);
    await this.store.ensureCollection(PARTITIONS_COLLECTION, []);
    this.live = await this.feed(this.groupId, targets);
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.watermarkEveryMs ?? 500);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await Promise.all([this.live, ...this.rebuilds.values()].map((feed) => feed?.consumer.stop()));
    this.rebuilds.clear();
  }

  /** For tests: the watermark of the live group, updated now. */
  updateWatermark(): Promise<void> {
    return this.tick();
  }

  private async feed(group: string, targets: ProjectionTarget[]): Promise<Feed> {
    const consumer = this.bus.consumer({
      groupId: group,
      topics: this.topics,
      fromBeginning: true,
    });
    const feed: Feed = { group, consumer, targets, lock: Promise.resolve(), watermark: 0 };
    await consumer.start((messages) => this.exclusive(feed, () => this.project(feed, messages)));
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
      // A batch holds one topic partition's messages: the aggregate shard of that partition
      // sees positions in order.
      shard: `${last.topic}#${last.partition}`,
      ...(this.options.clock && { clock: this.options.clock }),
    });
    const outcome = await session.apply(events);
    await session.flush();
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
    this.ticking ??= (async () => {
      try {
        if (this.live) await this.updateFeedWatermark(this.live, true);
        await this.followGenerations();
      } catch (error) {
        this.logger.warn({ err: error }, 'projector housekeeping failed; retrying');
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
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
    const progress = await this.store.getMany<PartitionProgress>(
      PARTITIONS_COLLECTION,
      lags.map((lag) => lag.id),
    );
    const positionOf = (id: string) => progress.get(id)?.position ?? 0;
    const lagging = lags.filter((lag) => lag.end > 0n && lag.committed < lag.end);
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
      if (isLive) this.stats.watermark = watermark;
    }
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
