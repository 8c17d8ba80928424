import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EventStoreUnavailableError } from '../event-store.errors';
import type { WriterJob, WriterReply, WriterThreadData } from './sqlite-writer.protocol';

/**
 * The main thread's side of a store's writer thread (sqlite-writer.worker.ts): sends it jobs
 * and hands back its replies. `onLost` is called once if the thread fails or exits before
 * stop(); the jobs it held are rejected as unavailable (they may or may not have committed:
 * a command retried with its Idempotency-Key is answered either way).
 */
export class WriterThread {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  /** Resolves once the thread has opened the file, or once it is lost (the store then writes). */
  readonly ready: Promise<void>;
  private markReady: () => void = () => undefined;
  private readonly waiting = new Map<
    number,
    { resolve: (reply: WriterReply) => void; reject: (error: Error) => void }
  >();
  private nextId = 1;
  private stopping = false;
  private lost = false;

  constructor(
    data: WriterThreadData,
    private readonly onLost: (reason: string) => void,
  ) {
    const compiled = __filename.endsWith('.js');
    this.worker = new Worker(join(__dirname, `sqlite-writer.worker.${compiled ? 'js' : 'ts'}`), {
      workerData: data,
      // From TypeScript sources (tests, dev), the thread compiles itself on the fly.
      execArgv: compiled ? [] : ['-r', '@swc-node/register'],
    });
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.worker.on('message', (reply: WriterReply) => {
      if (reply.kind === 'ready') return this.markReady();
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      waiter?.resolve(reply);
    });
    this.worker.on('error', (error) => this.lose(error.message || String(error)));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        this.lose(`it exited with code ${code}`);
        resolve();
      }),
    );
  }

  run(
    job: WriterJob extends infer J ? (J extends WriterJob ? Omit<J, 'id'> : never) : never,
  ): Promise<WriterReply> {
    if (this.lost) return Promise.reject(this.unavailable('is gone'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...job, id });
    });
  }

  /** Closes the thread's connection once the jobs sent before are answered, then ends it. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.markReady();
    if (!this.lost) this.worker.postMessage('stop');
    await this.exited;
  }

  private lose(reason: string): void {
    if (this.stopping || this.lost) return;
    this.lost = true;
    const error = this.unavailable(
      `stopped (${reason}); whether this append was stored is unknown`,
    );
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
    this.onLost(reason);
    this.markReady();
  }

  private unavailable(what: string): EventStoreUnavailableError {
    return new EventStoreUnavailableError(`the event store's writer thread ${what}`);
  }
}
