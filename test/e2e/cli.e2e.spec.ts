import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  aggregateCollection,
  customer360Projection,
  customerRankingsListing,
  listingCollection,
  physicalCollection,
  pipelineOwnersAggregation,
  salesPipelineProjection,
  type AggregateDocument,
  type Customer360Document,
  type CustomerRankingRow,
} from '@rapport/read-models';
import { SqliteReadStore } from '@rapport/read-models/adapters';
import { TestClock } from '@rapport/testing';
import { startTestApi, TEST_MASTER_KEY, type TestApi } from '../support/api-harness';
import { runCliWith, type CliRun } from '../support/cli-runner';
import { createLead, openDeal } from '../support/world';

/** Runs the CLI in-process against the test API's data dir; returns its exit code and output. */
function cli(api: TestApi, ...args: string[]): Promise<CliRun> {
  return cliOn(api.dataDir, ...args);
}

/** Runs the CLI in-process on this data dir (the environment holds no credentials). */
const cliOn = (dataDir: string, ...args: string[]): Promise<CliRun> =>
  runCliWith({ CRM_DATA_DIR: dataDir, CRM_MASTER_KEY: TEST_MASTER_KEY }, ...args);

const fingerprint = (dir: string) =>
  ['read-models.db', 'read-models.db-wal']
    .filter((f) => existsSync(join(dir, f)))
    .map((f) =>
      createHash('sha256')
        .update(readFileSync(join(dir, f)))
        .digest('hex'),
    )
    .join('/');

describe('the rapport CLI', () => {
  let api: TestApi;
  let quiet: string;
  let busy: string;
  let head: number;
  const work = mkdtempSync(join(tmpdir(), 'rapport-cli-'));

  beforeAll(async () => {
    api = await startTestApi({ clock: new TestClock('2026-01-01T09:00:00Z') });
    // One client we call often, one we have not heard from since January.
    busy = await createLead(api.client);
    quiet = await createLead(api.client);
    const deal = await openDeal(api.client, quiet);
    await api.client.as('sales').post(`/deals/${deal}/won`, {});
    api.clock.set('2026-03-01T09:00:00Z');
    const last = await api.client.as('sales').post(`/customers/${busy}/contacts`, {
      channel: 'call',
      direction: 'outbound',
      subject: 's',
    });
    head = last.body.position;
    await api.client.as('analyst').get(`/pipeline?minPosition=${head}`);
    const logHead = await api.eventStore.headPosition();
    await api.client.as('analyst').get(`/analytics/retention?minPosition=${logHead}`);
    // The rankings job has summed the log so far: it writes nothing more until a client changes.
    await api.client.as('analyst').get(`/analytics/segments?minPosition=${logHead}`);
  });
  afterAll(async () => {
    await api.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('reports status, with --json for scripts', async () => {
    const result = await cli(api, '--json', 'status');
    expect(result.code).toBe(0);
    expect(result.json.projections.map((p: { name: string }) => p.name).sort()).toEqual([
      'activities',
      'audit-trail',
      'campaign-attribution',
      'campaigns',
      'customer-360',
      'sales-pipeline',
      'timeline',
    ]);
  });

  it('replays with a changed churn rule into a sandbox and names the clients whose risk changed, touching nothing live', async () => {
    const before = fingerprint(api.dataDir);
    const states = JSON.stringify(await (await readLive(api)).projectionStates());
    const sandbox = join(work, 'stricter-churn');
    const replay = await cli(
      api,
      '--json',
      'replay',
      'customer-360',
      '--into',
      sandbox,
      '--option',
      'churn.noWinMonths=1',
      '--option',
      'churn.cadenceBenchmarkDays=1',
    );
    expect(replay.code).toBe(0);
    expect(replay.json).toMatchObject({
      projections: ['customer-360'],
      optionPairs: ['churn.noWinMonths=1', 'churn.cadenceBenchmarkDays=1'],
    });
    const diff = await cli(api, '--json', 'diff', sandbox);
    expect(diff.code).toBe(0);
    const changed = new Set(
      diff.json.clients
        .filter((c: { metric: string }) => c.metric === 'churnRisk')
        .map((c: { customerId: string }) => c.customerId),
    );
    expect(changed).toEqual(new Set([busy, quiet]));
    const quietRisk = diff.json.clients.find((c: { customerId: string }) => c.customerId === quiet);
    expect(quietRisk.sandbox.reasons).toContain('no deal won in the last 1 months');
    expect(fingerprint(api.dataDir)).toBe(before);
    expect(JSON.stringify(await (await readLive(api)).projectionStates())).toBe(states);
    expect((await cli(api, 'replay', 'customer-360', '--into', sandbox)).code).toBe(2);
    expect(
      (
        await cli(
          api,
          'replay',
          'customer-360',
          '--into',
          join(work, 'x'),
          '--option',
          'churn.bogus=1',
        )
      ).code,
    ).toBe(2);
  });

  it('verifies the live read models against a rebuild, and fails (exit 1) when one was tampered with', async () => {
    const ok = await cli(api, '--json', 'verify');
    expect(ok.code).toBe(0);
    expect(ok.json.ok).toBe(true);
    const store = await readLive(api);
    const state = (await store.projectionStates()).find(
      (s) => s.projection === 'customer-360' && s.active,
    )!;
    const collection = physicalCollection(customer360Projection.collection, state.generation);
    const doc = (await store.get<Customer360Document>(collection, quiet))!;
    await store.close();
    // Someone edits the database behind the projector's back.
    const db = new Database(join(api.dataDir, 'read-models.db'));
    db.prepare(`UPDATE "doc:${collection}" SET body = ? WHERE id = ?`).run(
      JSON.stringify({ ...doc, deals: { ...doc.deals, won: 99 } }),
      quiet,
    );
    db.close();
    const tampered = await cli(api, '--json', 'verify');
    expect(tampered.code).toBe(1);
    const report = tampered.json.projections.find(
      (p: { projection: string }) => p.projection === 'customer-360',
    );
    expect(report.differences).toEqual([{ id: quiet, problem: 'different', fields: ['deals'] }]);
  });

  it('verifies the figures maintained beside the documents (pipeline per owner, cohorts)', async () => {
    const ok = await cli(api, '--json', 'verify');
    const figures = ok.json.projections.filter((p: { projection: string }) =>
      p.projection.includes('/'),
    );
    expect(figures.map((p: { projection: string }) => p.projection)).toEqual([
      'customer-360/customer-rankings',
      'customer-360/retention-cohorts',
      'customer-360/first-contact-days',
      'sales-pipeline/pipeline-owners',
      'activities/activity-owners',
      'campaign-attribution/campaign-performance',
      'campaign-attribution/source-effectiveness',
    ]);
    const store = await readLive(api);
    const state = (await store.projectionStates()).find(
      (s) => s.projection === 'sales-pipeline' && s.active,
    )!;
    const collection = aggregateCollection(
      { projection: salesPipelineProjection, generation: state.generation },
      pipelineOwnersAggregation,
    );
    const [tally] = await store.find<AggregateDocument>(collection, { limit: 1 });
    await store.close();
    const db = new Database(join(api.dataDir, 'read-models.db'));
    db.prepare(`UPDATE "doc:${collection}" SET body = ? WHERE id = ?`).run(
      JSON.stringify({ ...tally, sums: { ...tally!.sums, 'won.count': 1000 } }),
      tally!.id,
    );
    db.close();
    const tampered = await cli(api, '--json', 'verify');
    expect(tampered.code).toBe(1);
    const report = tampered.json.projections.find(
      (p: { projection: string }) => p.projection === 'sales-pipeline/pipeline-owners',
    );
    expect(report.differences).toEqual([
      { id: tally!.key, problem: 'different', fields: ['won.count'] },
    ]);
  });

  it("verifies the rankings' row of every client (churn score, RFM facts, sort keys)", async () => {
    const ok = await cli(api, '--json', 'verify');
    const rankings = ok.json.projections.find(
      (p: { projection: string }) => p.projection === 'customer-360/customer-rankings',
    );
    expect(rankings).toMatchObject({ differences: [] });
    expect(rankings.compared).toBeGreaterThan(0);
    const store = await readLive(api);
    const state = (await store.projectionStates()).find(
      (s) => s.projection === 'customer-360' && s.active,
    )!;
    const collection = listingCollection(
      { projection: customer360Projection, generation: state.generation },
      customerRankingsListing,
    );
    const [row] = await store.find<CustomerRankingRow>(collection, { limit: 1 });
    await store.close();
    const db = new Database(join(api.dataDir, 'read-models.db'));
    db.prepare(`UPDATE "doc:${collection}" SET body = ? WHERE id = ?`).run(
      JSON.stringify({ ...row, granted: ['marketing'] }),
      row!.id,
    );
    db.close();
    const tampered = await cli(api, '--json', 'verify');
    expect(tampered.code).toBe(1);
    const report = tampered.json.projections.find(
      (p: { projection: string }) => p.projection === 'customer-360/customer-rankings',
    );
    expect(report.differences).toEqual([
      { id: row!.id, problem: 'different', fields: ['granted'] },
    ]);
  });

  it('exports the log as NDJSON between two positions', async () => {
    const result = await cli(api, 'export-events', '--from', '1', '--to', '3');
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { position: number; metadata: unknown });
    expect(lines.map((l) => l.position)).toEqual([1, 2, 3]);
    expect(lines[0]!.metadata).toMatchObject({ actor: { id: 'sales-user' } });
  });

  it('records each export of the log for the auditors: who, filter, count, when', async () => {
    const result = await cli(api, 'export-events', '--from', '2', '--to', '4');
    expect(result.code).toBe(0);
    const head = await api.eventStore.headPosition();
    const exports = await api.client.as('auditor').get(`/audit/exports?minPosition=${head}`);
    expect(exports.status).toBe(200);
    expect(exports.body.entries.at(-1)).toMatchObject({
      kind: 'export',
      type: 'BulkDataExported',
      actor: expect.stringMatching(/^cli:/),
      roles: ['admin'],
      source: 'cli',
      at: expect.any(String),
      export: 'export-events',
      filter: { from: '2', to: '4', fromPosition: 2, toPosition: 4 },
      count: 3,
      personalData: 'sealed',
      destination: 'stdout',
    });
  });

  it('refuses an offline rebuild while the API holds the data dir, with a clear message', async () => {
    const result = await cli(api, 'rebuild', 'customer-360');
    expect(result.code).toBe(3);
  });

  it('has --help on every command and a usage error for unknown ones', async () => {
    for (const command of [
      'status',
      'rebuild',
      'replay',
      'diff',
      'verify',
      'seed',
      'export-events',
    ]) {
      const help = await cli(api, command, '--help');
      expect({ command, code: help.code, usage: help.stdout.includes('Usage: rapport') }).toEqual({
        command,
        code: 0,
        usage: true,
      });
    }
    expect((await cli(api, 'explode')).code).toBe(2);
  });
});

async function readLive(api: TestApi): Promise<SqliteReadStore> {
  return new SqliteReadStore(join(api.dataDir, 'read-models.db'));
}

describe('the rapport CLI on a data dir that holds nothing yet', () => {
  const empty = mkdtempSync(join(tmpdir(), 'rapport-cli-empty-'));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  /** The block the API prints at its start, as the CLI announces it for this data dir. */
  const hintsFor = (dir: string) => [
    `Nothing recorded yet in ${dir}. Start the API with \`npm start\`; it will answer at:`,
    '  URL          http://127.0.0.1:3000',
    '  profile      embedded: log SQLite, read models SQLite, keys SQLite, messaging none, projections in this process (worker thread)',
    `  data dir     ${dir}`,
    `  credentials  development API keys, one per role, in ${join(dir, 'dev-api-keys.json')}`,
    '  master key   CRM_MASTER_KEY',
    '  OpenAPI      http://127.0.0.1:3000/docs (JSON: http://127.0.0.1:3000/docs-json)',
  ];

  it('`rapport` alone shows its commands and how to begin', async () => {
    const result = await cliOn(empty);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: rapport');
    expect(result.stdout).toContain(hintsFor(empty).join('\n'));
    expect(result.stdout).toContain('rapport seed --customers 100');
  });

  it('a command says the same on stderr, and its --json output stays one document', async () => {
    const result = await cliOn(empty, '--json', 'status');
    expect(result.code).toBe(0);
    expect(result.json).toEqual({ headPosition: 0, projections: expect.any(Array) });
    expect(result.stderr).toContain(hintsFor(empty).join('\n'));
    // Reading the empty log did not make it look used.
    expect((await cliOn(empty)).stdout).toContain(hintsFor(empty).join('\n'));
  });

  it('says nothing of the kind about a remote API, nor before seeding', async () => {
    const remote = await cliOn(empty, 'status', '--url', 'http://127.0.0.1:9', '--token', 'x');
    expect(remote.code).toBe(3);
    expect(remote.stderr).not.toContain('Nothing recorded yet');
    const seeded = await cliOn(join(empty, 'seeded'), '--json', 'seed', '--customers', '3');
    expect(seeded.code).toBe(0);
    expect(seeded.stderr).toBe('');
    expect((await cliOn(join(empty, 'seeded'))).stdout).not.toContain('Nothing recorded yet');
  });

  it('says nothing of the kind once something is recorded', async () => {
    const api = await startTestApi();
    try {
      await createLead(api.client);
      const bare = await cliOn(api.dataDir);
      expect(bare.stdout).toContain('Usage: rapport');
      expect(bare.stdout).not.toContain('Nothing recorded yet');
      const status = await cliOn(api.dataDir, '--json', 'status');
      expect(status.stderr).toBe('');
      expect(status.json.projections.length).toBeGreaterThan(0);
    } finally {
      await api.close();
    }
  });
});

describe('rapport replay and diff with another attribution model', () => {
  let api: TestApi;
  const work = mkdtempSync(join(tmpdir(), 'rapport-cli-attribution-'));
  afterAll(async () => {
    await api.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('moves won revenue from the first-touch campaign to the last-touch one in the sandbox', async () => {
    api = await startTestApi({ clock: new TestClock('2026-01-01T09:00:00Z') });
    const marketing = api.client.as('marketing');
    const campaign = async (name: string) => {
      const { campaignId } = (
        await marketing.post('/campaigns', {
          name,
          channel: 'email',
          startsAt: '2026-01-01T00:00:00Z',
        })
      ).body;
      await marketing.post(`/campaigns/${campaignId}/launch`, {});
      return campaignId as string;
    };
    const first = await campaign('Fair');
    const last = await campaign('Mailing');
    const customerId = await createLead(api.client, { campaignId: first });
    await api.client
      .as('sales')
      .post(`/customers/${customerId}/consents`, { purpose: 'marketing', granted: true });
    await marketing.post(`/campaigns/${last}/members`, { customerIds: [customerId] });
    await marketing.post(`/campaigns/${last}/responses`, { customerId, response: 'clicked' });
    const deal = await openDeal(api.client, customerId, { amount: 1000, currency: 'EUR' });
    await api.client.as('sales').post(`/deals/${deal}/won`, {});
    await api.client
      .as('analyst')
      .get(`/analytics/campaigns?minPosition=${await api.eventStore.headPosition()}`);

    const sandbox = join(work, 'last-touch');
    const replay = await cli(
      api,
      '--json',
      'replay',
      'all',
      '--into',
      sandbox,
      '--option',
      'attribution=last',
    );
    expect(replay.code).toBe(0);
    expect(replay.json.options).toMatchObject({ attribution: 'last-touch' });
    const diff = await cli(api, '--json', 'diff', sandbox);
    expect(diff.code).toBe(0);
    expect(diff.json.metrics).toEqual(
      expect.arrayContaining([
        { metric: 'campaigns.attribution', live: 'first-touch', sandbox: 'last-touch' },
        { metric: 'campaigns.Fair.revenue', live: 1000, sandbox: 0 },
        { metric: 'campaigns.Mailing.revenue', live: 0, sandbox: 1000 },
      ]),
    );
    const bogus = await cli(
      api,
      'replay',
      'campaigns',
      '--into',
      join(work, 'bogus'),
      '--option',
      'attribution=middle',
    );
    expect(bogus.code).toBe(2);
  });
});
