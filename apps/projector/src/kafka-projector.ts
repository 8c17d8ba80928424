import { decodeEnvelope, EnvelopeDecodeError, topicName, TOPICS } from '@rapport/contracts';
import { upcast, type EventEnvelope } from '@rapport/domain';
import type { IncomingMessage, MessageBus, MessageConsumer } from '@rapport/messaging';
import type { Logger } from '@rapport/platform';
import {
  liveTargets,
  ProjectionSession,
  type AnyProjection,
  type ProjectionTarget,
  type ReadStore,
  type StoredDocument,
} from '@rapport/read-models';

/** How far one partition has been projected. */
interface PartitionProgress extends StoredDocument {
  topic: string;
  partition: number;
  offset: string;
}

export const PARTITIONS_COLLECTION = 'projector_partitions';

export interface KafkaProjectorOptions {
  groupId?: string;
  topicPrefix?: string;
  /** How often the watermark (the position every projection has surely reached) is updated. */
  watermarkEveryMs?: number;
  clock?: () => Date;
  /** Called after each batch is written (tests, metrics). */
  onBatch?: (info: { partition: number; events: EventEnvelope[]; parked: number }) => void;
}

/**
 * The distributed profile's projector: a Kafka consumer-group member that applies the same
 * projections as the embedded profile to the read store (MongoDB). Kafka partitions by client,
 * so each client's events arrive in order; the per-document position guard makes redelivered
 * batches harmless, and offsets are committed only after the batch's documents are written.
 */
export class KafkaProjector {
  private consumer?: MessageConsumer;
  private targets: ProjectionTarget[] = [];
  private timer?: NodeJS.Timeout;
  private watermarkRunning?: Promise<void>;
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
    this.targets = await liveTargets(this.store, this.projections, this.options.clock);
    await this.store.ensureCollection(PARTITIONS_COLLECTION, []);
    this.consumer = this.bus.consumer({
      groupId: this.groupId,
      topics: this.topics,
      fromBeginning: true,
    });
    await this.consumer.start((messages) => this.project(messages));
    this.timer = setInterval(
      () => void this.updateWatermark(),
      this.options.watermarkEveryMs ?? 500,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.consumer?.stop();
    await this.watermarkRunning;
  }

  private async project(messages: IncomingMessage[]): Promise<void> {
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
    const session = new ProjectionSession(this.store, this.targets, {
      partitioned: true,
      ...(this.options.clock && { clock: this.options.clock }),
    });
    const outcome = await session.apply(events);
    await session.flush();
    const last = messages[messages.length - 1]!;
    const lastPosition = events.length > 0 ? events[events.length - 1]!.position : 0;
    if (lastPosition > 0) {
      const progress: PartitionProgress = {
        id: `${last.topic}:${last.partition}`,
        position: lastPosition,
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
    this.stats.events += events.length;
    this.stats.batches++;
    this.stats.parked += outcome.parked.length;
    this.options.onBatch?.({ partition: last.partition, events, parked: outcome.parked.length });
  }

  /**
   * The watermark W is a position below which every event is surely projected: in each
   * partition with unconsumed messages, everything up to the last projected position is done,
   * and later ones have higher positions (the relay publishes in order); partitions without a
   * backlog are complete. Stored as the projections' checkpoint, it answers minPosition.
   */
  updateWatermark(): Promise<void> {
    this.watermarkRunning ??= (async () => {
      try {
        const lags = (
          await Promise.all(
            this.topics.map(async (topic) =>
              (await this.bus.groupLag(this.groupId, topic)).map((lag) => ({
                ...lag,
                id: `${topic}:${lag.partition}`,
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
        if (watermark <= this.stats.watermark) return;
        await this.store.commit({
          writes: [],
          checkpoints: this.targets.map((t) => ({
            projection: t.projection.name,
            generation: t.generation,
            position: watermark,
          })),
        });
        this.stats.watermark = watermark;
      } catch (error) {
        this.logger.warn({ err: error }, 'could not update the projection watermark');
      } finally {
        this.watermarkRunning = undefined;
      }
    })();
    return this.watermarkRunning;
  }
}
