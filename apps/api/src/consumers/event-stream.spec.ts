import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { EventEnvelope } from '@rapport/domain';
import { EventStream } from './event-stream';

const WINDOW_MS = 100;

function bulkyEvent(position: number, bytes: number): EventEnvelope {
  return {
    id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    type: 'BulkyThingHappened',
    schemaVersion: 1,
    streamId: 'customer-c1',
    streamRevision: position - 1,
    position,
    recordedAt: '2026-12-03T10:00:00.000Z',
    occurredAt: '2026-12-03T10:00:00.000Z',
    data: { big: 'x'.repeat(bytes) },
    metadata: {
      customerId: 'c1',
      actor: { id: 'test', roles: ['service'], kind: 'service' },
      correlationId: 'k',
      causationId: 'k',
      commandId: 'k',
      source: 'test',
    },
  };
}

function blockThisProcess(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // A long synchronous step of the API (a big batch read, a GC pause) looks like this.
  }
}

/** One stream over a real loopback socket whose client takes nothing. */
async function givenAStreamNobodyReads() {
  let stream!: EventStream;
  const opened = new Promise<void>((resolve) => {
    server = createServer((_req, res) => {
      stream = new EventStream(res, { bufferBytes: 16 * 1024, slowReaderTimeoutMs: WINDOW_MS }, 0);
      stream.open();
      resolve();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server!.address() as AddressInfo;
  const req = request({ port, host: '127.0.0.1', path: '/events' }, (res: IncomingMessage) => {
    res.pause();
  });
  req.on('error', () => undefined);
  req.end();
  await opened;
  return { stream, disconnect: () => req.destroy() };
}

/**
 * One stream whose reader takes `bytesPerMs`, steadily, however the bytes were written: a
 * socket whose consumer keeps reading. Not a loopback socket: on a loaded machine loopback TCP
 * drops segments and stalls for a retransmission timeout (200 ms and more, longer than the
 * test's window), which would look like a reader that took nothing.
 */
function givenASteadyReader(bytesPerMs: number, bufferBytes = 16 * 1024) {
  let taken = 0;
  const socket = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      setTimeout(
        () => {
          taken += chunk.length;
          callback();
        },
        Math.ceil(chunk.length / bytesPerMs),
      );
    },
  });
  const response = Object.assign(socket, { writeHead: () => socket }) as unknown as ServerResponse;
  const stream = new EventStream(response, { bufferBytes, slowReaderTimeoutMs: WINDOW_MS }, 0);
  stream.open();
  return { stream, taken: () => taken, disconnect: () => stream.end('client-closed') };
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.closeAllConnections();
    server.close(() => resolve());
  });
  server = undefined;
});

describe('EventStream backpressure', () => {
  it('keeps a reader that reads when this process stalls longer than the window', async () => {
    const { stream, taken, disconnect } = givenASteadyReader(16 * 1024);

    // Far more than the buffer: the send waits for the reader, and meanwhile this process stalls.
    const sent = stream.send(bulkyEvent(1, 4 * 1024 * 1024));
    blockThisProcess(WINDOW_MS * 4);

    expect(await sent).toBe(true);
    expect(stream.stats.ended).toBeUndefined();
    expect(taken()).toBeGreaterThan(4 * 1024 * 1024 - 16 * 1024);
    disconnect();
  });

  it('keeps a reader that keeps taking bytes while one event far larger than its buffer goes out', async () => {
    // 8 MiB at 16 KiB/ms: about five windows before the event is out, none of them idle.
    const { stream, taken, disconnect } = givenASteadyReader(16 * 1024);

    const sent = await stream.send(bulkyEvent(1, 8 * 1024 * 1024));

    expect(sent).toBe(true);
    expect(stream.stats.ended).toBeUndefined();
    expect(stream.stats.sent).toBe(1);
    expect(taken()).toBeGreaterThan(8 * 1024 * 1024 - 16 * 1024);
    disconnect();
  });

  it('keeps a reader whose buffer is smaller than the high-water mark of its socket', async () => {
    // The socket never asks for a 'drain' below 16 KiB: the stream must see its writes complete.
    const { stream, disconnect } = givenASteadyReader(1024, 1024);

    let open = true;
    for (let position = 1; open && position <= 20; position++) {
      open = await stream.send(bulkyEvent(position, 2 * 1024));
    }

    expect(open).toBe(true);
    expect(stream.stats.sent).toBe(20);
    disconnect();
  });

  it('does not blame a busy event loop on a reader that takes nothing, three windows at most', async () => {
    const { stream, disconnect } = await givenAStreamNobodyReads();
    // The process keeps its event loop busy (short synchronous steps, timers still on time).
    let spinning = true;
    const spin = () => {
      blockThisProcess(5);
      if (spinning) setImmediate(spin);
    };
    let settled = false;
    const sent = stream.send(bulkyEvent(1, 16 * 1024 * 1024)).finally(() => (settled = true));
    spin();

    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS * 1.5));
    expect(settled).toBe(false); // the first busy window was forgiven

    expect(await sent).toBe(false); // still busy, but the reader took nothing: cut off at last
    spinning = false;
    expect(stream.stats.ended).toBe('cut-off');
    disconnect();
  });

  it('cuts off a reader that takes nothing for the window', async () => {
    const { stream, disconnect } = await givenAStreamNobodyReads();

    let open = true;
    for (let position = 1; open && position <= 200; position++) {
      open = await stream.send(bulkyEvent(position, 256 * 1024));
    }

    expect(open).toBe(false);
    expect(stream.stats.ended).toBe('cut-off');
    expect(stream.stats.sent).toBeLessThan(200);
    disconnect();
  });
});
