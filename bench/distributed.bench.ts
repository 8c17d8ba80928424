// Distributed throughput: the relay publishing a seeded log into the real Kafka broker, then
// the projector consuming it into the MongoDB-wire server. Needs the test servers
// (scripts/test-servers/servers.sh start). Usage: npm run bench -- distributed [--events 50000]
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { DEFAULT_PARTITIONS, topicName, TOPICS } from '@rapport/contracts';
import { SqliteEventStore } from '@rapport/event-store/adapters';
import { InMemoryCheckpointStore, KafkaMessageBus } from '@rapport/messaging/adapters';
import { createLogger } from '@rapport/platform';
import { PROJECTIONS } from '@rapport/read-models';
import { MongoReadStore } from '@rapport/read-models/adapters';
import { KafkaProjector } from '../apps/projector/src/kafka-projector';
import { EventRelay } from '../apps/relay/src/event-relay';
import { testServers } from '../test/integration/support/test-servers';
import { argument, report } from './support/report';
import { seededLog } from './support/seeded-log';

const SERVERS = join(__dirname, '..', 'scripts', 'test-servers', 'servers.sh');

function serversRunning(): boolean {
  try {
    execFileSync(SERVERS, ['status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  // Servers this benchmark starts, it stops (and deletes their data); running ones it leaves.
  const startedHere = !serversRunning();
  execFileSync(SERVERS, ['start'], { stdio: 'ignore' });
  try {
    await measure();
  } finally {
    if (startedHere) execFileSync(SERVERS, ['stop', 'all'], { stdio: 'ignore' });
  }
}

async function measure(): Promise<void> {
  const servers = testServers();
  const size = argument('events', 50_000);
  const log = await seededLog(size);
  const events = new SqliteEventStore({ file: log.file });
  const head = await events.headPosition();
  const logger = createLogger('silent');
  const run = randomUUID().slice(0, 8);
  const prefix = `bench${run}.`;
  const brokers = servers.kafkaBrokers.split(',');
  const bus = new KafkaMessageBus({ brokers, clientId: 'bench', maxWaitMs: 100 });
  await bus.ensureTopics([
    { name: topicName(TOPICS.customerEvents, prefix), partitions: DEFAULT_PARTITIONS },
  ]);

  // Relay: the whole log into Kafka.
  const publisher = bus.publisher();
  const relay = new EventRelay(events, publisher, new InMemoryCheckpointStore(), logger, {
    topicPrefix: prefix,
    batchSize: 1000,
  });
  const controller = new AbortController();
  let started = process.hrtime.bigint();
  const relaying = relay.run(controller.signal);
  while (relay.progress.position < head) await new Promise((resolve) => setTimeout(resolve, 20));
  const relaySeconds = Number(process.hrtime.bigint() - started) / 1e9;
  controller.abort();
  await relaying;
  await publisher.close();

  // Projector: every message into the MongoDB-wire server.
  const mongo = await MongoClient.connect(servers.mongoUrl);
  const database = `bench_${run}`;
  const store = new MongoReadStore(mongo, database);
  let projected = 0;
  const projectorBus = new KafkaMessageBus({
    brokers,
    clientId: 'bench-projector',
    maxWaitMs: 100,
  });
  const projector = new KafkaProjector(projectorBus, store, PROJECTIONS, logger, {
    groupId: `bench-${run}`,
    topicPrefix: prefix,
    onBatch: ({ events: batch }) => (projected += batch.length),
  });
  started = process.hrtime.bigint();
  await projector.start();
  while (projected < relay.progress.published)
    await new Promise((resolve) => setTimeout(resolve, 50));
  const projectorSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  await projector.stop();
  await projectorBus.close();
  await mongo.db(database).dropDatabase();
  await mongo.close();
  await bus.close();
  await events.close();

  report(
    'distributed (real Kafka 3.9 broker, MongoDB-wire server)',
    `npm run bench -- distributed --events ${size}`,
    [
      {
        stage: 'relay: log → Kafka (acks=all, idempotent)',
        events: relay.progress.published,
        seconds: Math.round(relaySeconds * 100) / 100,
        'events/s': Math.round(relay.progress.published / relaySeconds),
      },
      {
        stage: 'projector: Kafka → MongoDB-wire server',
        events: projected,
        seconds: Math.round(projectorSeconds * 100) / 100,
        'events/s': Math.round(projected / projectorSeconds),
      },
    ],
    [
      `${head.toLocaleString('en-US')} synthetic events, ${DEFAULT_PARTITIONS} partitions, one relay and one projector on this machine with the broker and the server`,
      'caveat: the MongoDB-wire server (de.bwaldvogel:mongo-java-server, H2 backend saving after every command) is not MongoDB: it answers a guarded upsert ({_id, position: {$lt: p}}) by scanning the whole collection instead of using the _id index, so each costs time in proportion to the collection, and the projector figure says little about a real MongoDB (write-once audit documents are plain inserts and escape this)',
    ],
  );
}

void main();
