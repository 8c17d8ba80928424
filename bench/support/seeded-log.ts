import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Sealed } from '@rapport/domain';
import { SqliteEventStore } from '@rapport/event-store/adapters';
import { appendSynthetic, syntheticHistory } from '../../apps/cli/src/seed/synthetic-history';

const CACHE = join(__dirname, '..', '..', '.cache', 'bench');
/** Average events a synthetic client produces (measured on the generator's seed). */
const EVENTS_PER_CUSTOMER = 8.85;

/** A stand-in for encryption: benchmarks of projections never decrypt. */
export const fakeSeal = (_customerId: string, text: string) =>
  `enc:v1:${Buffer.from(text).toString('base64url')}.${'x'.repeat(24)}` as Sealed;

/**
 * An events.db holding about `events` synthetic events, generated once and cached under
 * .cache/bench (the generator is deterministic, so a cached file is the same history).
 */
export async function seededLog(
  events: number,
): Promise<{ file: string; events: number; seededIn: number | null }> {
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `events-${events}.db`);
  if (existsSync(file)) {
    const store = new SqliteEventStore({ file });
    const head = await store.headPosition();
    await store.close();
    return { file, events: head, seededIn: null };
  }
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  const store = new SqliteEventStore({ file: partial, synchronous: 'NORMAL' });
  const started = Date.now();
  let last = 0;
  const written = await appendSynthetic(
    store,
    syntheticHistory({
      customers: Math.ceil(events / EVENTS_PER_CUSTOMER),
      start: new Date('2024-01-01T00:00:00.000Z'),
      days: 720,
      seal: fakeSeal,
    }),
    {
      onProgress: (n) => {
        if (n - last >= 100_000) {
          last = n;
          process.stdout.write(`  seeded ${n.toLocaleString('en-US')} events\r`);
        }
      },
    },
  );
  await store.close();
  for (const suffix of ['-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  renameSync(partial, file);
  return { file, events: written, seededIn: (Date.now() - started) / 1000 };
}
