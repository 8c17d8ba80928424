// The embedded profile's projector, on its own thread: better-sqlite3 writes are synchronous,
// and running them here keeps projection batches from stalling HTTP requests.
import { parentPort, workerData } from 'node:worker_threads';
import { upcast } from '@rapport/domain';
import { UpcastingEventStore } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store/adapters';
import { collectGarbage, startTracing, stopTracing, tracedBatch } from '@rapport/platform';
import { LiveProjector, PROJECTIONS } from '@rapport/read-models';
import { SqliteReadStore } from '@rapport/read-models/adapters';
import type { ProjectorCommand, ProjectorMessage, ProjectorWorkerData } from './projector.protocol';

const {
  eventsFile,
  readModelsFile,
  batchSize,
  defaultCurrency,
  rebuildPauseMs,
  catchUpFlushEvents,
  catchUpCacheMiB,
  readCacheMiB,
  projections,
} = workerData as ProjectorWorkerData;
const post = (message: ProjectorMessage) => parentPort!.postMessage(message);

/**
 * The read-model page cache while catching up (CRM_CATCH_UP_CACHE_MIB, a rebuild's 128 MiB by
 * default): a catch-up commit is as large as a rebuild flush, and with the serving cache
 * (CRM_SQLITE_READ_CACHE_MIB) its pages spill to the WAL again and again before it commits
 * (100,000 clients: catch-up at 0.76 of the rebuild rate with 16 MiB, 0.82 to 0.98 with 128;
 * bench/RESULTS.md). Live again, the worker goes back to the serving one.
 */
const CATCH_UP_CACHE_MIB = Math.max(catchUpCacheMiB, readCacheMiB);

async function main(): Promise<void> {
  // The worker has its own SDK (OTEL_EXPORTER_OTLP_ENDPOINT), continuing the events' traces.
  const tracing = startTracing({ serviceName: 'rapport-projector' });
  const sqlite = new SqliteEventStore({ file: eventsFile });
  const events = new UpcastingEventStore(sqlite, upcast);
  // Started behind (as after any restart) until a batch says otherwise.
  const store = new SqliteReadStore(readModelsFile, { cacheMiB: CATCH_UP_CACHE_MIB });
  const controller = new AbortController();
  const maintained = PROJECTIONS.filter((projection) => projections.includes(projection.name));
  let sinceCollected = 0;
  let cacheNow = CATCH_UP_CACHE_MIB;
  const projector = new LiveProjector(events, store, maintained, {
    batchSize,
    defaultCurrency,
    rebuildPauseMs,
    catchUpFlushEvery: catchUpFlushEvents,
    onRankingsError: (error) =>
      post({ type: 'rankings-failed', error: (error as Error).stack ?? String(error) }),
    onBatch: ({ targets, lastEvent, batch, outcome }) => {
      const committedAt = Date.now();
      post({
        type: 'progress',
        position: lastEvent.position,
        recordedAt: lastEvent.recordedAt,
        targets: targets.map((t) => ({
          projection: t.projection.name,
          generation: t.generation,
          position: t.position,
        })),
        parked: outcome.parked,
        lagMs: batch.map((event) => committedAt - Date.parse(event.recordedAt)),
      });
      // Catching up (full batches), the thread churns through documents far faster than V8
      // collects them, and its heap grows by hundreds of MiB of garbage. A collection when a
      // catch-up commit has just let go of its documents keeps it near what it holds.
      const catchingUp = batch.length >= batchSize;
      const cacheMiB = catchingUp ? CATCH_UP_CACHE_MIB : readCacheMiB;
      if (cacheMiB !== cacheNow) store.cacheMiB = cacheNow = cacheMiB;
      sinceCollected = catchingUp ? sinceCollected + batch.length : 0;
      if (sinceCollected >= catchUpFlushEvents) {
        sinceCollected = 0;
        collectGarbage();
      }
    },
    onRebuild: (status) => post({ type: 'rebuild', status }),
    ...(tracing && {
      traceBatch: (batch, write) =>
        tracedBatch(
          'projector write',
          batch.map((event) => event.metadata.traceparent),
          write,
        ),
    }),
  });
  parentPort!.on('message', (message: ProjectorCommand) => {
    switch (message.type) {
      case 'appended':
        return sqlite.wake();
      case 'stop':
        return controller.abort();
      case 'rebuild':
        try {
          post({ type: 'rebuild', status: projector.rebuild(message.projection) });
        } catch (error) {
          post({ type: 'failed', error: (error as Error).message });
        }
        return;
      case 'cancel-rebuild':
        void projector.cancel(message.projection);
        return;
    }
  });
  try {
    const running = projector.run(controller.signal);
    await Promise.race([projector.ready, running]);
    post({ type: 'ready', states: await store.projectionStates() });
    await running;
  } finally {
    await store.close();
    await events.close();
    await stopTracing();
  }
  post({ type: 'stopped' });
  // The message listener would keep this thread alive: let it end now.
  parentPort!.close();
}

main().catch((error: unknown) => {
  post({ type: 'failed', error: (error as Error).stack ?? String(error) });
  process.exitCode = 1;
});
