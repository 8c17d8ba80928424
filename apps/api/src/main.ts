import 'reflect-metadata';
import {
  ConfigError,
  createLogger,
  loadConfig,
  resolveLogFormat,
  startSummary,
  startTracing,
} from '@rapport/platform';
import { createApiApp } from './api.factory';
import { announceStart } from './start-announcement';

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
  const format = resolveLogFormat(config.logFormat, process.stdout.isTTY === true);
  const logger = createLogger(config.logLevel, 'rapport-api', { format });
  // OpenTelemetry, only when OTEL_EXPORTER_OTLP_ENDPOINT is set (the projector worker too).
  if (startTracing({ serviceName: 'rapport-api' }))
    logger.info('tracing: exporting spans over OTLP');
  const app = await createApiApp(config, { logger });
  await app.listen({ port: config.port, host: config.host });
  announceStart(logger, format, startSummary(config, await app.getUrl()), (text) =>
    process.stdout.write(text),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`Rapport API failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
