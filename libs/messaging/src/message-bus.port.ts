/**
 * Messaging between the relay, the projectors and internal systems.
 *
 * Guarantees every adapter keeps (checked by testing/message-bus.contract.ts):
 * - publish() resolves only once every message is acknowledged (by all in-sync replicas on
 *   Kafka); if it rejects, any subset may have been stored: callers retry, consumers dedupe.
 * - Messages with the same key go to the same partition and keep their order, within one
 *   publish() and across publish() calls that each await the previous one.
 * - A consumer group receives every message at least once; a batch's offsets are committed
 *   only after its handler resolved, so a crash or a throwing handler redelivers the batch.
 * - Batches of one partition are handled one at a time, in offset order.
 */
export interface MessageBus {
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  publisher(): MessagePublisher;
  consumer(options: ConsumerOptions): MessageConsumer;
  /** Per partition of a topic: the group's committed offset and the partition's end. */
  groupLag(groupId: string, topic: string): Promise<PartitionLag[]>;
  close(): Promise<void>;
}

export interface PartitionLag {
  partition: number;
  /** Next offset the group will read (-1 when it has committed nothing). */
  committed: bigint;
  /** Offset the next published message will get. */
  end: bigint;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Broker settings of the topic, e.g. { 'retention.ms': '-1' } to keep everything. */
  config?: Record<string, string>;
}

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit: kept as decimal strings. */
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

export interface MessagePublisher {
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topics: readonly string[];
  /** Where a group without committed offsets starts. */
  fromBeginning?: boolean;
}

export interface BatchContext {
  topic: string;
  partition: number;
  /** Keeps the group membership alive during a long handler. */
  heartbeat(): Promise<void>;
}

export type BatchHandler = (messages: IncomingMessage[], context: BatchContext) => Promise<void>;

export interface MessageConsumer {
  /** Starts consuming; resolves once the consumer has joined its group. */
  start(handler: BatchHandler): Promise<void>;
  /** Stops after the batch in flight; its offsets are committed only if it completed. */
  stop(): Promise<void>;
}

export const MESSAGE_BUS = Symbol('MESSAGE_BUS');

/** The partition a key goes to on the in-memory bus (Kafka uses its own murmur2). */
export function partitionOf(key: string, partitions: number): number {
  let hash = 2166136261;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % partitions;
}
