import {
  partitionOf,
  type BatchHandler,
  type ConsumerOptions,
  type IncomingMessage,
  type MessageBus,
  type MessageConsumer,
  type MessagePublisher,
  type OutgoingMessage,
  type PartitionLag,
  type TopicSpec,
} from '../message-bus.port';

interface Topic {
  partitions: IncomingMessage[][];
}

/**
 * A bus inside one process, for tests and the embedded profile: partitions, consumer groups
 * with committed offsets and redelivery behave as on Kafka (one consumer per group).
 */
export class InMemoryMessageBus implements MessageBus {
  private readonly topics = new Map<string, Topic>();
  /** `${group}|${topic}|${partition}` → next offset to deliver. */
  readonly committed = new Map<string, number>();
  private readonly waiters = new Set<() => void>();

  constructor(private readonly defaultPartitions = 4) {}

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of specs) this.topic(spec.name, spec.partitions);
  }

  publisher(): MessagePublisher {
    return {
      publish: async (messages: readonly OutgoingMessage[]) => {
        for (const message of messages) {
          const topic = this.topic(message.topic);
          const partition = partitionOf(message.key, topic.partitions.length);
          const log = topic.partitions[partition]!;
          log.push({
            topic: message.topic,
            partition,
            offset: String(log.length),
            key: message.key,
            value: message.value,
            headers: { ...message.headers },
          });
        }
        for (const wake of [...this.waiters]) wake();
      },
      close: async () => undefined,
    };
  }

  consumer(options: ConsumerOptions): MessageConsumer {
    let running = false;
    let loop: Promise<void> | undefined;
    const next = (topic: string, partition: number) =>
      this.committed.get(`${options.groupId}|${topic}|${partition}`) ??
      (options.fromBeginning ? 0 : this.topic(topic).partitions[partition]!.length);
    // Without fromBeginning, a new group starts at the end as of joining.
    for (const name of options.topics) {
      this.topic(name).partitions.forEach((_, p) => {
        const key = `${options.groupId}|${name}|${p}`;
        if (!this.committed.has(key)) this.committed.set(key, next(name, p));
      });
    }
    return {
      start: async (handler: BatchHandler) => {
        running = true;
        loop = (async () => {
          while (running) {
            let delivered = false;
            for (const name of options.topics) {
              const topic = this.topic(name);
              for (let partition = 0; partition < topic.partitions.length && running; partition++) {
                const key = `${options.groupId}|${name}|${partition}`;
                const from = this.committed.get(key) ?? 0;
                const batch = topic.partitions[partition]!.slice(from, from + 500);
                if (batch.length === 0) continue;
                delivered = true;
                try {
                  await handler(
                    batch.map((m) => ({ ...m, headers: { ...m.headers } })),
                    { topic: name, partition, heartbeat: async () => undefined },
                  );
                  this.committed.set(key, from + batch.length);
                } catch {
                  // Not committed: the same batch comes again, after a pause.
                  await new Promise((resolve) => setTimeout(resolve, 20));
                }
              }
            }
            if (!delivered && running) await this.waitForMessages(100);
          }
        })();
      },
      stop: async () => {
        running = false;
        for (const wake of [...this.waiters]) wake();
        await loop;
      },
    };
  }

  async groupLag(groupId: string, topic: string): Promise<PartitionLag[]> {
    return this.topic(topic).partitions.map((log, partition) => ({
      partition,
      committed: BigInt(this.committed.get(`${groupId}|${topic}|${partition}`) ?? -1),
      end: BigInt(log.length),
    }));
  }

  async close(): Promise<void> {
    for (const wake of [...this.waiters]) wake();
  }

  /** Every message of a topic, partition by partition (for tests). */
  messages(topic: string): IncomingMessage[] {
    return this.topic(topic).partitions.flat();
  }

  private topic(name: string, partitions = this.defaultPartitions): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = { partitions: Array.from({ length: partitions }, () => []) };
      this.topics.set(name, topic);
    }
    return topic;
  }

  private waitForMessages(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }
}
