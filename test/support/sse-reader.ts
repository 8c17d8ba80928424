import { request, type ClientRequest, type IncomingMessage } from 'node:http';

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * A Server-Sent Events reader for the tests: opens the stream, parses its events, and lets a
 * test await the next ones. `close()` disconnects like a browser tab closing.
 */
export class SseReader {
  readonly events: SseEvent[] = [];
  status?: number;
  headers?: IncomingMessage['headers'];
  ended = false;
  private buffer = '';
  private waiters: (() => void)[] = [];
  private readonly req: ClientRequest;

  constructor(url: string, headers: Record<string, string>) {
    this.req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      this.status = res.statusCode;
      this.headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.feed(chunk));
      res.on('close', () => this.finish());
      this.wake();
    });
    this.req.on('error', () => this.finish());
    this.req.end();
  }

  /** Resolves once `count` events (messages with data) have arrived, or the stream ended. */
  async waitFor(count: number): Promise<SseEvent[]> {
    while (this.events.length < count && !this.ended) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.events.slice(0, count);
  }

  async opened(): Promise<void> {
    while (this.status === undefined && !this.ended) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): void {
    this.req.destroy();
    this.finish();
  }

  private finish(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: SseEvent = { data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') event.id = value;
        else if (field === 'event') event.event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length === 0) continue;
      event.data = data.join('\n');
      this.events.push(event);
    }
    this.wake();
  }
}
