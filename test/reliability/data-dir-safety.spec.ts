// The embedded data dir under misuse and failure: a second API on the same dir, a stale lock, a
// read-only dir, a read-only event store, an event store that cannot be opened, and a disk that
// fills up in the middle of a group commit. Each must end in a clear error (a startup error, or
// 503 STORE_UNAVAILABLE) with nothing half-written, and every answer must match what is stored.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventStoreUnavailableError, type EventStore } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store/adapters';
import { DataDirLockedError, createLogger, loadConfig } from '@rapport/platform';
import { createApiApp } from '../../apps/api/src/api.factory';
import { startTestApi, TEST_MASTER_KEY, type TestApi } from '../support/api-harness';
import { createLead } from '../support/world';
import {
  CHILD_MASTER_KEY,
  killAllChildren,
  spawnNode,
  startChildApi,
  REPO_ROOT,
} from './support/child-api';
import { fingerprintDir, readLog, verifyDataDir } from './support/data-dir';
import { unprivilegedCheckout, type UnprivilegedCheckout } from './support/unprivileged-checkout';
import { send } from './support/http';

const SALES = 'data-dir-sales-token-0001';
const API_KEYS = JSON.stringify({ [SALES]: { actor: 'dd-sales', roles: ['sales'] } });
const MAIN_ENV = { CRM_API_KEYS: API_KEYS };
const NOBODY = 65_534;
const isRoot = process.getuid?.() === 0;

/** Runs the API's real entry point (apps/api/src/main.ts) and waits for it to exit. */
async function startMainExpectingFailure(
  dataDir: string,
  options: { uid?: number; gid?: number } = {},
  root = REPO_ROOT,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const { child, exit } = spawnNode(join(root, 'apps/api/src/main.ts'), [], {
    root,
    env: {
      CRM_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      CRM_MASTER_KEY: CHILD_MASTER_KEY,
      LOG_LEVEL: 'info',
      ...MAIN_ENV,
    },
    spawn: options,
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const result = await exit;
  clearTimeout(timer);
  return result;
}

/** A data dir with some history in it (written by a real API, stopped cleanly). */
async function populatedDataDir(parent: string): Promise<string> {
  const dir = join(parent, 'source');
  mkdirSync(dir);
  const api = await startChildApi(dir, { entry: 'main', env: MAIN_ENV });
  for (let i = 0; i < 5; i++) {
    const created = await send(api.url, {
      method: 'POST',
      path: '/customers',
      token: SALES,
      body: { name: `Dir ${i}`, source: 'data-dir' },
    });
    expect(created.status).toBe(201);
  }
  expect((await api.stop()).graceful).toBe(true);
  return dir;
}

/**
 * Who may not write where: tests run as root here, and root ignores file modes. A child then
 * runs as the unprivileged user "nobody" instead; as any other user, modes suffice.
 */
const unprivileged = isRoot ? { uid: NOBODY, gid: NOBODY } : {};

/**
 * As root, the children run as "nobody", who must read the code: a checkout it cannot read is
 * copied to a readable place; if even that cannot work, those tests skip, saying why.
 */
const checkout: UnprivilegedCheckout = isRoot
  ? unprivilegedCheckout({ uid: NOBODY, gid: NOBODY })
  : { root: REPO_ROOT, cleanup: () => undefined };
afterAll(() => checkout.root !== undefined && checkout.cleanup());
const itAsUnprivileged: (name: string, test: () => Promise<void>, timeout: number) => void =
  checkout.root !== undefined
    ? it
    : (name, test, timeout) => it.skip(`${name} [skipped: ${checkout.skipReason}]`, test, timeout);
const codeRoot = checkout.root ?? REPO_ROOT;

function canWrite(dir: string, file: string): boolean {
  const probe = spawnSync(
    process.execPath,
    ['-e', 'require("fs").appendFileSync(process.argv[1], "")', join(dir, file)],
    { ...unprivileged },
  );
  return probe.status === 0;
}

describe('a second API on the same data dir', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
    await createLead(api.client);
  });
  afterAll(async () => {
    await api.close();
    await killAllChildren();
  });

  it('fails clearly in the same process (DataDirLockedError) and leaves the first one serving', async () => {
    const config = loadConfig({
      CRM_DATA_DIR: api.dataDir,
      CRM_API_KEYS: API_KEYS,
      CRM_MASTER_KEY: TEST_MASTER_KEY,
      LOG_LEVEL: 'silent',
    });
    let error: unknown;
    try {
      const second = await createApiApp(config, { logger: createLogger('silent') });
      await second.close();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as Error).message).toContain(`is in use by the Rapport API (pid ${process.pid}`);
    expect(await createLeadStatus(api)).toBe(201);
  });

  it('fails clearly in another process, touching nothing, while the first one keeps serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-dd-second-'));
    try {
      const first = await startChildApi(dir, { entry: 'main', env: MAIN_ENV });
      const created = await send(first.url, {
        method: 'POST',
        path: '/customers',
        token: SALES,
        body: { name: 'First', source: 'lock' },
      });
      expect(created.status).toBe(201);
      const before = logState(dir);
      const second = await startMainExpectingFailure(dir);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('DataDirLockedError');
      expect(second.stderr).toContain(`is in use by the Rapport API (pid ${first.pid}`);
      expect(logState(dir)).toEqual(before);
      const again = await send(first.url, {
        method: 'POST',
        path: '/customers',
        token: SALES,
        body: { name: 'Still here', source: 'lock' },
      });
      expect(again.status).toBe(201);
      expect(again.body.position).toBe(created.body.position + 1);
      expect((await first.stop()).graceful).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('takes over the lock of a process that died', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-dd-stale-'));
    try {
      // A pid that surely exists no more: a process that has exited.
      const gone = spawn(process.execPath, ['-e', '']);
      const pid = gone.pid!;
      await new Promise((resolve) => gone.once('exit', resolve));
      writeFileSync(
        join(dir, '.lock'),
        JSON.stringify({ pid, owner: 'the Rapport API', since: '2026-01-01T00:00:00Z' }),
      );
      const api = await startChildApi(dir, { entry: 'main', env: MAIN_ENV });
      expect((await send(api.url, { method: 'GET', path: '/health' })).status).toBe(200);
      expect((await api.stop()).graceful).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/**
 * What a second process could have changed of the log: the bytes of its WAL (where any write
 * goes) and every row. Not the bytes of events.db: the first API's writer thread copies the WAL
 * into it at its checkpoints, which changes them but none of the rows.
 */
function logState(dir: string): { wal: string | undefined; events: string; commands: string } {
  const db = new Database(join(dir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    return {
      wal: fingerprintDir(dir)['events.db-wal'],
      events: JSON.stringify(db.prepare('SELECT * FROM events ORDER BY position').all()),
      commands: JSON.stringify(db.prepare('SELECT * FROM commands ORDER BY command_id').all()),
    };
  } finally {
    db.close();
  }
}

async function createLeadStatus(api: TestApi): Promise<number> {
  return (await api.client.as('sales').post('/customers', { name: 'Ok', source: 'x' })).status;
}

describe('a data dir the API cannot write', () => {
  const parent = mkdtempSync(join(tmpdir(), 'rapport-dd-ro-'));
  let source: string;
  beforeAll(async () => {
    chmodSync(parent, 0o755);
    source = await populatedDataDir(parent);
  }, 60_000);
  afterAll(async () => {
    await killAllChildren();
    rmSync(parent, { recursive: true, force: true });
  });

  const copy = (name: string) => {
    const dir = join(parent, name);
    cpSync(source, dir, { recursive: true });
    return dir;
  };

  itAsUnprivileged(
    'refuses to start on a read-only data dir, with a clear error, changing nothing',
    async () => {
      const dir = copy('read-only-dir');
      for (const file of readdirSync(dir)) chmodSync(join(dir, file), 0o444);
      chmodSync(dir, 0o555);
      // The precondition, checked: the API's user really cannot write there.
      expect(canWrite(dir, 'probe')).toBe(false);
      const before = fingerprintDir(dir);
      const result = await startMainExpectingFailure(dir, unprivileged, codeRoot);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /Rapport API failed to start: .*(EACCES|EROFS|permission denied|read-only)/i,
      );
      expect(result.stderr).toContain(dir);
      expect(result.stdout).not.toMatch(/listening/);
      expect(fingerprintDir(dir)).toEqual(before);
    },
    60_000,
  );

  itAsUnprivileged(
    'answers 503 STORE_UNAVAILABLE (not 500) when the event store file is read-only, and stores nothing',
    async () => {
      const dir = copy('read-only-store');
      chmodSync(join(dir, 'events.db'), 0o444);
      if (isRoot) {
        // The dir and the other stores belong to the API's user; the log does not.
        for (const file of readdirSync(dir))
          if (!file.startsWith('events.db')) chownSync(join(dir, file), NOBODY, NOBODY);
        chownSync(dir, NOBODY, NOBODY);
      }
      expect(canWrite(dir, 'events.db')).toBe(false);
      expect(canWrite(dir, 'probe')).toBe(true);
      rmSync(join(dir, 'probe'), { force: true });
      const logBefore = await readLog(dir);
      let api;
      try {
        api = await startChildApi(dir, {
          entry: 'main',
          env: MAIN_ENV,
          spawn: unprivileged,
          root: codeRoot,
        });
      } catch (error) {
        // Refusing to start is a clear answer too, if it says why.
        expect((error as Error).message).toMatch(/event store|read-?only/i);
        expect(await readLog(dir)).toEqual(logBefore);
        return;
      }
      const answers = [];
      for (let i = 0; i < 3; i++) {
        answers.push(
          await send(api.url, {
            method: 'POST',
            path: '/customers',
            token: SALES,
            body: { name: `Ro ${i}`, source: 'read-only' },
          }),
        );
      }
      expect(
        answers.map((a) => ({
          status: a.status,
          code: a.body?.code,
          retry: a.headers['retry-after'],
        })),
      ).toEqual(answers.map(() => ({ status: 503, code: 'STORE_UNAVAILABLE', retry: '5' })));
      await api.stop();
      expect(await readLog(dir)).toEqual(logBefore);
    },
    60_000,
  );

  it('refuses to start when the event store cannot be opened (events.db is a directory), and starts once it can', async () => {
    const dir = copy('store-is-a-directory');
    rmSync(join(dir, 'events.db'));
    mkdirSync(join(dir, 'events.db'));
    const result = await startMainExpectingFailure(dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /Rapport API failed to start: EventStoreUnavailableError: cannot open event store .*events\.db/,
    );
    // No lock left behind, nothing that stops a start once the problem is fixed.
    expect(readdirSync(dir)).not.toContain('.lock');
    rmSync(join(dir, 'events.db'), { recursive: true });
    const api = await startChildApi(dir, { entry: 'main', env: MAIN_ENV });
    const created = await send(api.url, {
      method: 'POST',
      path: '/customers',
      token: SALES,
      body: { name: 'After the fix', source: 'data-dir' },
    });
    expect(created.status).toBe(201);
    expect((await api.stop()).graceful).toBe(true);
  }, 60_000);

  it('reports an event store file in a place that does not exist as EventStoreUnavailableError', () => {
    const file = join(parent, 'no', 'such', 'dir', 'events.db');
    expect(() => new SqliteEventStore({ file })).toThrow(EventStoreUnavailableError);
    expect(() => new SqliteEventStore({ file })).toThrow(/cannot open event store .*events\.db/);
  });
});

describe('the disk fills up (SQLITE_FULL, as a full disk reports it)', () => {
  // SQLite answers SQLITE_FULL when a database may not grow: at max_page_count exactly as on a
  // full disk. Lowering max_page_count on the API's connection that writes (its writer thread's)
  // makes the next group commit run out of room at a chosen point, portably and without root.
  let api: TestApi;
  let store: SqliteEventStore;
  beforeEach(async () => {
    api = await startTestApi();
    const inner = (api.eventStore as unknown as { inner: EventStore }).inner;
    expect(inner).toBeInstanceOf(SqliteEventStore);
    store = inner as SqliteEventStore;
  });
  afterEach(() => api.close());

  const fillUp = async (spare: number) => {
    const pages = (await store.pragmaOnWriter('page_count')) as number;
    await store.pragmaOnWriter(`max_page_count = ${pages + spare}`);
  };
  const freeSpace = () => store.pragmaOnWriter('max_page_count = 1073741823');
  const contact = (customerId: string, i: number) =>
    api.client.as('sales').post(
      `/customers/${customerId}/contacts`,
      {
        channel: 'call',
        direction: 'inbound',
        subject: `call ${i}`,
        notes: `${'n'.repeat(3000)} ${i}`,
      },
      { headers: { 'idempotency-key': `disk-${i}` } },
    );

  for (const [when, spare] of [
    ['before the first append of a group', 0],
    ['in the middle of a group', 3],
  ] as const) {
    it(`answers what it stored: full ${when}, every 503 stored nothing and every 201 is stored`, async () => {
      // One client per command: no contention, one group commit for all of them.
      const customers = await Promise.all(Array.from({ length: 30 }, () => createLead(api.client)));
      const before = await api.eventStore.headPosition();
      await fillUp(spare);
      const answers = await Promise.all(customers.map((id, i) => contact(id, i)));
      await freeSpace();
      const stored = await api.eventStore.readAll({ after: before, limit: 1000 });
      const storedKeys = new Set(stored.map((e) => e.metadata.commandId));
      const mismatches: string[] = [];
      answers.forEach((answer, i) => {
        const isStored = storedKeys.has(`sales-user/disk-${i}`);
        if (answer.status === 201 && !isStored) mismatches.push(`disk-${i}: 201 but not stored`);
        if (answer.status !== 201 && isStored)
          mismatches.push(`disk-${i}: answered ${answer.status} ${answer.body.code} but stored`);
        if (answer.status !== 201 && answer.status !== 503)
          mismatches.push(`disk-${i}: ${answer.status} ${answer.body.code}`);
        if (answer.status === 503) {
          expect(answer.body.code).toBe('STORE_UNAVAILABLE');
          expect(answer.headers['retry-after']).toBe('5');
        }
      });
      expect(mismatches).toEqual([]);
      expect(answers.some((a) => a.status === 503)).toBe(true);

      // With room again, the same requests (same Idempotency-Keys) complete, each exactly once.
      const retried = await Promise.all(customers.map((id, i) => contact(id, i)));
      expect(retried.map((r) => r.status)).toEqual(retried.map(() => 201));
      const log = await api.eventStore.readAll({ after: 0, limit: 10_000 });
      expect(log.map((e) => e.position)).toEqual(log.map((_, i) => i + 1));
      for (const [i, id] of customers.entries()) {
        const stream = await api.eventStore.readStream(`customer-${id}`);
        expect({ i, types: stream.events.map((e) => e.type) }).toEqual({
          i,
          types: ['LeadCreated', 'ContactLogged'],
        });
      }
      // The read models are those of the log.
      const head = log.at(-1)!.position;
      expect((await api.client.as('analyst').get(`/pipeline?minPosition=${head}`)).status).toBe(
        200,
      );
      await api.app.close();
      const verify = await verifyDataDir(api.dataDir, TEST_MASTER_KEY);
      expect({ code: verify.code, ok: verify.ok }).toEqual({ code: 0, ok: true });
      await api.restart();
    });
  }
});
