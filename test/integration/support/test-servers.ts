// Where the integration tests find the real Kafka broker and MongoDB-wire server started by
// scripts/test-servers/servers.sh, and how crash tests kill and restart them.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';

export type TestServerName = 'kafka' | 'mongo';

export interface TestServers {
  /** host:port of the single Kafka broker, e.g. "127.0.0.1:40123". */
  kafkaBrokers: string;
  /** MongoDB connection string without a database, e.g. "mongodb://127.0.0.1:40125". */
  mongoUrl: string;
}

const REPO_ROOT = resolve(__dirname, '../../..');
export const SERVERS_SCRIPT = join(REPO_ROOT, 'scripts/test-servers/servers.sh');
export const SERVERS_ENV_FILE = join(REPO_ROOT, '.cache/test-servers/servers.env');

const START_HINT = `Start them with: scripts/test-servers/servers.sh start`;

function readEnvFile(): Map<string, string> {
  const values = new Map<string, string>();
  if (!existsSync(SERVERS_ENV_FILE)) return values;
  for (const line of readFileSync(SERVERS_ENV_FILE, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return values;
}

/**
 * The servers' addresses: the env vars CRM_TEST_KAFKA_BROKERS / CRM_TEST_MONGO_URL when set,
 * else .cache/test-servers/servers.env. Throws with instructions when neither has them.
 */
export function testServers(): TestServers {
  const file = readEnvFile();
  const pick = (key: string): string | undefined => process.env[key] || file.get(key) || undefined;
  const kafkaBrokers = pick('CRM_TEST_KAFKA_BROKERS');
  const mongoUrl = pick('CRM_TEST_MONGO_URL');
  if (!kafkaBrokers || !mongoUrl) {
    const missing = [
      kafkaBrokers ? undefined : 'CRM_TEST_KAFKA_BROKERS',
      mongoUrl ? undefined : 'CRM_TEST_MONGO_URL',
    ].filter((key): key is string => key !== undefined);
    throw new Error(
      `Integration test servers are not configured: ${missing.join(' and ')} not set in the ` +
        `environment nor in ${SERVERS_ENV_FILE}. ${START_HINT}`,
    );
  }
  return { kafkaBrokers, mongoUrl };
}

function runScript(args: string[], timeoutMs: number): string {
  try {
    return execFileSync(SERVERS_SCRIPT, args, {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
  } catch (error) {
    // execFileSync's message already ends with the script's stderr.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`servers.sh ${args.join(' ')} failed: ${reason}`);
  }
}

/** SIGKILLs a server (simulated crash). Its data and port are kept for restartServer(). */
export function killServer(name: TestServerName): void {
  runScript(['kill', name], 30_000);
}

/**
 * Starts a server again on the same port with the same data (after killServer(), or a graceful
 * restart if it is running) and returns once it serves requests. A Kafka broker restarted after
 * SIGKILL needs a few seconds before it is back.
 */
export function restartServer(name: TestServerName): void {
  runScript(['restart', name], 180_000);
}

/** A database name of its own for one contract run on the MongoDB-wire server. */
export function scratchDatabaseName(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  const client = await MongoClient.connect(url);
  try {
    await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}
