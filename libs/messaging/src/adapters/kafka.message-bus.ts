import {
  Kafka,
  logLevel as KafkaLogLevel,
  type Admin,
  type IHeaders,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import type {
  BatchHandler,
  ConsumerOptions,
  IncomingMessage,
  MessageBus,
  MessageConsumer,
  MessagePublisher,
  OutgoingMessage,
  PartitionLag,
  TopicSpec,
} from '../message-bus.port';

/** How long new topics may take to have a leader for every partition. */
const TOPIC_LEADERS_TIMEOUT_MS = 30_000;
/** Answers of a broker about a topic it is still creating: ask again. */
const TOPIC_NOT_READY = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

async function untilLeadersElected(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  const deadline = Date.now() + TOPIC_LEADERS_TIMEOUT_MS;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
      const ready = specs.every((spec) => {
        const partitions = topics.find((t) => t.name === spec.name)?.partitions ?? [];
        return partitions.length >= spec.partitions && partitions.every((p) => p.leader >= 0);
      });
      if (ready) return;
    } catch (error) {
      if (!TOPIC_NOT_READY.has((error as { type?: string }).type ?? '')) throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Kafka topics ${specs.map((s) => s.name).join(', ')} have no leader for every partition after ${TOPIC_LEADERS_TIMEOUT_MS / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** Where kafkajs' own log lines go (warnings and errors only). */
  log?: (level: 'error' | 'warn', message: string, extra: Record<string, unknown>) => void;
  /** Longest a consumer waits for more data before handing over a smaller batch. */
  maxWaitMs?: number;
}

/**
 * The port on Apache Kafka (kafkajs). Publishing uses an idempotent producer (no duplicates
 * from its own retries), acks from all in-sync replicas and one request in flight per broker,
 * so order per key holds even through retries. Consumers commit a partition's offset only
 * after the handler finished with the batch.
 */
export class KafkaMessageBus implements MessageBus {
  private readonly kafka: Kafka;
  private readonly producers: Producer[] = [];
  /** How to stop each consumer not yet stopped. */
  private readonly consumers = new Set<() => Promise<void>>();

  constructor(private readonly options: KafkaBusOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: KafkaLogLevel.WARN,
      logCreator:
        () =>
        ({ level, log }: LogEntry) => {
          const { message, ...extra } = log;
          options.log?.(level <= KafkaLogLevel.ERROR ? 'error' : 'warn', message, extra);
        },
      retry: { initialRetryTime: 200, retries: 8 },
    });
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((spec) => !existing.has(spec.name));
      if (missing.length > 0) {
        // kafkajs' own waitForLeaders gives up on the first UNKNOWN_TOPIC_OR_PARTITION, which a
        // Kafka 3.x broker answers while a new topic's metadata is still spreading; we wait.
        await admin.createTopics({
          waitForLeaders: false,
          topics: missing.map((spec) => ({
            topic: spec.name,
            numPartitions: spec.partitions,
            ...(spec.config && {
              configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
            }),
          })),
        });
        await untilLeadersElected(admin, missing);
      }
    } finally {
      await admin.disconnect();
    }
  }

  publisher(): MessagePublisher {
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // An idempotent producer retries without limit (kafkajs' own rule): a publish waits out
      // a broker restart instead of failing and reordering on the caller's retry.
      retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: Number.MAX_SAFE_INTEGER },
    });
    this.producers.push(producer);
    let connected: Promise<void> | undefined;
    return {
      publish: async (messages: readonly OutgoingMessage[]) => {
        if (messages.length === 0) return;
        connected ??= producer.connect();
        await connected;
        const byTopic = new Map<string, OutgoingMessage[]>();
        for (const message of messages)
          byTopic.set(message.topic, [...(byTopic.get(message.topic) ?? []), message]);
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, list]) => ({
            topic,
            messages: list.map((m) => ({
              key: m.key,
              value: m.value,
              ...(m.headers && { headers: m.headers }),
            })),
          })),
        });
      },
      close: async () => {
        if (connected) await producer.disconnect();
      },
    };
  }

  consumer(options: ConsumerOptions): MessageConsumer {
    let stopped = false;
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: this.options.maxWaitMs ?? 200,
      allowAutoTopicCreation: false,
      retry: {
        initialRetryTime: 200,
        retries: Number.MAX_SAFE_INTEGER,
        // kafkajs restarts a crashed consumer on a timer after disconnecting it; a stop that
        // lands while it decides would be undone by that restart, which reconnects for good.
        restartOnFailure: () => Promise.resolve(!stopped),
      },
    });
    // A restart already under way when stop() came joins the group after it: stop it again.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (stopped) void consumer.disconnect().catch(() => undefined);
    });
    // Settles start()'s wait for the group: joined, stopped meanwhile, or crashed for good.
    let endJoinWait: ((error?: Error) => void) | undefined;
    const stop = async () => {
      stopped = true;
      endJoinWait?.();
      this.consumers.delete(stop);
      await consumer.disconnect();
    };
    this.consumers.add(stop);
    return {
      start: async (handler: BatchHandler) => {
        await consumer.connect();
        for (const topic of options.topics) {
          await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? false });
        }
        // kafkajs gives up on a consumer after an error it deems fatal and says so only here;
        // the projector's stall watchdog replaces such a consumer.
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          if (stopped) return;
          this.options.log?.(
            payload.restart ? 'warn' : 'error',
            payload.restart ? 'consumer crashed; kafkajs restarts it' : 'consumer crashed for good',
            { groupId: payload.groupId, error: payload.error.message },
          );
          if (!payload.restart) endJoinWait?.(payload.error);
        });
        const joined = new Promise<void>((resolve, reject) => {
          const off = consumer.on(consumer.events.GROUP_JOIN, () => {
            off();
            resolve();
          });
          endJoinWait = (error) => {
            off();
            if (error) reject(error);
            else resolve();
          };
        });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
            if (batch.messages.length === 0 || !isRunning() || isStale()) return;
            const messages: IncomingMessage[] = batch.messages.map((m) => ({
              topic: batch.topic,
              partition: batch.partition,
              offset: m.offset,
              key: m.key?.toString('utf8') ?? null,
              value: m.value?.toString('utf8') ?? '',
              headers: textHeaders(m.headers),
            }));
            // A throw here makes kafkajs fetch the batch again from the last resolved offset.
            await handler(messages, { topic: batch.topic, partition: batch.partition, heartbeat });
            const last = batch.messages[batch.messages.length - 1]!;
            // Commit first, resolve after: kafkajs fetches from the resolved offset, so a batch
            // resolved before a commit that then failed (coordinator moving, request timeout)
            // was never fetched again nor committed, and the group's lag stayed up for good.
            await consumer.commitOffsets([
              {
                topic: batch.topic,
                partition: batch.partition,
                offset: (BigInt(last.offset) + 1n).toString(),
              },
            ]);
            resolveOffset(last.offset);
          },
        });
        await joined;
      },
      stop,
    };
  }

  async groupLag(groupId: string, topic: string): Promise<PartitionLag[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      // Both settle before the finally block disconnects: a request still under way after
      // disconnect() reconnects its broker, and that connection is never closed.
      const [endsResult, offsetsResult] = await Promise.allSettled([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      if (endsResult.status === 'rejected') throw endsResult.reason;
      if (offsetsResult.status === 'rejected') throw offsetsResult.reason;
      const ends = endsResult.value;
      const [committed] = offsetsResult.value;
      return ends.map((end) => ({
        partition: end.partition,
        committed: BigInt(
          committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1',
        ),
        end: BigInt(end.high),
      }));
    } finally {
      await admin.disconnect();
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([
      ...this.producers.map((producer) => producer.disconnect()),
      ...[...this.consumers].map((stop) => stop()),
    ]);
  }
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    result[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return result;
}
