// The production MongoDB client (the one Adapters opens for every app) against a server that
// accepts connections, completes the handshake, and then never answers: an operation must fail
// after the socket timeout instead of waiting for ever (which froze the projector's watermark
// and the API's progress poller).
import { createServer, type Socket } from 'node:net';
import { BSON } from 'mongodb';
import { createLogger, loadConfig } from '@rapport/platform';
import { Adapters } from './adapters.factory';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

/** The command document of an OP_QUERY or OP_MSG request (the first BSON document in it). */
function commandOf(message: Buffer): { requestId: number; opCode: number; command: BSON.Document } {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  let at = 16;
  if (opCode === OP_QUERY) {
    at += 4; // flags
    at = message.indexOf(0, at) + 1; // collection name
    at += 8; // skip, return
  } else {
    at += 5; // flag bits, section kind 0
  }
  const length = message.readInt32LE(at);
  return { requestId, opCode, command: BSON.deserialize(message.subarray(at, at + length)) };
}

function reply(to: { requestId: number; opCode: number }, document: BSON.Document): Buffer {
  const body = Buffer.from(BSON.serialize(document));
  const prefix =
    to.opCode === OP_QUERY
      ? Buffer.alloc(20) // response flags, cursor id, starting from, number returned
      : Buffer.alloc(5); // flag bits, section kind 0
  if (to.opCode === OP_QUERY) prefix.writeInt32LE(1, 16);
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + prefix.length + body.length, 0);
  header.writeInt32LE(to.requestId + 1_000_000, 4);
  header.writeInt32LE(to.requestId, 8);
  header.writeInt32LE(to.opCode === OP_QUERY ? OP_REPLY : OP_MSG, 12);
  return Buffer.concat([header, prefix, body]);
}

/** Answers the handshake and monitoring (hello) and the goodbye; every other command hangs. */
async function startSilentMongo(): Promise<{
  url: string;
  unanswered: () => number;
  close: () => Promise<void>;
}> {
  let unanswered = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const message = pending.subarray(0, pending.readInt32LE(0));
        pending = pending.subarray(message.length);
        const request = commandOf(message);
        const name = Object.keys(request.command)[0]?.toLowerCase();
        if (name === 'ismaster' || name === 'hello') {
          socket.write(
            reply(request, {
              ismaster: true,
              helloOk: true,
              maxWireVersion: 17,
              minWireVersion: 0,
              maxBsonObjectSize: 16 * 1024 * 1024,
              maxMessageSizeBytes: 48_000_000,
              maxWriteBatchSize: 100_000,
              localTime: new Date(),
              ok: 1,
            }),
          );
        } else if (name === 'endsessions') {
          // The client's goodbye on close(), answered so that it leaves nothing behind.
          socket.write(reply(request, { ok: 1 }));
        } else {
          unanswered++;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    // A short server selection: close() ends the sessions on a server the timeout marked
    // unknown, and would keep the test process waiting for the default 30 s.
    url: `mongodb://127.0.0.1:${address.port}/?directConnection=true&serverSelectionTimeoutMS=1000`,
    unanswered: () => unanswered,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the production MongoDB client', () => {
  it('defaults to a 60 s socket timeout', () => {
    expect(loadConfig({}).mongoSocketTimeoutMs).toBe(60_000);
  });

  it('fails an operation that the server never answers after the socket timeout, instead of waiting for ever', async () => {
    const silent = await startSilentMongo();
    const adapters = new Adapters(
      loadConfig({ CRM_MONGO_URL: silent.url, CRM_MONGO_SOCKET_TIMEOUT_MS: '500' }),
      '/nonexistent',
      createLogger('silent'),
    );
    try {
      const store = await adapters.readStore();
      const started = Date.now();
      const outcome = await store.get('clients', 'c1').then(
        () => 'answered',
        (error: Error) => error.name,
      );
      expect(outcome).toBe('MongoNetworkTimeoutError');
      expect(silent.unanswered()).toBeGreaterThanOrEqual(1);
      // The timeout, possibly twice (reads are retried once), not the 60 s default or more.
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await adapters.close();
      await silent.close();
    }
  }, 30_000);
});
