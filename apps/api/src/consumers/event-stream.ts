import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { encodeCloudEvent } from '@rapport/contracts';
import type { EventEnvelope } from '@rapport/domain';

/** A window in which the event loop was busier than this is the process's stall, not the reader's. */
const BUSY_UTILIZATION = 0.5;
/** Windows without progress forgiven in a row because the process was busy or stalled. */
const BUSY_WINDOWS_MAX = 3;

export interface EventStreamOptions {
  /** Bytes that may wait in the socket's buffer before the stream stops taking events. */
  bufferBytes: number;
  /** How long a full buffer may go without the reader taking a byte before it is cut off. */
  slowReaderTimeoutMs: number;
  /** Interval of the keep-alive comment while nothing happens. */
  heartbeatMs?: number;
}

/** What one stream did; kept by EventStreams for /metrics and the tests. */
export interface EventStreamStats {
  sent: number;
  /** The most bytes that were ever waiting in this stream's socket buffer. */
  peakBufferedBytes: number;
  lastEventId: number;
  ended?: 'client-closed' | 'cut-off' | 'server-stopped';
}

/**
 * One Server-Sent Events reader of the feed. Events are written one at a time; once the
 * socket holds `bufferBytes` not yet taken by the kernel, the stream waits for it to go below
 * before taking the next event from the log (the log is pulled, never pushed: a slow reader
 * holds at most its buffer, one event and the batch in hand). A reader that takes nothing
 * from its full buffer for `slowReaderTimeoutMs` has stopped reading: the connection is
 * closed, and the reader resumes with `Last-Event-ID` when it reads again.
 */
export class EventStream {
  readonly stats: EventStreamStats;
  private heartbeat?: NodeJS.Timeout;
  /** Set while a send waits for the buffer to go down (it may be in the middle of an event). */
  private onFlushed?: () => void;
  private readonly flushed = () => this.onFlushed?.();

  constructor(
    private readonly response: ServerResponse,
    private readonly options: EventStreamOptions,
    after: number,
  ) {
    this.stats = { sent: 0, peakBufferedBytes: 0, lastEventId: after };
  }

  /** Status line, headers and the reconnection delay; starts the keep-alive. */
  open(): void {
    this.response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    this.response.write('retry: 2000\n\n');
    this.heartbeat = setInterval(() => {
      // Not while a send waits: the buffer is full, and it may hold part of an event.
      if (!this.onFlushed) this.response.write(': keep-alive\n\n');
    }, this.options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get closed(): boolean {
    return this.response.destroyed || this.response.writableEnded;
  }

  /**
   * Writes one event (`id:` its position, `data:` its CloudEvent); false when the stream is
   * over (the reader left, or was cut off for being too slow).
   */
  async send(event: EventEnvelope): Promise<boolean> {
    if (this.closed) return false;
    const frame = Buffer.from(`id: ${event.position}\ndata: ${encodeCloudEvent(event)}\n\n`);
    // An event larger than the buffer goes out in buffer-sized pieces, each written once the
    // previous ones drained: the socket reports progress only when a whole write completes, so
    // one huge write would look like a reader that takes nothing until its very last byte.
    const pieceBytes = this.options.bufferBytes;
    for (let start = 0; start < frame.length; start += pieceBytes) {
      this.response.write(frame.subarray(start, start + pieceBytes), this.flushed);
      this.notePeak();
      if (this.response.writableLength < this.options.bufferBytes) continue;
      if (!(await this.drained())) {
        this.stats.ended = 'cut-off';
        // The buffer is full: nothing more would reach the reader soon. Closing frees it now.
        this.response.destroy();
        return false;
      }
      if (this.closed) return false;
    }
    this.stats.sent++;
    this.stats.lastEventId = event.position;
    return true;
  }

  end(reason: EventStreamStats['ended']): void {
    clearInterval(this.heartbeat);
    this.stats.ended ??= reason;
    if (!this.closed) this.response.end();
  }

  private notePeak(): void {
    const buffered = this.response.writableLength;
    if (buffered > this.stats.peakBufferedBytes) this.stats.peakBufferedBytes = buffered;
  }

  /**
   * Resolves true once a write completes with the buffer below `bufferBytes` (or the socket
   * closed), false once the reader took nothing for `slowReaderTimeoutMs`. Completed writes,
   * not 'drain', are the signal: 'drain' comes only after a write past the socket's own
   * high-water mark, which a buffer smaller than that never reaches. A reader that takes bytes,
   * however slowly, keeps its stream: it reads from the log at its own pace and holds no more
   * than its buffer. A window in which this process itself was mostly busy (long synchronous
   * reads of the log, a GC pause) does not count against the reader: the socket's writes could
   * hardly run either, so the reader gets a fresh window; after BUSY_WINDOWS_MAX such windows it
   * is judged anyway.
   */
  private drained(): Promise<boolean> {
    const windowMs = this.options.slowReaderTimeoutMs;
    return new Promise((resolve) => {
      let waiting = this.response.writableLength;
      let busyWindows = 0;
      let timer: NodeJS.Timeout;
      const done = (result: boolean) => {
        clearTimeout(timer);
        this.onFlushed = undefined;
        this.response.off('close', onClose);
        resolve(result);
      };
      const arm = () => {
        const due = Date.now() + windowMs;
        const loop = performance.eventLoopUtilization();
        timer = setTimeout(() => {
          const buffered = this.response.writableLength;
          const late = Date.now() - due > windowMs / 2;
          const busy = performance.eventLoopUtilization(loop).utilization > BUSY_UTILIZATION;
          if (buffered < waiting) busyWindows = 0;
          else if ((late || busy) && busyWindows < BUSY_WINDOWS_MAX) busyWindows++;
          else return done(false);
          waiting = Math.min(waiting, buffered);
          arm();
        }, windowMs);
      };
      const onClose = () => done(true);
      this.onFlushed = () => {
        if (this.response.writableLength < this.options.bufferBytes) done(true);
      };
      arm();
      this.response.on('close', onClose);
    });
  }
}
