import { ConfigError, loadConfig, type AppConfig } from '../config/app-config';
import { createLogger, type Logger } from '../logging/logger';
import { startTracing, stopTracing } from '../tracing/tracing';

/**
 * Starts a long-running process (relay, projector) and stops it cleanly on SIGTERM/SIGINT:
 * `start` returns the function that stops what it started. A bad configuration exits 2,
 * a failure to start exits 1.
 */
export function runService(
  name: string,
  start: (config: AppConfig, logger: Logger) => Promise<() => Promise<void>>,
): void {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, name, { format: config.logFormat });
  // OpenTelemetry, only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
  if (startTracing({ serviceName: name })) logger.info('tracing: exporting spans over OTLP');
  start(config, logger)
    .then((stop) => {
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, `${name} stopping`);
        const force = setTimeout(() => {
          logger.error(`${name} did not stop within 15 s; exiting`);
          process.exit(1);
        }, 15_000);
        force.unref();
        stop()
          .then(stopTracing)
          .then(() => logger.info(`${name} stopped`))
          .catch((error: unknown) => {
            logger.error({ err: error }, `${name} failed while stopping`);
            process.exitCode = 1;
          });
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    })
    .catch((error: unknown) => {
      logger.fatal({ err: error }, `${name} failed to start`);
      process.exit(1);
    });
}
