// The browser console on a large data set (issue 20: "loads fast on the 100,000-client data").
// Starts the API on an existing data dir (by default the analytics benchmark's, seeded with
// `rapport seed` if absent), waits until every read model is at the log's head, then drives
// headless Chromium (Debian's, /usr/bin/chromium) through every page of the console, a few
// rounds, timing each page from navigation to its figures drawn (the page's data elements
// visible), and measures the bytes the bundle transfers. The data dir is only added to (the
// API appends its audit records of reads); nothing in it is deleted, its read models included.
// Usage: npm run bench -- console [--customers 100000] [--data-dir <dir>] [--rounds 5]
//   [--page-timeout-s 120] [--catch-up-timeout-s 3600] [--no-record]
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureConsoleBuilt } from '../test/support/console-build';
import { BENCH_MASTER_KEY, BENCH_TOKENS } from './support/api-server';
import { startServer, type Server } from './support/http-load';
import { argument, percentile, report, textArgument, type Row } from './support/report';
import { headOf, sampleCustomerIds, seedHistory } from './support/seeded-data';

const ROOT = join(__dirname, '..');
const CACHE = join(ROOT, '.cache', 'bench');
/** Debian's chromium package (what .ci/run installs), never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Options {
  customers: number;
  dataDir: string;
  rounds: number;
  pageTimeoutMs: number;
  catchUpTimeoutMs: number;
}

/**
 * A page of the console and what shows that its figures are drawn: every selector visible
 * (tables with their rows, a chart's canvas), after the page said it is ready.
 */
interface ConsolePage {
  name: string;
  route: (round: number) => string;
  shows: string[];
}

function consolePages(clientIds: string[]): ConsolePage[] {
  const client = (round: number) => clientIds[round % clientIds.length]!;
  return [
    {
      name: 'Pipeline',
      route: () => '#/pipeline',
      shows: ['#stages tbody tr', '#owners', '#pipeline canvas'],
    },
    { name: 'Retention', route: () => '#/retention', shows: ['#cohorts tbody tr', '#churn-rate'] },
    { name: 'Churn risk', route: () => '#/churn-risk', shows: ['#ranking tbody tr'] },
    {
      name: 'Segments (RFM grid, Pareto curve)',
      route: () => '#/segments',
      shows: ['.rfm-grid .tile', '#pareto', '#pareto-curve canvas, #pareto-curve-empty'],
    },
    {
      name: 'Segment: champions (first page of its clients)',
      route: () => '#/segments/champions',
      shows: ['#clients tbody tr'],
    },
    {
      name: 'Campaigns and sources',
      route: () => '#/campaigns',
      shows: ['#campaign-table tbody tr', '#source-table tbody tr'],
    },
    { name: 'Service queue and SLA', route: () => '#/service', shows: ['#case-table tbody tr'] },
    { name: 'Clients (first page)', route: () => '#/clients', shows: ['#clients tbody tr'] },
    {
      name: "A client's 360, timeline and audit trail",
      route: (round) => `#/clients/${client(round)}`,
      shows: [
        '#profile .kv',
        '#timeline .pager > :not(.loading)',
        '#trail .pager > :not(.loading)',
      ],
    },
    {
      name: 'Audit (integrity, denials, exports)',
      route: () => '#/audit',
      shows: ['#integrity-status', '#denial-table', '#export-table'],
    },
    { name: 'Projections', route: () => '#/projections', shows: ['#projection-table tbody tr'] },
  ];
}

/** API paths whose answer is a list: the console must ask each for a bounded page. */
const LIST_PATHS = [
  /^\/customers$/,
  /^\/customers\/[^/]+\/timeline$/,
  /^\/audit\/customers\/[^/]+$/,
  /^\/audit\/(denials|exports)$/,
  /^\/analytics\/(churn-risk|campaigns|sources)$/,
  /^\/(cases|activities|campaigns)$/,
  /^\/admin\/projections\/[^/]+\/parked$/,
];

async function main(): Promise<void> {
  const customers = argument('customers', 100_000);
  const options: Options = {
    customers,
    dataDir: resolve(textArgument('data-dir') ?? join(CACHE, `analytics-${customers}`)),
    rounds: argument('rounds', 5),
    pageTimeoutMs: argument('page-timeout-s', 120) * 1000,
    catchUpTimeoutMs: argument('catch-up-timeout-s', 3600) * 1000,
  };
  const loadAtStart = loadavg()[0]!;
  const env: NodeJS.ProcessEnv = { ...process.env, CRM_MASTER_KEY: BENCH_MASTER_KEY };
  const notes: string[] = [];

  const seeded = await seedIfAbsent(options, env);
  const head = await headOf(options.dataDir);
  const clientIds = sampleCustomerIds(options.dataDir, options.rounds);
  process.stderr.write('console: building the console (if its sources changed)…\n');
  ensureConsoleBuilt();

  const startedAt = Date.now();
  const api = await startServer(
    join(__dirname, 'support', 'api-server.ts'),
    [options.dataDir],
    env,
  );
  let browser: Browser | undefined;
  try {
    const catchUp = await waitForHead(api, head, options.catchUpTimeoutMs);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    const pages = consolePages(clientIds);
    const times = new Map<string, number[]>(pages.map((p) => [p.name, []]));
    const failures: string[] = [];
    const unbounded = new Set<string>();
    const firstVisits: number[] = [];
    let bundle: Bundle | undefined;
    for (let round = 0; round < options.rounds; round++) {
      // Each round in a fresh browser profile: the first page load fetches the bundle again.
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        const page = await context.newPage();
        watchListRequests(page, api.url, unbounded);
        const transferred = recordBundle(page, api.url);
        firstVisits.push(await signIn(page, api.url, options.pageTimeoutMs));
        const loaded = await transferred();
        bundle ??= loaded;
        for (const consolePage of pages) {
          process.stderr.write(`console: round ${round + 1}, ${consolePage.name}…\n`);
          const ms = await timePage(page, api.url, consolePage, round, options.pageTimeoutMs);
          if (typeof ms === 'number') times.get(consolePage.name)!.push(ms);
          else failures.push(`round ${round + 1}, ${consolePage.name}: ${ms.failed}`);
        }
      } finally {
        await context.close();
      }
    }

    const rows: Row[] = [
      {
        measure: seeded ? 'seeding (`rapport seed`)' : 'data dir',
        figure: seeded
          ? `${head.toLocaleString('en-US')} events in ${seeded.seconds.toFixed(1)} s`
          : `${options.dataDir}: ${head.toLocaleString('en-US')} events, read models reused as found`,
      },
      {
        measure: 'API listening → every read model at the head',
        figure: catchUp.caughtUp
          ? `${catchUp.seconds.toFixed(1)} s`
          : `NOT at the head after ${catchUp.seconds.toFixed(0)} s (${catchUp.position.toLocaleString('en-US')} of ${head.toLocaleString('en-US')}): pages measured anyway`,
      },
      {
        measure: 'bundle transferred (first load, cold cache)',
        figure: bundle
          ? `${kib(bundle.transferred)} KiB over ${bundle.files} files, headers included (${kib(bundle.decoded)} KiB of content${bundle.transferred > bundle.decoded ? ', sent uncompressed' : ''}); the hashed assets are cached for good after`
          : 'not measured',
      },
      {
        measure: 'first visit, cold cache: navigation → sign-in form ready, p50 / max',
        figure: `${percentile(ascending(firstVisits), 0.5).toFixed(0)} / ${Math.max(...firstVisits).toFixed(0)} ms over ${firstVisits.length} visits`,
      },
    ];
    for (const consolePage of pages) {
      const measured = times.get(consolePage.name)!;
      rows.push({
        measure: `${consolePage.name}: navigation → figures drawn, p50 / max`,
        figure:
          measured.length === 0
            ? 'never drawn'
            : `${percentile(ascending(measured), 0.5).toFixed(0)} / ${Math.max(...measured).toFixed(0)} ms over ${measured.length} loads`,
      });
    }
    notes.push(
      `each page loaded ${options.rounds} times (one round = every page once, in a fresh browser profile that signs in first, as an admin, who may open every page); a load is page.goto() of the page's URL from about:blank (the whole app starts: bundle from the cache after the round's first page, token from session storage) until the page's data elements are visible (tables with rows, charts' canvases, after its first answers are drawn); a client's 360 is a different client each round`,
      `Chromium: ${CHROMIUM} (headless); the API in its own process (bench/support/api-server.ts, embedded profile, views recorded in the audit trail as in production)`,
      unbounded.size === 0
        ? `every list the console asked for carried a limit ≤ 500 (checked on every request: ${LIST_PATHS.length} kinds of list)`
        : `UNBOUNDED list requests: ${[...unbounded].join(', ')}`,
      ...(failures.length > 0 ? [`pages not drawn: ${failures.join('; ')}`] : []),
      `load average (1 min) at start / end: ${loadAtStart.toFixed(1)} / ${loadavg()[0]!.toFixed(1)} (the machine is shared: other processes ran beside the benchmark)`,
    );
    const command = `npm run bench -- console ${process.argv.slice(2).join(' ')}`.trim();
    report(
      `console at ${head.toLocaleString('en-US')} events (${options.customers.toLocaleString('en-US')} clients seeded)`,
      command,
      rows,
      notes,
    );
    if (failures.length > 0 || unbounded.size > 0) process.exitCode = 1;
  } finally {
    await browser?.close();
    await api.stop();
    process.stderr.write(`console: done in ${((Date.now() - startedAt) / 1000).toFixed(0)} s\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// The data dir

/** Seeds the data dir as the analytics benchmark does, only when it holds no log yet. */
async function seedIfAbsent(
  options: Options,
  env: NodeJS.ProcessEnv,
): Promise<{ seconds: number } | undefined> {
  if (existsSync(join(options.dataDir, 'events.db'))) return undefined;
  mkdirSync(options.dataDir, { recursive: true });
  process.stderr.write(`console: seeding ${options.customers} clients into ${options.dataDir}…\n`);
  const started = Date.now();
  await seedHistory(options.dataDir, options.customers, env);
  return { seconds: (Date.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// The API

async function api(url: string, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${path}`, {
    headers: { authorization: `Bearer ${BENCH_TOKENS.admin}`, 'x-purpose': 'benchmark' },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: response.ok ? JSON.parse(text) : text };
}

/** Until every projection is at `head` and the RFM figures cover it (or the timeout). */
async function waitForHead(
  server: Server,
  head: number,
  timeoutMs: number,
): Promise<{ caughtUp: boolean; seconds: number; position: number }> {
  process.stderr.write(`console: waiting for the read models to reach ${head}…\n`);
  const started = Date.now();
  let position = 0;
  let lastLog = Date.now();
  for (;;) {
    const seconds = (Date.now() - started) / 1000;
    try {
      const answer = await api(server.url, '/admin/projections');
      if (answer.status === 200) {
        const body = answer.body as { projections: { position: number }[] };
        position = Math.min(...body.projections.map((p) => p.position));
        if (
          position >= head &&
          (await api(server.url, `/analytics/segments?minPosition=${head}`)).status === 200
        )
          return { caughtUp: true, seconds, position };
      }
    } catch {
      // busy catching up: asked again below
    }
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      process.stderr.write(
        `console: read models at ${position} of ${head} after ${seconds.toFixed(0)} s\n`,
      );
    }
    if (Date.now() - started > timeoutMs) return { caughtUp: false, seconds, position };
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 500));
  }
}

// ---------------------------------------------------------------------------------------------
// The browser

interface Bundle {
  files: number;
  transferred: number;
  decoded: number;
}

/** The console's own files (page and hashed assets) the browser fetched until it is asked. */
function recordBundle(page: Page, baseUrl: string): () => Promise<Bundle> {
  const pending: Promise<{ transferred: number; decoded: number }>[] = [];
  let recording = true;
  page.on('response', (response) => {
    const path = response.url().slice(baseUrl.length).split(/[?#]/)[0]!;
    if (!recording || (path !== '/console' && !path.startsWith('/console/'))) return;
    pending.push(
      (async () => {
        try {
          const body = await response.body();
          const sizes = await response.request().sizes();
          return {
            transferred: sizes.responseHeadersSize + sizes.responseBodySize,
            decoded: body.length,
          };
        } catch {
          return { transferred: 0, decoded: 0 };
        }
      })(),
    );
  });
  return async () => {
    recording = false;
    const files = await Promise.all(pending);
    return {
      files: files.length,
      transferred: files.reduce((sum, f) => sum + f.transferred, 0),
      decoded: files.reduce((sum, f) => sum + f.decoded, 0),
    };
  };
}

/** Notes every request for a list that carries no limit, or one above 500. */
function watchListRequests(page: Page, baseUrl: string, unbounded: Set<string>): void {
  page.on('request', (request) => {
    if (!request.url().startsWith(baseUrl)) return;
    const url = new URL(request.url());
    if (!LIST_PATHS.some((pattern) => pattern.test(url.pathname))) return;
    const limit = Number(url.searchParams.get('limit'));
    if (!(limit >= 1 && limit <= 500))
      unbounded.add(`${request.method()} ${url.pathname}${url.search}`);
  });
}

/** Signs in through the form; returns the ms from navigation to the form ready (cold cache). */
async function signIn(page: Page, baseUrl: string, timeoutMs: number): Promise<number> {
  const started = process.hrtime.bigint();
  await page.goto(`${baseUrl}/console#/signin`, { waitUntil: 'commit', timeout: timeoutMs });
  await page
    .locator('main[data-ready="/signin"]')
    .waitFor({ state: 'attached', timeout: timeoutMs });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await page.getByLabel('Token (API key or JWT)').fill(BENCH_TOKENS.admin);
  await page.getByLabel(/Purpose of your reads/).fill('console benchmark');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#signed-in-as').waitFor({ timeout: timeoutMs });
  return ms;
}

/** Milliseconds from navigation to the page's figures drawn, or why they were not. */
async function timePage(
  page: Page,
  baseUrl: string,
  consolePage: ConsolePage,
  round: number,
  timeoutMs: number,
): Promise<number | { failed: string }> {
  const route = consolePage.route(round);
  await page.goto('about:blank');
  const started = process.hrtime.bigint();
  try {
    await page.goto(`${baseUrl}/console${route}`, { waitUntil: 'commit', timeout: timeoutMs });
    await page
      .locator(`main[data-ready="${route.replace(/^#/, '')}"]`)
      .waitFor({ state: 'attached', timeout: timeoutMs });
    for (const selector of consolePage.shows)
      await page.locator(selector).first().waitFor({ state: 'visible', timeout: timeoutMs });
  } catch (error) {
    return { failed: await whyNot(page, error) };
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // An answer other than 2xx is shown as a message: then the figures were not drawn.
  const refused = await page.locator('main [data-status]').allTextContents();
  return refused.length > 0 ? { failed: refused.join(' / ') } : ms;
}

async function whyNot(page: Page, error: unknown): Promise<string> {
  const shown = await page
    .locator('main [data-status]')
    .allTextContents()
    .catch(() => []);
  return shown.length > 0 ? shown.join(' / ') : (error as Error).message.split('\n')[0]!;
}

// ---------------------------------------------------------------------------------------------

const ascending = (values: number[]) => [...values].sort((a, b) => a - b);
const kib = (bytes: number) => (bytes / 1024).toFixed(1);

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
