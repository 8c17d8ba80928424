import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { DEFAULT_PARTITIONS, EVENT_TOPIC_CONFIG, topicName, TOPICS } from '@rapport/contracts';
import { KafkaMessageBus, MongoCheckpointStore } from '@rapport/messaging/adapters';
import { createLogger } from '@rapport/platform';
import { PROJECTIONS } from '@rapport/read-models';
import { MongoReadStore } from '@rapport/read-models/adapters';
import type { TestClock } from '@rapport/testing';
import {
  KafkaProjector,
  type KafkaProjectorOptions,
} from '../../../apps/projector/src/kafka-projector';
import { EventRelay } from '../../../apps/relay/src/event-relay';
import { startTestApi, type TestApi } from '../../support/api-harness';
import { testServers } from './test-servers';

export interface Distributed {
  api: TestApi;
  brokers: string[];
  mongoUrl: string;
  database: string;
  topicPrefix: string;
  relay: EventRelay;
  projector: KafkaProjector;
  /** Stops the projector (as a crash would, if `crash`), then starts a new one. */
  restartProjector(options?: KafkaProjectorOptions): Promise<KafkaProjector>;
  /**
   * Another API instance on the same log, broker and database (its own Kafka and MongoDB
   * clients, consumer group memberships and process id), as a second API process would be.
   * Closed by close() unless the test closed it first.
   */
  startReplica(): Promise<TestApi>;
  stopRelay(): Promise<void>;
  startRelay(): void;
  close(): Promise<void>;
}

const silent = createLogger('silent');

/**
 * The distributed profile in one test process: the API configured with Kafka and MongoDB
 * (its event store stays SQLite: no EventStoreDB can run here), the relay, and a projector,
 * each on its own clients, against the real Kafka broker and the MongoDB-wire server. Topics
 * and the database are unique per harness, so tests never see each other's data.
 */
export async function startDistributed(
  options: {
    projector?: KafkaProjectorOptions;
    clock?: TestClock;
    /** More settings of the API (e.g. CRM_WEBHOOK_ALLOW_HOSTS). */
    env?: Record<string, string>;
  } = {},
): Promise<Distributed> {
  const servers = testServers();
  const brokers = servers.kafkaBrokers.split(',');
  const run = randomUUID().slice(0, 8);
  const database = `rapport_${run}`;
  const topicPrefix = `t${run}.`;
  const bus = new KafkaMessageBus({ brokers, clientId: 'harness', maxWaitMs: 50 });
  await bus.ensureTopics(
    [TOPICS.customerEvents, TOPICS.auditEvents, TOPICS.ingest, TOPICS.ingestDeadLetters].map(
      (t) => ({
        name: topicName(t, topicPrefix),
        partitions: t === TOPICS.ingestDeadLetters ? 1 : DEFAULT_PARTITIONS,
        ...((t === TOPICS.customerEvents || t === TOPICS.auditEvents) && {
          config: EVENT_TOPIC_CONFIG,
        }),
      }),
    ),
  );
  const apiOptions = {
    ...(options.clock && { clock: options.clock }),
    env: {
      CRM_KAFKA_BROKERS: servers.kafkaBrokers,
      CRM_KAFKA_TOPIC_PREFIX: topicPrefix,
      CRM_MONGO_URL: servers.mongoUrl,
      CRM_MONGO_DB: database,
      ...options.env,
    },
  };
  const api = await startTestApi(apiOptions);
  const replicas: { api: TestApi; closed: boolean }[] = [];

  const mongo = await MongoClient.connect(servers.mongoUrl);
  const checkpoints = new MongoCheckpointStore(mongo, database);
  const publisherBus = new KafkaMessageBus({ brokers, clientId: 'relay', maxWaitMs: 50 });
  const publisher = publisherBus.publisher();
  let relayController = new AbortController();
  const relay = new EventRelay(api.eventStore, publisher, checkpoints, silent, {
    topicPrefix,
    retryDelayMs: 100,
  });
  let relayRun = relay.run(relayController.signal);

  const projectors: { projector: KafkaProjector; bus: KafkaMessageBus; store: MongoReadStore }[] =
    [];
  const startProjector = async (projectorOptions?: KafkaProjectorOptions) => {
    const projectorBus = new KafkaMessageBus({ brokers, clientId: 'projector', maxWaitMs: 50 });
    const store = new MongoReadStore(mongo, database);
    const projector = new KafkaProjector(projectorBus, store, PROJECTIONS, silent, {
      groupId: `projector-${run}`,
      topicPrefix,
      watermarkEveryMs: 100,
      handoverMs: 1000,
      ...projectorOptions,
    });
    await projector.start();
    projectors.push({ projector, bus: projectorBus, store });
    return projector;
  };
  const stopProjectors = async () => {
    for (const p of projectors.splice(0)) {
      await p.projector.stop().catch(() => undefined);
      await p.bus.close();
    }
  };

  const harness: Distributed = {
    api,
    brokers,
    mongoUrl: servers.mongoUrl,
    database,
    topicPrefix,
    relay,
    projector: await startProjector(options.projector),
    restartProjector: async (projectorOptions) => {
      await stopProjectors();
      harness.projector = await startProjector(projectorOptions);
      return harness.projector;
    },
    startReplica: async () => {
      const replica = await startTestApi({ ...apiOptions, eventStore: api.eventStore });
      const entry = { api: replica, closed: false };
      replicas.push(entry);
      const close = replica.close;
      replica.close = async () => {
        if (entry.closed) return;
        entry.closed = true;
        await close();
      };
      return replica;
    },
    stopRelay: async () => {
      relayController.abort();
      await relayRun;
    },
    startRelay: () => {
      relayController = new AbortController();
      relayRun = relay.run(relayController.signal);
    },
    close: async () => {
      relayController.abort();
      await relayRun;
      await stopProjectors();
      await publisher.close();
      await publisherBus.close();
      await bus.close();
      for (const replica of replicas) await replica.api.close();
      await api.close();
      await mongo.db(database).dropDatabase();
      await mongo.close();
    },
  };
  return harness;
}

export async function until<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
