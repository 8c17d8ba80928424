import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLogger, formatStartBanner, startSummary, type AppConfig } from '@rapport/platform';
import { Adapters } from '@rapport/wiring';

/**
 * What a new user needs while nothing was ever recorded in the embedded log: the block the
 * API prints when it starts, and how to start it. Undefined once the log holds an event, or
 * when the log is elsewhere (EventStoreDB).
 */
export async function firstRunHints(config: AppConfig): Promise<string | undefined> {
  if (config.eventStoreUrl) return undefined;
  const dataDir = resolve(config.dataDir);
  if (!(await embeddedLogIsEmpty(config, dataDir))) return undefined;
  return formatStartBanner(
    `Nothing recorded yet in ${dataDir}. Start the API with \`npm start\`; it will answer at:`,
    startSummary(config),
    'The API writes the development keys (and, without CRM_MASTER_KEY, the master key) at its first start;\n' +
      '`rapport seed --customers 100` fills the log with a synthetic history instead.',
  );
}

/** Looks without creating anything: a data dir without a log file stays without one. */
async function embeddedLogIsEmpty(config: AppConfig, dataDir: string): Promise<boolean> {
  if (!existsSync(join(dataDir, 'events.db'))) return true;
  const adapters = new Adapters(config, dataDir, createLogger('silent'));
  const store = adapters.eventStore();
  try {
    return (await store.headPosition()) === 0;
  } finally {
    await store.close();
    await adapters.close();
  }
}
