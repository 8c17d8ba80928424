import { formatStartBanner, type Logger, type StartSummary } from '@rapport/platform';

/**
 * The last thing the start says. A person at a terminal gets one readable block; a log
 * collector gets one JSON record with the same fields.
 */
export function announceStart(
  logger: Logger,
  format: 'json' | 'pretty',
  summary: StartSummary,
  write: (text: string) => void,
): void {
  if (!logger.isLevelEnabled('info')) return;
  if (format === 'json') {
    logger.info(summary, `Rapport API listening on ${summary.url}`);
    return;
  }
  write(`\n${formatStartBanner('Rapport API is ready', summary)}\n\n`);
}
