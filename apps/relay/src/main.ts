import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_PARTITIONS, EVENT_TOPIC_CONFIG, topicName, TOPICS } from '@rapport/contracts';
import { Metrics, runService, startHealthServer } from '@rapport/platform';
import { Adapters } from '@rapport/wiring';
import { Counter, Gauge } from 'prom-client';
import { EventRelay } from './event-relay';

runService('rapport-relay', async (config, logger) => {
  if (!config.kafkaBrokers) throw new Error('the relay needs CRM_KAFKA_BROKERS');
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const adapters = new Adapters(config, dataDir, logger);
  const eventStore = adapters.eventStore();
  const checkpoints = await adapters.checkpointStore();
  const bus = adapters.messageBus('rapport-relay')!;
  await bus.ensureTopics([
    {
      name: topicName(TOPICS.customerEvents, config.kafkaTopicPrefix),
      partitions: DEFAULT_PARTITIONS,
      config: EVENT_TOPIC_CONFIG,
    },
    {
      name: topicName(TOPICS.auditEvents, config.kafkaTopicPrefix),
      partitions: DEFAULT_PARTITIONS,
      config: EVENT_TOPIC_CONFIG,
    },
    { name: topicName(TOPICS.ingest, config.kafkaTopicPrefix), partitions: DEFAULT_PARTITIONS },
    { name: topicName(TOPICS.ingestDeadLetters, config.kafkaTopicPrefix), partitions: 1 },
    {
      name: topicName(TOPICS.ingestReplies, config.kafkaTopicPrefix),
      partitions: DEFAULT_PARTITIONS,
    },
  ]);

  const metrics = new Metrics();
  const published = new Counter({
    name: 'rapport_relay_events_total',
    help: 'Events published to Kafka.',
    registers: [metrics.registry],
  });
  const position = new Gauge({
    name: 'rapport_relay_position',
    help: 'Last position published and checkpointed.',
    registers: [metrics.registry],
  });
  const publisher = bus.publisher();
  const relay = new EventRelay(eventStore, publisher, checkpoints, logger, {
    topicPrefix: config.kafkaTopicPrefix,
    onPublished: (events) => {
      published.inc(events.length);
      position.set(events[events.length - 1]!.position);
    },
  });
  const controller = new AbortController();
  const running = relay.run(controller.signal).catch((error: unknown) => {
    logger.fatal({ err: error }, 'relay failed');
    process.exit(1);
  });
  const server = await startHealthServer(
    config.healthPort ?? 3001,
    config.host,
    async () => {
      const head = await eventStore.headPosition();
      return {
        status: relay.progress.failures < 3 ? 'ok' : 'degraded',
        position: relay.progress.position,
        headPosition: head,
        lag: Math.max(0, head - relay.progress.position),
        publishFailures: relay.progress.failures,
      };
    },
    metrics,
  );
  logger.info(
    { brokers: config.kafkaBrokers, healthPort: config.healthPort ?? 3001 },
    'relay running',
  );
  return async () => {
    controller.abort();
    await running;
    server.close();
    await publisher.close();
    await eventStore.close();
    await checkpoints.close();
    await adapters.close();
  };
});
