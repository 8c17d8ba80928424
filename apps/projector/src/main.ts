import { Metrics, runService, startHealthServer } from '@rapport/platform';
import { PROJECTIONS } from '@rapport/read-models';
import { Adapters } from '@rapport/wiring';
import { Counter, Gauge } from 'prom-client';
import { KafkaProjector } from './kafka-projector';
import { resolve } from 'node:path';

runService('rapport-projector', async (config, logger) => {
  if (!config.kafkaBrokers) throw new Error('the projector needs CRM_KAFKA_BROKERS');
  const adapters = new Adapters(config, resolve(config.dataDir), logger);
  const store = await adapters.readStore();
  const bus = adapters.messageBus('rapport-projector')!;
  const metrics = new Metrics();
  const projected = new Counter({
    name: 'rapport_projector_events_total',
    help: 'Events projected.',
    registers: [metrics.registry],
  });
  const parked = new Counter({
    name: 'rapport_projector_parked_total',
    help: 'Clients parked after a projection failed.',
    registers: [metrics.registry],
  });
  const watermark = new Gauge({
    name: 'rapport_projector_watermark',
    help: 'Position every projection has reached.',
    registers: [metrics.registry],
  });
  const projector = new KafkaProjector(bus, store, PROJECTIONS, logger, {
    topicPrefix: config.kafkaTopicPrefix,
    onBatch: ({ events, parked: newlyParked }) => {
      projected.inc(events.length);
      parked.inc(newlyParked);
      watermark.set(projector.stats.watermark);
    },
  });
  await projector.start();
  const server = await startHealthServer(
    config.healthPort ?? 3002,
    config.host,
    async () => ({ status: 'ok', ...projector.stats }),
    metrics,
  );
  logger.info({ brokers: config.kafkaBrokers, group: projector.groupId }, 'projector running');
  return async () => {
    await projector.stop();
    server.close();
    await store.close();
    await adapters.close();
  };
});
