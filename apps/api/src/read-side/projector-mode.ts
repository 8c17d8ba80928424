import type { AppConfig } from '@rapport/platform';

/**
 * Where the projections run for this configuration:
 * - worker: embedded profile (SQLite log and read models): a worker thread of the API.
 * - in-process: no Kafka but another store (EventStoreDB and/or MongoDB): a runner on the
 *   API's event loop, whose I/O is asynchronous anyway.
 * - remote: Kafka configured: apps/projector instances do it; the API only watches progress.
 */
export type ProjectorMode = 'worker' | 'in-process' | 'remote';

export function projectorMode(config: AppConfig): ProjectorMode {
  if (config.kafkaBrokers) return 'remote';
  if (!config.eventStoreUrl && !config.mongoUrl) return 'worker';
  return 'in-process';
}
