// The HTTP benchmark's peer: the same command as Rapport's (log a contact on a client, with an
// Idempotency-Key and an If-Match expected version) through Emmett's command handling and its
// SQLite event store behind Express, in its own process. Prints its URL on stdout.
// Args: <dataDir>. Emmett and Express are benchmark peers, installed on demand (bench-peers.ts).
//
// Written as emmett-expressjs's handlers are (ETag/If-Match to expectedStreamVersion, a 412
// on a version conflict); that package is not used because the registry has no release of it
// matching Emmett 0.38.5. Emmett has no idempotency keys: the keys are remembered in memory
// here (not durable, cheaper than Rapport's, which records them with the events).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { EMMETT_EXPRESS_PEERS, ensureBenchPeers } from './bench-peers';

interface Event {
  type: string;
  data: Record<string, unknown>;
}

interface CustomerState {
  exists: boolean;
  contacts: number;
}

interface EmmettCore {
  CommandHandler(options: {
    evolve: (state: CustomerState, event: Event) => CustomerState;
    initialState: () => CustomerState;
    mapToStreamId?: (id: string) => string;
  }): (
    store: unknown,
    id: string,
    handle: (state: CustomerState) => Event | Event[],
    options?: { expectedStreamVersion?: bigint | 'STREAM_DOES_NOT_EXIST' },
  ) => Promise<{ nextExpectedStreamVersion: bigint }>;
  isExpectedVersionConflictError(error: unknown): boolean;
}

interface EmmettSqlite {
  getSQLiteEventStore(options: {
    fileName: string;
    schema: { autoMigration: 'CreateOrUpdate' };
  }): unknown;
}

interface Request {
  params: Record<string, string>;
  body: unknown;
  header(name: string): string | undefined;
}

interface Response {
  status(code: number): Response;
  set(name: string, value: string): Response;
  json(body: unknown): void;
}

type Express = (() => {
  use(handler: unknown): void;
  post(path: string, handler: (request: Request, response: Response) => void): void;
  listen(port: number, host: string, ready: () => void): Server;
}) & { json(): unknown };

const evolve = (state: CustomerState, event: Event): CustomerState => {
  switch (event.type) {
    case 'CustomerCreated':
      return { exists: true, contacts: 0 };
    case 'ContactLogged':
      return { ...state, contacts: state.contacts + 1 };
    default:
      return state;
  }
};

const nonEmpty = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= 2000;

function main(): void {
  const [dataDir] = process.argv.slice(2);
  const peers = ensureBenchPeers(EMMETT_EXPRESS_PEERS, { log: () => undefined });
  const { CommandHandler, isExpectedVersionConflictError } = peers(
    '@event-driven-io/emmett',
  ) as EmmettCore;
  const { getSQLiteEventStore } = peers('@event-driven-io/emmett-sqlite') as EmmettSqlite;
  const express = peers('express') as Express;
  const store = getSQLiteEventStore({
    fileName: join(dataDir!, 'emmett.db'),
    schema: { autoMigration: 'CreateOrUpdate' },
  });
  const handle = CommandHandler({
    evolve,
    initialState: () => ({ exists: false, contacts: 0 }),
    mapToStreamId: (id) => `customer-${id}`,
  });
  // Emmett's SQLite store fails concurrent appends (SQLITE_BUSY): commands take turns.
  let turn: Promise<unknown> = Promise.resolve();
  const serialised = <T>(action: () => Promise<T>): Promise<T> => {
    const result = turn.then(action);
    turn = result.catch(() => undefined);
    return result;
  };
  const answered = new Map<string, { status: number; body: unknown; etag: string }>();

  const app = express();
  app.use(express.json());
  app.post('/customers', (request, response) => {
    const body = request.body as Record<string, unknown>;
    if (!nonEmpty(body.name)) {
      response.status(400).json({ error: 'name is required' });
      return;
    }
    const customerId = randomUUID();
    serialised(() =>
      handle(
        store,
        customerId,
        () => ({
          type: 'CustomerCreated',
          data: { customerId, name: body.name, email: body.email },
        }),
        { expectedStreamVersion: 'STREAM_DOES_NOT_EXIST' },
      ),
    ).then(
      (result) => {
        const revision = Number(result.nextExpectedStreamVersion);
        response.status(201).set('ETag', `"${revision}"`).json({ customerId, revision });
      },
      (error: unknown) => response.status(500).json({ error: String(error) }),
    );
  });
  app.post('/customers/:id/contacts', (request, response) => {
    const customerId = request.params.id!;
    const key = request.header('idempotency-key');
    const replay = key === undefined ? undefined : answered.get(key);
    if (replay) {
      response.status(replay.status).set('ETag', replay.etag).json(replay.body);
      return;
    }
    const body = request.body as Record<string, unknown>;
    if (!nonEmpty(body.channel) || !nonEmpty(body.direction) || !nonEmpty(body.subject)) {
      response.status(400).json({ error: 'channel, direction and subject are required' });
      return;
    }
    const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(request.header('if-match') ?? '');
    serialised(() =>
      handle(
        store,
        customerId,
        (state) => {
          if (!state.exists) throw new Error('no such customer');
          return {
            type: 'ContactLogged',
            data: { customerId, contactId: randomUUID(), ...body },
          };
        },
        match ? { expectedStreamVersion: BigInt(match[1]!) } : {},
      ),
    ).then(
      (result) => {
        const revision = Number(result.nextExpectedStreamVersion);
        const answer = { status: 201, body: { customerId, revision }, etag: `"${revision}"` };
        if (key !== undefined) answered.set(key, answer);
        response.status(201).set('ETag', answer.etag).json(answer.body);
      },
      (error: unknown) => {
        if (isExpectedVersionConflictError(error)) {
          response.status(412).json({ error: 'the customer changed meanwhile' });
        } else {
          response.status(404).json({ error: String(error) });
        }
      },
    );
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(`http://127.0.0.1:${port}\n`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

if (require.main === module) main();
