import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestApi, TEST_MASTER_KEY } from '../support/api-harness';
import { runCliWith } from '../support/cli-runner';
import { migratedHistory, toNdjson, uuidFrom } from '../support/migrated-history';
import { killAllChildren, REPO_ROOT, spawnNode } from '../reliability/support/child-api';

/** The head of the event log as another process sees it (the importer holds the lock). */
function headOf(dataDir: string): number {
  const file = join(dataDir, 'events.db');
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (
      (db.prepare('SELECT MAX(position) AS head FROM events').get() as { head: number | null })
        .head ?? 0
    );
  } catch {
    return 0; // the table is being created
  } finally {
    db.close();
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('rapport import: an older system’s history in business time', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-import-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await killAllChildren();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const cli = (dataDir: string, ...args: string[]) =>
    runCliWith({ CRM_DATA_DIR: dataDir, CRM_MASTER_KEY: TEST_MASTER_KEY }, '--json', ...args);

  it('gives retention cohorts and cycle days as the history says, not as the import day says', async () => {
    const dataDir = fresh();
    const file = join(dataDir, 'history.ndjson');
    // 60 clients, one a day from 2021-01-01, each won (converted) 13 days after its creation:
    // acquired from 2021-01-14 to 2021-03-14. Every deal won 10 days after it was opened.
    writeFileSync(file, toNdjson(migratedHistory({ clients: 60 })));
    const imported = await cli(dataDir, 'import', file);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.json).toMatchObject({ lines: 260, appended: 260, duplicates: 0, rejected: 0 });

    const api = await startTestApi({ dataDir });
    try {
      const head = await api.eventStore.headPosition();
      const retention = await api.client
        .as('analyst')
        .get(`/analytics/retention?minPosition=${head}`);
      expect(retention.status).toBe(200);
      expect(
        retention.body.cohorts.map((c: { cohort: string; size: number }) => [c.cohort, c.size]),
      ).toEqual([
        ['2021-01', 18],
        ['2021-02', 28],
        ['2021-03', 14],
      ]);
      // Clients 0, 3, 6... churned 27 days after their conversion: January's cohort (clients
      // 0..17, six of whom churn by 2021-03-01) keeps 12 of 18 from its second month on.
      const january = retention.body.cohorts[0] as { retention: number[] };
      expect(january.retention[0]).toBe(1);
      expect(january.retention[2]).toBeCloseTo(12 / 18, 3);

      const pipeline = await api.client.as('analyst').get(`/pipeline?minPosition=${head}`);
      expect(pipeline.body.averageCycleDays).toBe(10);

      const client = uuidFrom('legacy-crm/customer/1');
      const view = await api.client
        .as('sales')
        .get(`/customers/${client}?minPosition=${head}`, { headers: { 'x-purpose': 'test' } });
      expect(view.body.contacts.lastContactAt).toBe('2021-01-04T09:00:00.000Z');
    } finally {
      await api.close();
    }
  });

  it('writes refused lines with their reasons to the rejects file, and imports the rest', async () => {
    const dataDir = fresh();
    const file = join(dataDir, 'history.ndjson');
    const [lead, call] = migratedHistory({ clients: 1 });
    writeFileSync(
      file,
      [
        JSON.stringify(lead),
        '{"command": "CreateLead", "idempotencyKey": ',
        JSON.stringify({ ...call, idempotencyKey: 'future', occurredAt: '2999-01-01T00:00:00Z' }),
        JSON.stringify({ ...call, idempotencyKey: 'erase', command: 'EraseCustomer', data: {} }),
        JSON.stringify({ ...call, idempotencyKey: 'bad', data: { channel: 'pigeon' } }),
        JSON.stringify({ ...call, idempotencyKey: 'nobody', targetId: uuidFrom('nobody') }),
        JSON.stringify(call),
        '',
      ].join('\n'),
    );
    const imported = await cli(dataDir, 'import', file);
    expect(imported.code).toBe(1);
    expect(imported.json).toMatchObject({ lines: 7, appended: 2, rejected: 5 });
    const rejects = readFileSync(`${file}.rejects.ndjson`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rejects.map((r) => [r.line, r.code])).toEqual([
      [2, 'INVALID_JSON'],
      [3, 'OCCURRED_AT_IN_FUTURE'],
      [4, 'FORBIDDEN'],
      [5, 'VALIDATION_FAILED'],
      [6, 'CUSTOMER_NOT_FOUND'],
    ]);
    expect(rejects[3].details.fields).toContainEqual(
      expect.objectContaining({ field: 'data.channel' }),
    );
    for (const reject of rejects) {
      expect(reject.reason).toEqual(expect.any(String));
      expect(reject.message).toBe(readFileSync(file, 'utf8').split('\n')[reject.line - 1]);
    }
  });

  it('reports the campaign members a batch did not add, with the reasons POST /ingest gives', async () => {
    const dataDir = fresh();
    const file = join(dataDir, 'members.ndjson');
    const [granted, silent, nobody] = ['granted', 'silent', 'nobody'].map((n) => uuidFrom(n));
    const campaignId = uuidFrom('campaign');
    const line = (idempotencyKey: string, command: string, targetId: string, data: object) =>
      JSON.stringify({ command, idempotencyKey, system: 'mailer', targetId, data });
    writeFileSync(
      file,
      [
        line('lead-1', 'CreateLead', granted!, { name: 'Ada', source: 'fair' }),
        line('lead-2', 'CreateLead', silent!, { name: 'Bob', source: 'fair' }),
        line('consent-1', 'SetConsent', granted!, { purpose: 'marketing', granted: true }),
        line('plan', 'PlanCampaign', campaignId, {
          name: 'Spring',
          channel: 'email',
          startsAt: '2026-01-01T00:00:00Z',
        }),
        line('launch', 'LaunchCampaign', campaignId, {}),
        line('members', 'AddCampaignMembers', campaignId, {
          customerIds: [granted, silent, nobody],
        }),
      ].join('\n'),
    );
    const imported = await cli(dataDir, 'import', file);
    expect(imported.stderr).toBe('');
    expect(imported.json).toMatchObject({
      lines: 6,
      appended: 6,
      rejected: 0,
      answered: 1,
      skipped: 2,
      answersFile: `${file}.answers.ndjson`,
    });
    const answers = readFileSync(`${file}.answers.ndjson`, 'utf8')
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text));
    expect(answers).toEqual([
      {
        line: 6,
        command: 'AddCampaignMembers',
        answer: {
          added: [granted],
          skipped: [
            { customerId: silent, reason: 'no-consent' },
            { customerId: nobody, reason: 'unknown' },
          ],
        },
      },
    ]);
    // A re-run appends nothing and reports the same answer for the line recorded before.
    const again = await cli(dataDir, 'import', file);
    expect(again.json).toMatchObject({ appended: 0, duplicates: 6, skipped: 2 });
    expect(readFileSync(`${file}.answers.ndjson`, 'utf8').trim()).toBe(
      answers.map((a) => JSON.stringify(a)).join('\n'),
    );
  });

  it('appends nothing twice when an import killed mid-way is run again', async () => {
    const dataDir = fresh();
    const file = join(dataDir, 'history.ndjson');
    const messages = migratedHistory({ clients: 1500, arrivalEveryMinutes: 60 });
    writeFileSync(file, toNdjson(messages));

    // Small batches, so the kill lands between (or inside) transactions.
    const { child, exit } = spawnNode(
      join(REPO_ROOT, 'apps/cli/src/main.ts'),
      ['import', file, '--batch', '100'],
      { env: { CRM_DATA_DIR: dataDir, CRM_MASTER_KEY: TEST_MASTER_KEY, LOG_LEVEL: 'silent' } },
    );
    await until(() => headOf(dataDir) > 500, 'the import to append its first batches');
    child.kill('SIGKILL');
    const killed = await exit;
    expect(killed.signal).toBe('SIGKILL');
    const before = headOf(dataDir);
    expect(before).toBeLessThan(messages.length);

    const rerun = await cli(dataDir, 'import', file);
    expect(rerun.code).toBe(0);
    expect(rerun.json.duplicates).toBeGreaterThan(0);
    expect(rerun.json.duplicates + rerun.json.appended).toBe(messages.length);

    const db = new Database(join(dataDir, 'events.db'), { readonly: true });
    try {
      const commands = db
        .prepare(
          `SELECT json_extract(metadata, '$.commandId') AS commandId, COUNT(*) AS events
           FROM events GROUP BY commandId`,
        )
        .all() as { commandId: string; events: number }[];
      // Every line once: one command each, with its events once (WinDeal of a lead: two).
      expect(commands).toHaveLength(messages.length);
      const total = commands.reduce((n, c) => n + c.events, 0);
      expect(total).toBe(messages.length + 1500);
    } finally {
      db.close();
    }
  });
});
