// The embedded profile's projector, on its own thread: better-sqlite3 writes are synchronous,
// and running them here keeps projection batches from stalling HTTP requests.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from '@rapport/event-store';
import { liveTargets, PROJECTIONS, ProjectionRunner, SqliteReadStore } from '@rapport/read-models';
import type { ProjectorMessage, ProjectorWorkerData } from './projector.protocol';

const { eventsFile, readModelsFile, batchSize } = workerData as ProjectorWorkerData;
const post = (message: ProjectorMessage) => parentPort!.postMessage(message);

async function main(): Promise<void> {
  const events = new SqliteEventStore({ file: eventsFile });
  const store = new SqliteReadStore(readModelsFile);
  const controller = new AbortController();
  parentPort!.on('message', (message: { type: string }) => {
    if (message.type === 'appended') events.wake();
    if (message.type === 'stop') controller.abort();
  });
  try {
    const targets = await liveTargets(store, PROJECTIONS);
    post({ type: 'ready', states: await store.projectionStates() });
    await new ProjectionRunner(events, store, targets, {
      batchSize,
      onBatch: ({ targets: progressed, lastEvent, batch, outcome }) => {
        const committedAt = Date.now();
        post({
          type: 'progress',
          position: lastEvent.position,
          recordedAt: lastEvent.recordedAt,
          targets: progressed.map((t) => ({
            projection: t.projection.name,
            generation: t.generation,
            position: t.position,
          })),
          parked: outcome.parked,
          lagMs: batch.map((event) => committedAt - Date.parse(event.recordedAt)),
        });
      },
    }).run(controller.signal);
  } finally {
    await store.close();
    await events.close();
  }
  post({ type: 'stopped' });
  // The message listener would keep this thread alive: let it end now.
  parentPort!.close();
}

main().catch((error: unknown) => {
  post({ type: 'failed', error: (error as Error).stack ?? String(error) });
  process.exitCode = 1;
});
