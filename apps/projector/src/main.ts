import { Metrics, runService, startHealthServer } from '@rapport/platform';
import { keepRankingsCurrent, PROJECTIONS } from '@rapport/read-models';
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
  const projector = new KafkaProjector(bus, store, PROJECTIONS, logger, {
    topicPrefix: config.kafkaTopicPrefix,
    defaultCurrency: config.defaultCurrency,
    stallAfterMs: config.projectorStallSeconds * 1000,
    onBatch: ({ events, parked: newlyParked }) => {
      projected.inc(events.length);
      parked.inc(newlyParked);
    },
  });
  // Read at scrape time, so they are current even when no batch arrives (a stall).
  new Gauge({
    name: 'rapport_projector_watermark',
    help: 'Position every projection has reached.',
    registers: [metrics.registry],
    collect() {
      this.set(projector.stats.watermark);
    },
  });
  new Gauge({
    name: 'rapport_projector_lag_messages',
    help: 'Messages of the live consumer group not yet committed.',
    registers: [metrics.registry],
    collect() {
      this.set(projector.stats.lag);
    },
  });
  new Gauge({
    name: 'rapport_projector_watermark_still_seconds',
    help: 'Seconds since the watermark last moved while events wait (0 when caught up).',
    registers: [metrics.registry],
    collect() {
      this.set(projector.stillForSeconds);
    },
  });
  new Gauge({
    name: 'rapport_projector_stalled',
    help: `1 when the watermark has not moved for CRM_PROJECTOR_STALL_SECONDS while events wait.`,
    registers: [metrics.registry],
    collect() {
      this.set(projector.stats.stalled ? 1 : 0);
    },
  });
  new Gauge({
    name: 'rapport_projector_consumer_restarts',
    help: 'Times the live consumer was replaced after a stall (since the process started).',
    registers: [metrics.registry],
    collect() {
      this.set(projector.stats.consumerRestarts);
    },
  });
  await projector.start();
  // Churn rescoring and RFM figures of the active generation (see rankings.job.ts). Every
  // projector instance runs it; runs are idempotent (refresh writes), the work is repeated.
  const rankings = new AbortController();
  const rankingsDone = keepRankingsCurrent(store, rankings.signal, {
    defaultCurrency: config.defaultCurrency,
    onError: (error) => logger.error({ err: error }, 'rankings job failed'),
  });
  const server = await startHealthServer(
    config.healthPort ?? 3002,
    config.host,
    async () => ({ status: projector.stats.stalled ? 'degraded' : 'ok', ...projector.stats }),
    metrics,
  );
  logger.info({ brokers: config.kafkaBrokers, group: projector.groupId }, 'projector running');
  return async () => {
    rankings.abort();
    await rankingsDone;
    await projector.stop();
    server.close();
    await store.close();
    await adapters.close();
  };
});
