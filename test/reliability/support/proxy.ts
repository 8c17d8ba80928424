// A TCP proxy on 127.0.0.1 that can start swallowing every answer: the network loses the
// server's replies while requests still reach it (committed, but the client never hears back).
import { connect, createServer, type Socket } from 'node:net';

export interface LossyProxy {
  url: string;
  /** From now on, bytes from the server are dropped (requests still go through). */
  dropAnswers(): void;
  /** Chunks of answers dropped so far: each is a request the server has answered (done). */
  droppedAnswers(): number;
  close(): Promise<void>;
}

export async function startLossyProxy(targetUrl: string): Promise<LossyProxy> {
  const target = new URL(targetUrl);
  let dropping = false;
  let dropped = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (dropping) dropped++;
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    dropAnswers: () => {
      dropping = true;
    },
    droppedAnswers: () => dropped,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A TCP proxy on 127.0.0.1 that can go silent: while silent it still accepts connections and
 * keeps the open ones, but passes no byte either way (a server hung behind a network fault,
 * its sockets still open). Once it speaks again, new connections work; those opened before
 * stay silent until their client gives up on them.
 */
export interface SilentProxy {
  /** host:port to connect to instead of the target. */
  address: string;
  goSilent(): void;
  speakAgain(): void;
  close(): Promise<void>;
}

export async function startSilentProxy(target: {
  host: string;
  port: number;
}): Promise<SilentProxy> {
  let silent = false;
  const sockets = new Set<Socket>();
  const silenced = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    if (silent) {
      silenced.add(client);
      return;
    }
    const upstream = connect(target.port, target.host);
    sockets.add(upstream);
    client.on('data', (chunk) => {
      if (!silenced.has(client)) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!silenced.has(client)) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(upstream);
      silenced.delete(client);
    };
    upstream.on('error', end);
    upstream.on('close', end);
    client.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    address: `127.0.0.1:${address.port}`,
    goSilent: () => {
      silent = true;
      for (const socket of sockets) silenced.add(socket);
    },
    speakAgain: () => {
      silent = false;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
