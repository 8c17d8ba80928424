// Soak: the embedded API in its own process under a steady mix of commands and queries for
// minutes, then an audit of the books. Every command carries an Idempotency-Key and is retried
// with it after a network error or a 5xx, so "acknowledged" means the client holds a 2xx.
// At the end:
// - the log holds exactly one command per acknowledged key and nothing else (refused keys
//   stored nothing), and the events of each type the acknowledged commands imply;
// - the read models (client list, every client's 360 document, the pipeline) show the totals
//   the client counted itself; the 360 documents are read from the stopped data dir (reading
//   100,000+ views over HTTP would append as many audit events and take longer than the soak),
//   and a sample of 360 views read over HTTP must show exactly what their documents hold;
// - `rapport verify` (clean rebuild vs live read models) finds no difference.
// With --seed-clients N, N clients are created first (as fast as the API takes them, 32 at a
// time) and shared among the workers: the soak then runs over a book of N+ clients.
// RSS of the API process is sampled every 5 s and reported per minute.
// Usage: npm run bench -- soak [--minutes 10] [--rate 300] [--workers 16] [--seed-clients 0]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@rapport/event-store/adapters';
import {
  customer360Projection,
  documentCollection,
  type Customer360Document,
} from '@rapport/read-models';
import { CliContext } from '../apps/cli/src/cli-context';
import { verifyReadModels } from '../apps/cli/src/commands/verify.command';
import { BENCH_MASTER_KEY, BENCH_TOKENS } from './support/api-server';
import { startServer } from './support/http-load';
import { argument, report } from './support/report';

interface Deal {
  id: string;
  amount: number;
}
interface Client {
  id: string;
  contacts: number;
  openDeals: Deal[];
  won: number;
  wonMinor: number;
  lost: number;
  openComplaints: string[];
  /** Last position an acknowledged command of this client answered with. */
  position: number;
}

const COMMANDS = [
  'CreateLead',
  'LogContact',
  'OpenDeal',
  'WinDeal',
  'LoseDeal',
  'RaiseComplaint',
  'ResolveComplaint',
  'SetConsent',
  'ChurnCustomer',
] as const;
type CommandName = (typeof COMMANDS)[number];

const tally = {
  sent: 0,
  acknowledged: 0,
  refused: 0,
  retries: 0,
  lost: 0,
  queries: 0,
  queriesOk: 0,
  queryFailures: 0,
  byCommand: Object.fromEntries(COMMANDS.map((c) => [c, 0])) as Record<CommandName, number>,
  refusedCodes: {} as Record<string, number>,
};
const acknowledgedKeys = new Set<string>();
const refusedKeys = new Set<string>();
let headPosition = 0;

async function main(): Promise<void> {
  const minutes = argument('minutes', 10);
  const rate = argument('rate', 300);
  const workers = argument('workers', 16);
  const seedClients = argument('seed-clients', 0);
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-soak-'));
  const server = await startServer(join(__dirname, 'support', 'api-server.ts'), [dir]);
  const rss: number[] = [];
  const startedAt = Date.now();
  const rssOverTime: { second: number; mib: number }[] = [];
  const sampleRss = () => {
    const status = readFileSync(`/proc/${server.process.pid}/status`, 'utf8');
    const mib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    rss.push(mib);
    rssOverTime.push({ second: Math.round((Date.now() - startedAt) / 1000), mib });
  };
  const sampler = setInterval(sampleRss, 5000);
  sampleRss();
  const clientsByWorker: Client[][] = Array.from({ length: workers }, () => []);
  let stopped = false;
  let seededAfter = 0;
  try {
    if (seedClients > 0) {
      await seed(server.url, seedClients, clientsByWorker);
      seededAfter = Math.round((Date.now() - startedAt) / 1000);
      process.stderr.write(`soak: ${seedClients} clients seeded in ${seededAfter} s\n`);
    }
    const deadline = Date.now() + minutes * 60_000;
    // Each worker owns its clients, so its commands on them are sequential and their
    // outcome predictable; all workers together keep `rate` requests per second.
    const interval = (workers * 1000) / rate;
    let lastProgress = Date.now();
    await Promise.all(
      clientsByWorker.map(async (clients, worker) => {
        let next = Date.now() + (worker * interval) / workers;
        let step = 0;
        while (Date.now() < deadline) {
          const wait = next - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          next += interval;
          await act(server.url, clients, step++);
          if (worker === 0 && Date.now() - lastProgress > 30_000) {
            lastProgress = Date.now();
            const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
            process.stderr.write(
              `soak: ${tally.sent} commands, ${tally.acknowledged} acknowledged, ${tally.queries} queries, ${left} s left\n`,
            );
          }
        }
      }),
    );
    const clients = clientsByWorker.flat();
    const expected = {
      clients: clients.length,
      contacts: sum(clients, (c) => c.contacts),
      openDeals: sum(clients, (c) => c.openDeals.length),
      won: sum(clients, (c) => c.won),
      wonMinor: sum(clients, (c) => c.wonMinor),
      lost: sum(clients, (c) => c.lost),
      openComplaints: sum(clients, (c) => c.openComplaints.length),
    };
    const seen = await liveReadModels(server.url, clients);
    sampleRss();
    clearInterval(sampler);
    await server.stop();
    stopped = true;
    const log = await logTotals(dir);
    const documents = await documentTotals(dir, clients, seen.sampledViews);
    const verify = await verifyDataDir(dir);

    const checks = [
      ['commands acknowledged = commands in the log', tally.acknowledged, log.commands],
      ['acknowledged keys missing from the log', 0, log.missing],
      ['refused keys found in the log', 0, log.refusedStored],
      ['log commands nobody acknowledged', 0, log.unacknowledged],
      ['LeadCreated = clients created', tally.byCommand.CreateLead, log.types.LeadCreated ?? 0],
      ['ContactLogged = contacts logged', tally.byCommand.LogContact, log.types.ContactLogged ?? 0],
      ['DealOpened = deals opened', tally.byCommand.OpenDeal, log.types.DealOpened ?? 0],
      ['DealWon = deals won', tally.byCommand.WinDeal, log.types.DealWon ?? 0],
      ['DealLost = deals lost', tally.byCommand.LoseDeal, log.types.DealLost ?? 0],
      [
        'ComplaintRaised = complaints raised',
        tally.byCommand.RaiseComplaint,
        log.types.ComplaintRaised ?? 0,
      ],
      [
        'ComplaintResolved = complaints resolved',
        tally.byCommand.ResolveComplaint,
        log.types.ComplaintResolved ?? 0,
      ],
      ['clients in GET /customers', expected.clients, seen.clients],
      ['360 documents of the soak clients', expected.clients, documents.found],
      ['contacts in the 360 documents', expected.contacts, documents.contacts],
      ['open deals in the 360 documents', expected.openDeals, documents.openDeals],
      ['won deals in the 360 documents', expected.won, documents.won],
      ['won value (EUR cents) in the 360 documents', expected.wonMinor, documents.wonMinor],
      ['open complaints in the 360 documents', expected.openComplaints, documents.openComplaints],
      [
        `sampled 360 views (HTTP) differing from their documents, of ${seen.sampledViews.size}`,
        0,
        documents.sampleMismatches,
      ],
      ['open deals in GET /pipeline', expected.openDeals, seen.pipelineOpen],
      ['won deals in GET /pipeline', expected.won, seen.pipelineWon],
      ['lost deals in GET /pipeline', expected.lost, seen.pipelineLost],
      ['won value (EUR cents) in GET /pipeline', expected.wonMinor, seen.pipelineWonMinor],
    ] as const;
    const rows = checks.map(([measure, want, got]) => ({
      measure,
      expected: want,
      found: got,
      equal: want === got ? 'yes' : 'NO',
    }));
    const allEqual = rows.every((r) => r.equal === 'yes') && verify.ok && tally.lost === 0;
    report(
      'soak (embedded profile, mixed commands and queries)',
      `npm run bench -- soak --minutes ${minutes} --rate ${rate} --workers ${workers}`,
      [
        { measure: 'commands sent (first attempts)', expected: '', found: tally.sent, equal: '' },
        {
          measure: 'commands acknowledged (2xx)',
          expected: '',
          found: tally.acknowledged,
          equal: '',
        },
        {
          measure: 'commands refused (4xx, stored nothing)',
          expected: '',
          found: tally.refused,
          equal: '',
        },
        {
          measure: 'commands never acknowledged after retries',
          expected: 0,
          found: tally.lost,
          equal: tally.lost === 0 ? 'yes' : 'NO',
        },
        {
          measure: 'retries (network error or 5xx)',
          expected: '',
          found: tally.retries,
          equal: '',
        },
        {
          measure: 'queries answered 200 / failed',
          expected: '',
          found: `${tally.queriesOk} / ${tally.queryFailures}`,
          equal: '',
        },
        {
          measure: 'events stored (client streams / audit streams)',
          expected: '',
          found: `${log.clientEvents} / ${log.auditEvents}`,
          equal: '',
        },
        ...rows,
        {
          measure: 'rapport verify (clean rebuild = live read models)',
          expected: 'ok',
          found: verify.ok ? 'ok' : `exit ${verify.code}`,
          equal: verify.ok ? 'yes' : 'NO',
        },
        {
          measure: 'API process RSS MiB: start / max / end',
          expected: '',
          found: `${Math.round(rss[0]!)} / ${Math.round(Math.max(...rss))} / ${Math.round(rss.at(-1)!)}`,
          equal: '',
        },
      ],
      [
        ...(seedClients > 0
          ? [
              `seeded first: ${seedClients} clients through POST /customers, 32 at a time, in ${seededAfter} s; then ${clientsByWorker.flat().length} clients at the end`,
            ]
          : []),
        `${minutes} min at ${rate} requests/s from ${workers} workers, about 15% of them queries (360 view, client list, pipeline, segments, retention, churn risk)`,
        `API RSS over time (s → MiB, one sample a minute): ${perMinute(rssOverTime)}`,
        `commands acknowledged by type: ${JSON.stringify(tally.byCommand)}`,
        `refusals by code: ${JSON.stringify(tally.refusedCodes)}`,
        `result: ${allEqual ? 'every total equal' : 'MISMATCH'}`,
      ],
    );
    if (!allEqual) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    if (!stopped) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates `count` clients, `concurrency` at a time, dealt to the workers in turn. */
async function seed(url: string, count: number, clientsByWorker: Client[][]): Promise<void> {
  let next = 0;
  const concurrency = 32;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const id = randomUUID();
        const answer = await command(url, 'CreateLead', '/customers', {
          customerId: id,
          name: `Seed Client ${id.slice(0, 8)}`,
          email: `seed-${id.slice(0, 8)}@example.com`,
          source: 'soak-seed',
        });
        if (!answer) continue;
        clientsByWorker[i % clientsByWorker.length]!.push({
          id,
          contacts: 0,
          openDeals: [],
          won: 0,
          wonMinor: 0,
          lost: 0,
          openComplaints: [],
          position: answer.position,
        });
        if (i % 10_000 === 0) process.stderr.write(`soak: seeding, ${i} clients\n`);
      }
    }),
  );
}

function perMinute(samples: { second: number; mib: number }[]): string {
  const kept = samples.filter(
    (s, i) =>
      i === 0 ||
      i === samples.length - 1 ||
      Math.floor(s.second / 60) > Math.floor(samples[i - 1]!.second / 60),
  );
  return kept.map((s) => `${s.second}→${Math.round(s.mib)}`).join(', ');
}

function sum<T>(items: T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}

const pick = <T>(items: T[], step: number): T | undefined =>
  items.length === 0 ? undefined : items[(step * 7919) % items.length];

/** One request of the mix; commands only on this worker's own clients. */
async function act(url: string, clients: Client[], step: number): Promise<void> {
  const roll = (step * 37 + clients.length) % 100;
  const client = pick(clients, step);
  if (roll < 14 || !client) {
    const id = randomUUID();
    const answer = await command(url, 'CreateLead', '/customers', {
      customerId: id,
      name: `Soak Client ${id.slice(0, 8)}`,
      email: `soak-${id.slice(0, 8)}@example.com`,
      source: 'soak',
    });
    if (answer)
      clients.push({
        id,
        contacts: 0,
        openDeals: [],
        won: 0,
        wonMinor: 0,
        lost: 0,
        openComplaints: [],
        position: answer.position,
      });
    return;
  }
  const at = (answer: { position: number } | undefined) => {
    if (answer) client.position = answer.position;
    return answer;
  };
  if (roll < 42) {
    const answer = at(
      await command(url, 'LogContact', `/customers/${client.id}/contacts`, {
        channel: ['call', 'email', 'meeting', 'chat'][step % 4],
        direction: step % 3 ? 'outbound' : 'inbound',
        subject: `Soak contact ${step}`,
        notes: 'Talked about the renewal.',
      }),
    );
    if (answer) client.contacts++;
  } else if (roll < 54) {
    const deal = { id: randomUUID(), amount: 100 + (step % 4900) };
    const answer = at(
      await command(url, 'OpenDeal', `/customers/${client.id}/deals`, {
        dealId: deal.id,
        title: `Soak deal ${step}`,
        amount: deal.amount,
        currency: 'EUR',
      }),
    );
    if (answer) client.openDeals.push(deal);
  } else if (roll < 65) {
    const deal = client.openDeals[0];
    if (!deal) return;
    const win = roll < 61;
    const answer = at(
      win
        ? await command(url, 'WinDeal', `/deals/${deal.id}/won`, {})
        : await command(url, 'LoseDeal', `/deals/${deal.id}/lost`, { reason: 'price' }),
    );
    if (!answer) return;
    client.openDeals.shift();
    if (win) {
      client.won++;
      client.wonMinor += deal.amount * 100;
    } else client.lost++;
  } else if (roll < 73) {
    const complaintId = randomUUID();
    const answer = at(
      await command(url, 'RaiseComplaint', `/customers/${client.id}/complaints`, {
        complaintId,
        category: 'billing',
        severity: ['low', 'medium', 'high', 'critical'][step % 4],
        description: 'Invoice sent twice.',
      }),
    );
    if (answer) client.openComplaints.push(complaintId);
  } else if (roll < 78) {
    const complaintId = client.openComplaints[0];
    if (!complaintId) return;
    const answer = at(
      await command(url, 'ResolveComplaint', `/complaints/${complaintId}/resolve`, {
        resolution: 'Credited.',
        satisfaction: 1 + (step % 5),
      }),
    );
    if (answer) client.openComplaints.shift();
  } else if (roll < 83) {
    at(
      await command(url, 'SetConsent', `/customers/${client.id}/consents`, {
        purpose: 'marketing',
        granted: step % 2 === 0,
      }),
    );
  } else if (roll < 85) {
    at(await command(url, 'ChurnCustomer', `/customers/${client.id}/churn`, { reason: 'moved' }));
  } else {
    await query(url, client, step);
  }
}

/** Sends a command until it is answered for good; undefined when refused or never answered. */
async function command(
  url: string,
  name: CommandName,
  path: string,
  body: object,
): Promise<{ position: number } | undefined> {
  const key = `soak-${randomUUID()}`;
  tally.sent++;
  for (let attempt = 0; attempt < 60; attempt++) {
    if (attempt > 0) {
      tally.retries++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * attempt)));
    }
    let status: number;
    let answer: { position?: number; code?: string };
    try {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${BENCH_TOKENS.service}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(body),
      });
      status = response.status;
      answer = (await response.json()) as typeof answer;
    } catch {
      continue;
    }
    if (status >= 500) continue;
    if (status >= 200 && status < 300) {
      tally.acknowledged++;
      tally.byCommand[name]++;
      acknowledgedKeys.add(`bench-service/${key}`);
      headPosition = Math.max(headPosition, answer.position ?? 0);
      return { position: answer.position ?? 0 };
    }
    tally.refused++;
    refusedKeys.add(`bench-service/${key}`);
    const code = `${name} ${status} ${answer.code ?? ''}`;
    tally.refusedCodes[code] = (tally.refusedCodes[code] ?? 0) + 1;
    return undefined;
  }
  tally.lost++;
  return undefined;
}

async function get(url: string, path: string): Promise<unknown> {
  tally.queries++;
  try {
    const response = await fetch(`${url}${path}`, {
      headers: { authorization: `Bearer ${BENCH_TOKENS.analyst}`, 'x-purpose': 'soak' },
    });
    const body = (await response.json()) as unknown;
    if (response.status === 200) {
      tally.queriesOk++;
      return body;
    }
  } catch {
    // counted below
  }
  tally.queryFailures++;
  return undefined;
}

async function query(url: string, client: Client, step: number): Promise<void> {
  const paths = [
    `/customers/${client.id}?minPosition=${client.position}`,
    `/customers/${client.id}`,
    '/customers?limit=50',
    '/pipeline',
    '/analytics/segments?currency=EUR',
    '/analytics/retention',
    '/analytics/churn-risk?limit=20',
  ];
  await get(url, paths[step % paths.length]!);
}

interface CustomerPage {
  items: {
    customerId: string;
    deals: { open: number; won: number };
    complaints: { open: number };
  }[];
  nextCursor: string | null;
}
interface Customer360 {
  contacts: { total: number };
  deals: { open: number; won: number; wonValue: Record<string, number> };
  complaints: { open: number };
}
interface Pipeline {
  stages: { count: number }[];
  won: { count: number; amount: Record<string, number> };
  lost: { count: number };
}

/** Clients whose 360 view is read over HTTP at the end, to compare with their documents. */
const SAMPLED_VIEWS = 200;

/** The totals of one 360 view or document the soak checks. */
interface ViewTotals {
  contacts: number;
  openDeals: number;
  won: number;
  wonMinor: number;
  openComplaints: number;
}

/** What the running API shows, once its read models reflect the last acknowledged command. */
async function liveReadModels(url: string, clients: Client[]) {
  // The projector may still be catching up: minPosition waits 5 s at a time.
  let pipeline: Pipeline | undefined;
  for (let attempt = 0; attempt < 60 && !pipeline; attempt++)
    pipeline = (await get(url, `/pipeline?minPosition=${headPosition}`)) as Pipeline | undefined;
  if (!pipeline) throw new Error(`the read models never reached position ${headPosition}`);
  let listed = 0;
  for (let cursor: string | null = null; ;) {
    const page = (await get(
      url,
      `/customers?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    )) as CustomerPage;
    listed += page.items.length;
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  const sampledViews = new Map<string, ViewTotals>();
  const step = Math.max(1, Math.floor(clients.length / SAMPLED_VIEWS));
  for (let i = 0; i < clients.length && sampledViews.size < SAMPLED_VIEWS; i += step) {
    const client = clients[i]!;
    const view = (await get(url, `/customers/${client.id}?minPosition=${client.position}`)) as
      Customer360 | undefined;
    if (!view) throw new Error('a 360 view could not be read');
    sampledViews.set(client.id, {
      contacts: view.contacts.total,
      openDeals: view.deals.open,
      won: view.deals.won,
      wonMinor: Math.round((view.deals.wonValue.EUR ?? 0) * 100),
      openComplaints: view.complaints.open,
    });
  }
  return {
    clients: listed,
    sampledViews,
    pipelineOpen: sum(pipeline.stages, (s) => s.count),
    pipelineWon: pipeline.won.count,
    pipelineLost: pipeline.lost.count,
    pipelineWonMinor: Math.round((pipeline.won.amount.EUR ?? 0) * 100),
  };
}

/**
 * The soak clients' 360 documents, read from the stopped data dir's active generation a page of
 * ids at a time, summed; and how many sampled views differ from their documents.
 */
async function documentTotals(
  dir: string,
  clients: Client[],
  sampledViews: ReadonlyMap<string, ViewTotals>,
) {
  Object.assign(process.env, { CRM_MASTER_KEY: BENCH_MASTER_KEY, LOG_LEVEL: 'warn' });
  const context = new CliContext({ dataDir: dir });
  try {
    const store = await context.readStore();
    const state = (await store.projectionStates()).find(
      (s) => s.projection === customer360Projection.name && s.active,
    );
    if (!state) throw new Error('customer-360 has no active generation');
    const collection = documentCollection({
      projection: customer360Projection,
      generation: state.generation,
    });
    const totals = { found: 0, contacts: 0, openDeals: 0, won: 0, wonMinor: 0, openComplaints: 0 };
    let sampleMismatches = 0;
    for (let i = 0; i < clients.length; i += 1000) {
      const ids = clients.slice(i, i + 1000).map((client) => client.id);
      const documents = await store.getMany<Customer360Document>(collection, ids);
      for (const doc of documents.values()) {
        const own: ViewTotals = {
          contacts: doc.contacts.total,
          openDeals: doc.deals.open,
          won: doc.deals.won,
          wonMinor: doc.deals.wonValueMinor.EUR ?? 0,
          openComplaints: doc.complaints.open,
        };
        totals.found++;
        totals.contacts += own.contacts;
        totals.openDeals += own.openDeals;
        totals.won += own.won;
        totals.wonMinor += own.wonMinor;
        totals.openComplaints += own.openComplaints;
        const viewed = sampledViews.get(doc.id);
        if (viewed && JSON.stringify(viewed) !== JSON.stringify(own)) sampleMismatches++;
      }
    }
    return { ...totals, sampleMismatches };
  } finally {
    await context.close();
  }
}

/** The log read straight from events.db once the API has stopped. */
async function logTotals(dir: string) {
  const store = new SqliteEventStore({ file: join(dir, 'events.db') });
  const commands = new Set<string>();
  const types: Record<string, number> = {};
  let clientEvents = 0;
  let auditEvents = 0;
  try {
    for (let after = 0; ;) {
      const page = await store.readAll({ after, limit: 10_000 });
      if (page.length === 0) break;
      after = page.at(-1)!.position;
      for (const event of page) {
        if (event.streamId.startsWith('audit-')) {
          auditEvents++;
          continue;
        }
        clientEvents++;
        types[event.type] = (types[event.type] ?? 0) + 1;
        if (event.metadata.commandId) commands.add(event.metadata.commandId);
      }
    }
  } finally {
    await store.close();
  }
  const seeded = [...commands].filter((id) => id.startsWith('bench-service/soak-'));
  return {
    commands: seeded.length,
    missing: [...acknowledgedKeys].filter((key) => !commands.has(key)).length,
    refusedStored: [...refusedKeys].filter((key) => commands.has(key)).length,
    unacknowledged: seeded.filter((key) => !acknowledgedKeys.has(key)).length,
    types,
    clientEvents,
    auditEvents,
  };
}

/** What `rapport verify` checks, on the stopped data dir. */
async function verifyDataDir(dir: string): Promise<{ ok: boolean; code: number }> {
  Object.assign(process.env, { CRM_MASTER_KEY: BENCH_MASTER_KEY, LOG_LEVEL: 'warn' });
  const context = new CliContext({ dataDir: dir });
  try {
    const report = await verifyReadModels(context);
    const differences = report.reduce((total, r) => total + r.differences.length, 0);
    return { ok: differences === 0, code: differences === 0 ? 0 : 1 };
  } finally {
    await context.close();
  }
}

void main();
