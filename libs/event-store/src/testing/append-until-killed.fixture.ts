// Child process for the crash test: appends batches of BATCH events, one command each,
// as fast as it can, and reports every acknowledged batch on stdout until it is killed.
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '../adapters/sqlite.event-store';
import { newEvent } from '../new-event';

const BATCH = 50;
const file = process.argv[2]!;
// 'writer-thread': commits on the store's writer thread, as the API's do.
const store = new SqliteEventStore({ file, writerThread: process.argv[3] === 'writer-thread' });

async function appendBatch(): Promise<void> {
  const customerId = randomUUID();
  const commandId = randomUUID();
  const events = Array.from({ length: BATCH }, (_, i) =>
    newEvent(
      { type: 'ContactLogged', schemaVersion: 1, data: { i, padding: 'x'.repeat(200) } },
      {
        customerId,
        actor: { id: 'crash-test', roles: ['service'], kind: 'service' },
        correlationId: commandId,
        commandId,
        source: 'crash-test',
      },
    ),
  );
  await store.append({
    commandId,
    streams: [{ streamId: `customer-${customerId}`, expectedRevision: 'no-stream', events }],
  });
  process.stdout.write(`acked ${commandId}\n`);
}

async function main(): Promise<void> {
  for (;;) await Promise.all([appendBatch(), appendBatch(), appendBatch(), appendBatch()]);
}

void main();
