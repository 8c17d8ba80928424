// The writer thread of a SqliteEventStore opened with `writerThread`: it owns the connection
// that writes, so each commit's fsync (and SQLite's WAL checkpoints) block this thread, not
// the event loop that answers requests. It runs the store's own group commit, unchanged.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from './sqlite.event-store';
import {
  toWireError,
  toWireResult,
  type WriterJob,
  type WriterReply,
  type WriterThreadData,
} from './sqlite-writer.protocol';

const { file, synchronous, cacheMiB } = workerData as WriterThreadData;
const store = new SqliteEventStore({
  file,
  synchronous,
  ...(cacheMiB !== undefined && { cacheMiB }),
});
const port = parentPort!;
port.postMessage({ kind: 'ready' } satisfies WriterReply);

port.on('message', (message: WriterJob | 'stop') => {
  if (message === 'stop') {
    void store.close().then(() => port.close());
    return;
  }
  void run(message).then((reply) => port.postMessage(reply));
});

async function run(job: WriterJob): Promise<WriterReply> {
  try {
    if (job.kind === 'pragma') {
      return { id: job.id, kind: 'pragma', value: await store.pragmaOnWriter(job.pragma) };
    }
    if (job.kind === 'group') {
      const outcomes = store
        .commitGroupAt(job.requests, job.recordedAt)
        .map((outcome) =>
          'result' in outcome
            ? { result: toWireResult(outcome.result) }
            : { error: toWireError(outcome.error) },
        );
      return { id: job.id, kind: 'group', outcomes };
    }
    const batch = await store.appendBatchAt(job.requests, job.recordedAt);
    return {
      id: job.id,
      kind: 'batch',
      results: batch.results.map(toWireResult),
      ...(batch.failed && {
        failed: { index: batch.failed.index, error: toWireError(batch.failed.error) },
      }),
    };
  } catch (error) {
    return { id: job.id, kind: 'failure', error: toWireError(error) };
  }
}
