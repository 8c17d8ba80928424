import { Worker } from 'node:worker_threads';

interface CheckpointerData {
  file: string;
  intervalMs: number;
  /** better-sqlite3 as this process resolves it: the thread's code has no directory of its own. */
  sqliteModule: string;
}

type CheckpointerMessage =
  { type: 'checkpointed'; frames: number; walFrames: number } | { type: 'failed'; error: string };

/**
 * The checkpointer thread: copies the WAL back into the file (a PASSIVE checkpoint: what no
 * reader still needs, never waiting for the writer or readers) every `intervalMs`, and fsyncs
 * the file after each as the writer's own checkpoint would have. Plain JavaScript, evaluated:
 * a thread that loads no compiler starts in milliseconds (an API starts one per event store).
 */
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqliteModule);
const fail = (error) => parentPort.postMessage({ type: 'failed', error: String(error.message || error) });
(function main() {
  let db;
  try {
    db = new Database(workerData.file);
    db.pragma('synchronous = FULL');
  } catch (error) {
    return fail(error);
  }
  const timer = setInterval(() => {
    try {
      const [result] = db.pragma('wal_checkpoint(PASSIVE)');
      parentPort.postMessage({ type: 'checkpointed', frames: result.checkpointed, walFrames: result.log });
    } catch (error) {
      fail(error);
    }
  }, workerData.intervalMs);
  parentPort.on('message', (message) => {
    if (message !== 'stop') return;
    clearInterval(timer);
    db.close();
    parentPort.close();
  });
})();
`;

/**
 * The WAL checkpoints of one SQLite file on a worker thread, so that the writing thread never
 * does them: a checkpoint writes every page the WAL holds and fsyncs the file, tens of ms in
 * which an API's event loop would answer nothing.
 * `onLost` is called once if the thread fails or exits before stop(): the writer must then
 * checkpoint again itself, or its WAL would grow without end.
 */
export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private stopping = false;
  private lost = false;
  private readonly exited: Promise<void>;
  /** The latest checkpoint's figures (frames copied into the file, frames in the WAL). */
  last?: { frames: number; walFrames: number };

  constructor(file: string, intervalMs: number, onLost: (reason: string) => void) {
    const workerData: CheckpointerData = {
      file,
      intervalMs,
      sqliteModule: require.resolve('better-sqlite3'),
    };
    this.worker = new Worker(CHECKPOINTER_SOURCE, { eval: true, workerData });
    // An idle API must still be able to exit: the thread alone keeps nothing alive.
    this.worker.unref();
    const lose = (reason: string) => {
      if (this.stopping || this.lost) return;
      this.lost = true;
      onLost(reason);
    };
    this.worker.on('message', (message: CheckpointerMessage) => {
      if (message.type === 'checkpointed')
        this.last = { frames: message.frames, walFrames: message.walFrames };
      else if (message.type === 'failed') {
        lose(`checkpoint failed: ${message.error}`);
        void this.worker.terminate();
      }
    });
    // An error thrown in the thread arrives as it was thrown there (SqliteError: as a plain object).
    this.worker.on('error', (error: unknown) => lose(describe(error)));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        lose(`checkpointer thread exited with ${code}`);
        resolve();
      }),
    );
  }

  /** Stops the thread once its current checkpoint (if any) is done; its connection closed. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.worker.postMessage('stop');
    await this.exited;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  if (typeof message === 'string') return message;
  return typeof code === 'string' ? code : String(error);
}
