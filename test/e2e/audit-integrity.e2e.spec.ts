import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TestClock } from '@rapport/testing';
import { startTestApi, TEST_MASTER_KEY, type TestApi } from '../support/api-harness';
import { runCliWith } from '../support/cli-runner';
import { createLead } from '../support/world';

interface Integrity {
  head: { position: number; sequence: number; hash: string };
  lastCheckpoint: {
    position: number;
    hash: string;
    sealedAt: string;
    eventPosition: number;
  } | null;
  verification: {
    status: 'pending' | 'intact' | 'broken';
    verifiedThrough: { position: number; hash: string };
    problem: { position: number; kind: string } | null;
  };
}

describe('audit: the log proves itself', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rapport-integrity-'));
  let api: TestApi;
  let running = false;
  const cli = (...args: string[]) =>
    runCliWith({ CRM_DATA_DIR: api.dataDir, CRM_MASTER_KEY: TEST_MASTER_KEY }, ...args);
  const integrity = async (): Promise<Integrity> => {
    const response = await api.client.as('auditor').get('/audit/integrity');
    expect(response.status).toBe(200);
    return response.body as Integrity;
  };
  /** Polls GET /audit/integrity (the monitor runs every 20 ms) until `done` holds. */
  const integrityWhen = async (done: (state: Integrity) => boolean): Promise<Integrity> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const state = await integrity();
      if (done(state)) return state;
      if (Date.now() > deadline)
        throw new Error(`integrity never got there: ${JSON.stringify(state)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  beforeAll(async () => {
    api = await startTestApi({
      dataDir,
      clock: new TestClock('2026-07-01T09:00:00Z'),
      env: {
        CRM_AUDIT_SEAL_EVERY_EVENTS: '5',
        CRM_AUDIT_SEAL_EVERY_MINUTES: '60',
        CRM_AUDIT_VERIFY_INTERVAL_MS: '20',
      },
    });
    running = true;
  });
  afterAll(async () => {
    if (running) await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('seals a checkpoint after M minutes with new events, and after N events', async () => {
    await createLead(api.client);
    await createLead(api.client);
    const quiet = await integrityWhen((s) => s.verification.status === 'intact');
    expect(quiet.lastCheckpoint).toBeNull();

    api.clock.set('2026-07-01T10:01:00Z');
    const byTime = await integrityWhen((s) => s.lastCheckpoint !== null);
    expect(byTime.lastCheckpoint).toMatchObject({
      position: 2,
      sealedAt: '2026-07-01T10:01:00.000Z',
    });

    for (let i = 0; i < 5; i++) await createLead(api.client);
    const byCount = await integrityWhen(
      (s) => (s.lastCheckpoint?.position ?? 0) > byTime.lastCheckpoint!.eventPosition,
    );
    expect(byCount.lastCheckpoint!.sealedAt).toBe('2026-07-01T10:01:00.000Z');

    // The background verification reaches the head and agrees with the store's chain.
    const verified = await integrityWhen(
      (s) => s.verification.verifiedThrough.position === s.head.position,
    );
    expect(verified.verification).toMatchObject({ status: 'intact', problem: null });
    expect(verified.head).toEqual(await api.eventStore.chainHead());
    expect((await api.client.as('sales').get('/audit/integrity')).status).toBe(403);
  });

  it('verifies the whole log from the CLI and exports the checkpoints for a witness', async () => {
    // An erasure destroys a key, not an event: the chain covers the ciphertext and still holds.
    const erased = await createLead(api.client, { email: 'erase.me@example.com' });
    const erasure = await api.client
      .as('admin')
      .post(`/customers/${erased}/erasure`, { reason: 'right to be forgotten' });
    expect(erasure.status).toBe(201);
    const verified = await cli('--json', 'verify', '--integrity');
    expect(verified.code).toBe(0);
    expect(verified.json).toMatchObject({ ok: true, problem: null });
    expect(verified.json.checkpoints).toBeGreaterThanOrEqual(2);

    const exported = await cli('audit', 'export-checkpoints');
    expect(exported.code).toBe(0);
    const lines = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.length).toBe(verified.json.checkpoints);
    const { lastCheckpoint } = await integrity();
    expect(lines.at(-1)).toMatchObject({
      position: lastCheckpoint!.position,
      hash: lastCheckpoint!.hash,
    });
  });

  it('names the position of an edit, and a cut tail given the witness file', async () => {
    const witness = join(api.dataDir, 'witness.jsonl');
    writeFileSync(witness, (await cli('audit', 'export-checkpoints')).stdout);
    const { lastCheckpoint } = await integrity();
    await api.close();
    running = false;
    const db = new Database(join(api.dataDir, 'events.db'));
    try {
      // Whoever cuts the tail also removes the checkpoints sealed in it.
      db.prepare('DELETE FROM events WHERE position >= ?').run(lastCheckpoint!.position);
    } finally {
      db.close();
    }
    const withoutWitness = await cli('--json', 'verify', '--integrity');
    expect(withoutWitness.code).toBe(0);
    const withWitness = await cli('--json', 'verify', '--integrity', '--witness', witness);
    expect(withWitness.code).toBe(1);
    expect(withWitness.json.problem).toMatchObject({
      kind: 'missing',
      position: lastCheckpoint!.position,
    });

    const edit = new Database(join(api.dataDir, 'events.db'));
    try {
      edit
        .prepare("UPDATE events SET data = json_set(data, '$.source', 'forged') WHERE position = 3")
        .run();
    } finally {
      edit.close();
    }
    const edited = await cli('verify', '--integrity');
    expect(edited.code).toBe(1);
    expect(edited.stdout).toContain('hash chain broken at position 3 (mismatch)');
  });
});
