// What an append costs as the log grows: batches of ContactLogged events (one append per event,
// as an import or a seed writes them) appended through SqliteEventStore.appendBatch into a fresh
// file until it holds --events, for each way of minting ids and sizing the page cache. Random
// v4 ids put every insert into the unique indexes (event id, stream, client) on a random page of
// an index as large as the log; time-ordered ids (UUIDv7) put the event id at the index's edge
// and a client's events on the pages of recent clients. Reports µs per event over each stretch
// of the log, so the growth, not only the mean, is seen.
// Usage: npm run bench -- log-growth [--events 3000000] [--clients 100000] [--batch 5000]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timeOrderedId, type AppendRequest } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store/adapters';
import { contactEvent } from './support/events';
import { argument, report, type Row } from './support/report';

const events = argument('events', 3_000_000);
const clients = argument('clients', 100_000);
const batch = argument('batch', 5000);
const stretches = 6;

interface Variant {
  name: string;
  timeOrdered: boolean;
  cacheMiB?: number;
}

const VARIANTS: Variant[] = [
  { name: 'random ids (v4), SQLite page cache 2 MiB (before)', timeOrdered: false },
  { name: 'time-ordered ids (v7), 2 MiB (the API)', timeOrdered: true },
  { name: 'time-ordered ids (v7), 256 MiB (seed and import)', timeOrdered: true, cacheMiB: 256 },
];

async function run(variant: Variant): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-log-growth-'));
  const store = new SqliteEventStore({
    file: join(dir, 'events.db'),
    ...(variant.cacheMiB !== undefined && { cacheMiB: variant.cacheMiB }),
  });
  // Clients arrive over the run, as in a history: client k is created at the k-th share of it.
  const start = Date.parse('2024-01-01T00:00:00.000Z');
  const ids = Array.from({ length: clients }, (_, k) =>
    variant.timeOrdered ? timeOrderedId(start + k * 60_000) : randomUUID(),
  );
  const perStretch: number[] = [];
  let stretchMicros = 0;
  let stretchEvents = 0;
  let totalMicros = 0;
  try {
    for (let done = 0; done < events; done += batch) {
      const requests: AppendRequest[] = [];
      for (let i = done; i < Math.min(done + batch, events); i++) {
        // Each event goes to a client already created by this point of the run, mostly recent ones.
        const created = Math.max(1, Math.ceil(((i + 1) / events) * clients));
        const recent = Math.random() < 0.7;
        const k = recent
          ? created - 1 - Math.floor(Math.random() * Math.min(created, clients / 20))
          : Math.floor(Math.random() * created);
        const customerId = ids[k]!;
        const event = contactEvent(customerId);
        requests.push({
          commandId: variant.timeOrdered ? timeOrderedId() : randomUUID(),
          streams: [
            {
              streamId: `customer-${customerId}`,
              expectedRevision: 'any',
              events: [variant.timeOrdered ? event : { ...event, id: randomUUID() }],
            },
          ],
        });
      }
      const began = process.hrtime.bigint();
      const { failed } = await store.appendBatch(requests);
      const micros = Number(process.hrtime.bigint() - began) / 1000;
      if (failed) throw failed.error;
      stretchMicros += micros;
      totalMicros += micros;
      stretchEvents += requests.length;
      if (stretchEvents >= events / stretches || done + batch >= events) {
        perStretch.push(stretchMicros / stretchEvents);
        stretchMicros = 0;
        stretchEvents = 0;
      }
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stderr.write(`log-growth: ${variant.name} done\n`);
  return {
    ids: variant.name,
    'µs per event (mean)': (totalMicros / events).toFixed(1),
    [`µs per event over each sixth of the log (${Math.round(events / stretches).toLocaleString('en-US')} events)`]:
      perStretch.map((us) => us.toFixed(1)).join(' → '),
  };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const variant of VARIANTS) rows.push(await run(variant));
  const before = Number(rows[0]!['µs per event (mean)']);
  for (const row of rows)
    row['ratio to before'] = (Number(row['µs per event (mean)']) / before).toFixed(2);
  report(
    `append cost as the log grows (${events.toLocaleString('en-US')} events, ${clients.toLocaleString('en-US')} clients)`,
    `npm run bench -- log-growth --events ${events} --clients ${clients} --batch ${batch}`,
    rows,
    [
      `appendBatch of ${batch} one-event appends (a ContactLogged of ~600 bytes, its own commandId, expected revision any), synchronous = FULL, a fresh file in ${tmpdir()} per variant`,
      'clients arrive evenly over the run; 70% of the events go to the newest twentieth of the clients created so far, the rest to any of them',
      'time spent inside appendBatch only (the requests are built outside the timing)',
    ],
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
