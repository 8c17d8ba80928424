import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EventStore } from '@rapport/event-store';
import {
  ConfigError,
  createLogger,
  loadConfig,
  type AppConfig,
  type Logger,
} from '@rapport/platform';
import type { ReadStore } from '@rapport/read-models';
import { Adapters } from '@rapport/wiring';

/** Exit codes a script can rely on. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

export interface GlobalOptions {
  json?: boolean;
  dataDir?: string;
}

/** The stores the CLI works on, from the same configuration (env) as the apps. */
export class CliContext {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly dataDir: string;
  readonly adapters: Adapters;
  private opened: { close(): Promise<void> }[] = [];

  constructor(options: GlobalOptions) {
    try {
      this.config = loadConfig({
        ...process.env,
        ...(options.dataDir && { CRM_DATA_DIR: options.dataDir }),
      });
    } catch (error) {
      if (error instanceof ConfigError) throw new CliError(error.message, EXIT.usage);
      throw error;
    }
    // On stderr: stdout carries the command's output (one JSON document with --json).
    this.logger = createLogger(process.env.LOG_LEVEL ?? 'warn', 'rapport-cli', {
      format: this.config.logFormat,
      destination: process.stderr,
      isTTY: process.stderr.isTTY === true,
    });
    this.dataDir = resolve(this.config.dataDir);
    mkdirSync(this.dataDir, { recursive: true });
    this.adapters = new Adapters(this.config, this.dataDir, this.logger);
  }

  /** `bulk`: a seed's or an import's (see Adapters.eventStore). */
  eventStore(use: 'serving' | 'bulk' = 'serving'): EventStore {
    const store = this.adapters.eventStore(use);
    this.opened.push(store);
    return store;
  }

  async readStore(): Promise<ReadStore> {
    const store = await this.adapters.readStore();
    this.opened.push(store);
    return store;
  }

  async close(): Promise<void> {
    for (const store of this.opened.reverse()) await store.close();
    await this.adapters.close();
  }
}

/** Human output on stdout, or one JSON document with --json. */
export function output(options: GlobalOptions, human: string, json: unknown): void {
  process.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
}

/** Parses "<position>" or "<ISO time>" into one or the other. */
export function parseBoundary(text: string, what: string): { position: number } | { time: string } {
  if (/^\d+$/.test(text)) return { position: Number(text) };
  const time = Date.parse(text);
  if (Number.isNaN(time))
    throw new CliError(`${what} must be a position or an ISO 8601 time, got "${text}"`, EXIT.usage);
  return { time: new Date(time).toISOString() };
}

/** The last position recorded at or before `time` (the log is in recording order). */
export async function positionAt(store: EventStore, time: string): Promise<number> {
  let position = 0;
  for (let after = 0; ;) {
    const page = await store.readAll({ after, limit: 5000 });
    if (page.length === 0) return position;
    for (const event of page) {
      if (event.recordedAt > time) return position;
      position = event.position;
    }
    after = page[page.length - 1]!.position;
  }
}
