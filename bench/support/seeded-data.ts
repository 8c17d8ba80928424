// The seeded data dirs the analytics and console benchmarks share: `rapport seed` as an operator
// runs it, and what they read of the log (its head, clients spread over it).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '@rapport/event-store/adapters';

const ROOT = join(__dirname, '..', '..');
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SeedOutcome {
  events: number;
  seconds: number;
  cpuSeconds: number;
}

/** `rapport seed` of the last 730 days into `dir`, through the CLI (its JSON summary). */
export async function seedHistory(
  dir: string,
  customers: number,
  env: NodeJS.ProcessEnv,
  activities = 0,
): Promise<SeedOutcome> {
  const start = new Date(Date.now() - 730 * DAY_MS).toISOString().slice(0, 10);
  const output = await runNode(
    [
      join(ROOT, 'bin', 'rapport.js'),
      '--data-dir',
      dir,
      '--json',
      'seed',
      '--customers',
      String(customers),
      '--start',
      start,
      '--days',
      '730',
      ...(activities > 0 ? ['--activities', String(activities)] : []),
    ],
    env,
  );
  return JSON.parse(output) as SeedOutcome;
}

/** Runs a Node script from the repository's root; resolves with its stdout. */
export function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${args.join(' ')} exited with ${code}`)),
    );
  });
}

export async function headOf(dir: string): Promise<number> {
  const store = new SqliteEventStore({ file: join(dir, 'events.db') });
  try {
    return await store.headPosition();
  } finally {
    await store.close();
  }
}

/** Client ids spread over the log: the clients of events at random positions. */
export function sampleCustomerIds(dir: string, count: number): string[] {
  const db = new Database(join(dir, 'events.db'), { readonly: true });
  try {
    const at = db.prepare<[number], { stream_id: string }>(
      'SELECT stream_id FROM events WHERE position = ?',
    );
    const head = (db.prepare('SELECT MAX(position) AS head FROM events').get() as { head: number })
      .head;
    const ids = new Set<string>();
    for (let i = 0; i < count * 50 && ids.size < count; i++) {
      const streamId = at.get(1 + Math.floor(Math.random() * head))?.stream_id;
      if (streamId?.startsWith('customer-')) ids.add(streamId.slice('customer-'.length));
    }
    if (ids.size === 0) throw new Error(`no client in ${dir}`);
    return [...ids];
  } finally {
    db.close();
  }
}
