// kill -9 of the API while erasures are in flight, then a restart on the same data dir: every
// client whose CustomerErased is in the log ends without a key, whether the crash came before
// the append (nothing erased, key kept), between the append and the key's destruction (the
// erasure completion destroys it at the next start) or after both.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import jwt from 'jsonwebtoken';
import {
  BENCH_TOKENS,
  CHILD_JWT_SECRET,
  killAllChildren,
  startChildApi,
} from './support/child-api';
import { readLog } from './support/data-dir';
import { keepAliveAgent, send, until } from './support/http';

const CLIENTS = 400;
const IN_FLIGHT = 48;

describe('kill -9 in the middle of erasures', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rapport-erasure-crash-'));
  const env = { CRM_JWT_SECRET: CHILD_JWT_SECRET };
  const admin = jwt.sign({ sub: 'reliability-admin', roles: ['admin'] }, CHILD_JWT_SECRET, {
    algorithm: 'HS256',
    expiresIn: 600,
  });
  afterAll(async () => {
    await killAllChildren();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The clients that still have a data key (read beside the running API: WAL readers). */
  const keyed = (): Set<string> => {
    const db = new Database(join(dataDir, 'keys.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT customer_id FROM customer_keys').all() as {
        customer_id: string;
      }[];
      return new Set(rows.map((row) => row.customer_id));
    } finally {
      db.close();
    }
  };
  const erasedInLog = async () =>
    (await readLog(dataDir))
      .filter((e) => e.type === 'CustomerErased')
      .map((e) => e.metadata.customerId);

  it('leaves no key of an erased client alive after the restart', async () => {
    let api = await startChildApi(dataDir, { env });
    const agent = keepAliveAgent(IN_FLIGHT);
    const clients = Array.from({ length: CLIENTS }, () => randomUUID());
    for (let i = 0; i < clients.length; i += IN_FLIGHT) {
      await Promise.all(
        clients.slice(i, i + IN_FLIGHT).map(async (customerId) => {
          const answer = await send(api.url, {
            method: 'POST',
            path: '/customers',
            token: BENCH_TOKENS.sales,
            agent,
            body: { customerId, name: 'Erin Erasable', source: 'web', email: 'erin@example.com' },
          });
          expect(answer.status).toBe(201);
        }),
      );
    }

    let acked = 0;
    let killing: Promise<void> | undefined;
    const queue = [...clients];
    const worker = async () => {
      for (let customerId = queue.shift(); customerId && !killing; customerId = queue.shift()) {
        try {
          const answer = await send(api.url, {
            method: 'POST',
            path: `/customers/${customerId}/erasure`,
            token: admin,
            agent,
            body: { reason: 'GDPR art. 17' },
          });
          expect(answer.status).toBe(201);
          if (++acked === CLIENTS / 4) killing = api.kill9();
        } catch {
          return; // the connection died with the process
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await killing;
    agent.destroy();

    const erased = await erasedInLog();
    const survivors = erased.filter((customerId) => keyed().has(customerId));
    expect(erased.length).toBeGreaterThanOrEqual(acked);
    expect(erased.length).toBeLessThan(CLIENTS);

    api = await startChildApi(dataDir, { env });
    await until(
      async () => erased.every((customerId) => !keyed().has(customerId)),
      `the keys of ${survivors.length} clients erased just before the crash to be destroyed`,
      20_000,
      50,
    );
    // Clients whose erasure never reached the log keep their key and their data.
    const notErased = clients.filter((customerId) => !erased.includes(customerId));
    expect(notErased.every((customerId) => keyed().has(customerId))).toBe(true);
    expect((await api.stop()).graceful).toBe(true);
  }, 120_000);
});
