import 'reflect-metadata';
import { ConfigError, createLogger, loadConfig } from '@rapport/platform';
import { createApiApp } from './api.factory';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, 'rapport-api');
  const app = await createApiApp(config, { logger });
  await app.listen({ port: config.port, host: config.host });
  logger.info(
    { url: await app.getUrl(), profile: config.profile, dataDir: config.dataDir },
    'Rapport API listening; OpenAPI at /docs',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`Rapport API failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
