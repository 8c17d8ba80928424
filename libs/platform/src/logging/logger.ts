import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger } from 'pino';

/** LOG_FORMAT: `auto` is human-readable at a terminal and JSON lines otherwise. */
export type LogFormat = 'auto' | 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];

export interface LoggerOptions {
  format?: LogFormat;
  /** Where the lines go; standard output by default. */
  destination?: NodeJS.WritableStream;
  /** Whether the destination is a terminal; stdout's own answer by default. */
  isTTY?: boolean;
}

/** What `auto` becomes: a person at a terminal reads pretty lines, a pipe or a file gets JSON. */
export function resolveLogFormat(format: LogFormat, isTTY: boolean): 'json' | 'pretty' {
  if (format === 'auto') return isTTY ? 'pretty' : 'json';
  return format;
}

export function createLogger(level: string, name = 'rapport', options: LoggerOptions = {}): Logger {
  const settings: pino.LoggerOptions = {
    name,
    level,
    // Never log credentials or personal data that might travel in headers.
    redact: ['req.headers.authorization', 'authorization', '*.password', '*.token'],
  };
  const isTTY = options.isTTY ?? process.stdout.isTTY === true;
  if (resolveLogFormat(options.format ?? 'auto', isTTY) === 'json') {
    return options.destination ? pino(settings, options.destination) : pino(settings);
  }
  // Formatted in this thread as each line is written, so nothing said just before an exit is
  // lost in a transport's buffer; a terminal is slower than this anyway.
  const prettify = prettyFactory({
    colorize: isTTY,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
  const out = options.destination ?? process.stdout;
  return pino(settings, { write: (line: string) => void out.write(prettify(line)) });
}

/**
 * Nest's own start-up chatter (modules initialised, every route mapped): useful when
 * debugging the wiring, noise for a person starting the API.
 */
const NEST_BOOTSTRAP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** Nest's own messages (bootstrap, module wiring) go to the same structured log. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    if (context !== undefined && NEST_BOOTSTRAP_CONTEXTS.has(context)) {
      this.logger.debug({ context }, String(message));
    } else {
      this.logger.info({ context }, String(message));
    }
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
