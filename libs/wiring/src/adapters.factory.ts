import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { upcast } from '@rapport/domain';
import { UpcastingEventStore, type EventStore } from '@rapport/event-store';
import { openEventStoreDb, SqliteEventStore } from '@rapport/event-store/adapters';
import { type CheckpointStore, type MessageBus } from '@rapport/messaging';
import {
  KafkaMessageBus,
  MongoCheckpointStore,
  SqliteCheckpointStore,
} from '@rapport/messaging/adapters';
import type { AppConfig, Logger } from '@rapport/platform';
import { type KeyStore } from '@rapport/privacy';
import { MongoKeyStore, SqliteKeyStore } from '@rapport/privacy/adapters';
import { type ReadStore } from '@rapport/read-models';
import { MongoReadStore, SqliteReadStore } from '@rapport/read-models/adapters';

/**
 * Page cache of a bulk writer's event-store connection (a seed, an import: a process of its
 * own, whose memory is no goal). Its transactions dirty index pages all over the file; with
 * SQLite's 2 MiB they are read again and spilled before the commit once the indexes outgrow
 * it (bench/RESULTS.md, "append cost as the log grows": no gain yet at 1M events).
 */
export const BULK_CACHE_MIB = 256;

/**
 * The one place that picks an adapter for each port from the configuration, for every app:
 * CRM_EVENT_STORE_URL → EventStoreDB, else SQLite; CRM_MONGO_URL → MongoDB read models, keys
 * and checkpoints, else SQLite; CRM_KAFKA_BROKERS → Kafka. Each can be set on its own.
 */
export class Adapters {
  private mongo?: Promise<MongoClient>;
  private readonly closers: (() => Promise<void>)[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly dataDir: string,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * The configured store, read through the upcasters (old shapes come out current). `bulk`: a
   * seed's or an import's, appending large batches (its SQLite page cache is BULK_CACHE_MIB).
   */
  eventStore(use: 'serving' | 'bulk' = 'serving'): EventStore {
    return new UpcastingEventStore(this.rawEventStore(use), upcast);
  }

  /**
   * The API's store, whose event loop answers requests: with SQLite its commits (their fsyncs,
   * and the WAL checkpoints) run on a writer thread of their own, not on that loop. Resolves
   * once that thread has opened the file, so the API listens only when it can write.
   */
  async requestPathEventStore(): Promise<EventStore> {
    const store = this.rawEventStore('request-path');
    if (store instanceof SqliteEventStore) await store.ready();
    return new UpcastingEventStore(store, upcast);
  }

  private rawEventStore(use: 'serving' | 'bulk' | 'request-path'): EventStore {
    const store: EventStore = this.config.eventStoreUrl
      ? openEventStoreDb(this.config.eventStoreUrl, { clock: this.clock })
      : new SqliteEventStore({
          file: join(this.dataDir, 'events.db'),
          synchronous: this.config.sqliteSynchronous,
          clock: this.clock,
          ...(use === 'bulk' && { cacheMiB: BULK_CACHE_MIB }),
          ...(use === 'request-path' && { writerThread: true }),
        });
    return store;
  }

  /**
   * The configured read store. `serving`: an API's, answering queries (its SQLite page cache is
   * CRM_SQLITE_READ_CACHE_MIB); otherwise a batch job's (rebuild, verify), with a large cache.
   */
  async readStore(role: 'serving' | 'batch' = 'batch'): Promise<ReadStore> {
    if (!this.config.mongoUrl) {
      const file = join(this.dataDir, 'read-models.db');
      return role === 'serving'
        ? new SqliteReadStore(file, { cacheMiB: this.config.sqliteReadCacheMiB })
        : new SqliteReadStore(file);
    }
    return new MongoReadStore(await this.mongoClient(), this.config.mongoDatabase);
  }

  async keyStore(): Promise<KeyStore> {
    if (!this.config.mongoUrl) return new SqliteKeyStore(join(this.dataDir, 'keys.db'));
    return new MongoKeyStore(await this.mongoClient(), this.config.mongoDatabase);
  }

  async checkpointStore(): Promise<CheckpointStore> {
    if (!this.config.mongoUrl)
      return new SqliteCheckpointStore(join(this.dataDir, 'checkpoints.db'));
    return new MongoCheckpointStore(await this.mongoClient(), this.config.mongoDatabase);
  }

  messageBus(clientId: string): MessageBus | undefined {
    if (!this.config.kafkaBrokers) return undefined;
    const bus = new KafkaMessageBus({
      brokers: this.config.kafkaBrokers,
      clientId,
      log: (level, message, extra) => this.logger[level]({ kafka: extra }, message),
    });
    this.closers.push(() => bus.close());
    return bus;
  }

  /** Closes the shared MongoDB client and the buses (stores are closed by their owners). */
  async close(): Promise<void> {
    await Promise.allSettled(this.closers.map((close) => close()));
    if (this.mongo) await (await this.mongo).close();
  }

  private mongoClient(): Promise<MongoClient> {
    this.mongo ??= MongoClient.connect(this.config.mongoUrl!, {
      appName: 'rapport',
      // Without it an operation whose answer never comes (a server gone silent behind a
      // network fault, its socket still open) waits forever, and with it the loops that await
      // it: the projector's watermark, the API's progress poller. A minute (the default of
      // CRM_MONGO_SOCKET_TIMEOUT_MS) is far above any batch we send; the failed operation is
      // retried and the position guards dedupe.
      socketTimeoutMS: this.config.mongoSocketTimeoutMs,
    });
    return this.mongo;
  }
}
