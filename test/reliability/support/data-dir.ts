// Reading an embedded data dir behind the API's back: the event log straight from events.db,
// and `rapport verify` (clean rebuild vs live read models) through the real CLI.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EventEnvelope } from '@rapport/domain';
import { SqliteEventStore } from '@rapport/event-store/adapters';
import { runCli } from '../../../apps/cli/src/main';

/** Every event of the log, in position order, read from the SQLite file directly. */
export async function readLog(dataDir: string): Promise<EventEnvelope[]> {
  const store = new SqliteEventStore({ file: join(dataDir, 'events.db') });
  try {
    const all: EventEnvelope[] = [];
    for (;;) {
      const page = await store.readAll({ after: all.at(-1)?.position ?? 0, limit: 5000 });
      if (page.length === 0) return all;
      // Materialise the lazily parsed metadata while the store is open.
      for (const event of page) all.push({ ...event, metadata: event.metadata });
    }
  } finally {
    await store.close();
  }
}

export interface VerifyReport {
  code: number;
  ok: boolean;
  projections: {
    projection: string;
    position: number;
    compared: number;
    skipped: number;
    differences: unknown[];
  }[];
  stdout: string;
  stderr: string;
}

/**
 * `rapport --json verify` in-process on a data dir whose API is stopped: rebuilds every
 * projection from the log into a scratch store and compares document by document.
 */
export async function verifyDataDir(dataDir: string, masterKey: string): Promise<VerifyReport> {
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  const env = { ...process.env };
  for (const name of Object.keys(process.env))
    if (name.startsWith('CRM_')) delete process.env[name];
  Object.assign(process.env, {
    CRM_DATA_DIR: dataDir,
    CRM_MASTER_KEY: masterKey,
    LOG_LEVEL: 'silent',
  });
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await runCli(['node', 'rapport', '--json', 'verify']);
    let parsed: { ok?: boolean; projections?: VerifyReport['projections'] } = {};
    try {
      parsed = JSON.parse(stdout) as typeof parsed;
    } catch {
      // Reported through ok: false below.
    }
    return {
      code,
      ok: parsed.ok === true,
      projections: parsed.projections ?? [],
      stdout,
      stderr,
    };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    process.env = env;
    process.exitCode = exitCode;
  }
}

/** sha256 of every file under `dir` (relative path → digest), to prove nothing was touched. */
export function fingerprintDir(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (current: string, prefix: string) => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      if (statSync(path).isDirectory()) {
        result[`${rel}/`] = 'dir';
        walk(path, rel);
      } else {
        result[rel] = createHash('sha256').update(readFileSync(path)).digest('hex');
      }
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return result;
}
