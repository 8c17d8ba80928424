// What a person sees when the API starts: no route-mapping chatter at info, one closing block
// (or one JSON record) with the URL, profile, data dir, credentials and OpenAPI link.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, loadConfig } from '@rapport/platform';
import { createApiApp } from '../../apps/api/src/api.factory';
import { TEST_MASTER_KEY } from '../support/api-harness';
import {
  killAllChildren,
  REPO_ROOT,
  spawnNode,
  type ExitedChild,
} from '../reliability/support/child-api';

interface LogRecord {
  level: number;
  msg: string;
  context?: string;
  [field: string]: unknown;
}

const DEBUG = 20;
const INFO = 30;
const isRouteMapping = (r: LogRecord) => /^Mapped \{|\{\/[^}]*\}:$/.test(r.msg);

describe('starting the API', () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-start-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await killAllChildren();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Boots the app in-process with a JSON log at this level; returns every record. */
  async function bootRecords(level: string): Promise<LogRecord[]> {
    let text = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const config = loadConfig({
      CRM_DATA_DIR: freshDir(),
      CRM_MASTER_KEY: TEST_MASTER_KEY,
      LOG_LEVEL: level,
    });
    const logger = createLogger(level, 'rapport-api', { destination, isTTY: false });
    const app = await createApiApp(config, { logger });
    try {
      await app.init();
    } finally {
      await app.close();
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogRecord);
  }

  it('logs the route mapping at debug, not at info', async () => {
    const atInfo = await bootRecords('info');
    expect(atInfo.filter(isRouteMapping)).toEqual([]);
    expect(atInfo.filter((r) => r.context === 'RouterExplorer')).toEqual([]);

    const atDebug = await bootRecords('debug');
    const mapped = atDebug.filter(isRouteMapping);
    expect(mapped.length).toBeGreaterThan(20);
    expect(new Set(mapped.map((r) => r.level))).toEqual(new Set([DEBUG]));
    expect(mapped.map((r) => r.msg)).toContain('Mapped {/customers, POST} route');
  });

  /** Runs apps/api/src/main.ts as `npm start` would, until its stdout shows `ready`. */
  async function startMain(
    env: Record<string, string>,
    ready: RegExp,
  ): Promise<{ atStart: string; dataDir: string; stop: () => Promise<ExitedChild> }> {
    const dataDir = freshDir();
    const { child, output, exit } = spawnNode(join(REPO_ROOT, 'apps/api/src/main.ts'), [], {
      env: { CRM_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    });
    await new Promise<void>((resolve, reject) => {
      // spawnNode's own listener runs first: output.stdout already holds the chunk.
      const check = () => {
        if (!ready.test(output.stdout)) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`the API did not start within 60 s:\n${output.stderr}`));
      }, 60_000);
      const done = () => {
        clearTimeout(timer);
        child.stdout!.off('data', check);
      };
      child.stdout!.on('data', check);
      void exit.then((result) => {
        done();
        reject(new Error(`the API exited before it was ready:\n${result.stderr}`));
      });
      check();
    });
    return {
      atStart: output.stdout,
      dataDir,
      stop: async () => {
        child.kill('SIGTERM');
        return exit;
      },
    };
  }

  it('ends a JSON start (stdout not a terminal) with one record holding what a person needs', async () => {
    const api = await startMain({}, /"msg":"Rapport API listening on [^"]+"/);
    const records = api.atStart
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LogRecord);
    expect(records.filter((r) => r.level >= INFO && isRouteMapping(r))).toEqual([]);
    const last = records.at(-1)!;
    expect(last).toMatchObject({
      level: INFO,
      msg: `Rapport API listening on ${last.url as string}`,
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      profile: 'embedded',
      adapters: { log: 'SQLite', readModels: 'SQLite', keys: 'SQLite', messaging: 'none' },
      dataDir: api.dataDir,
      credentials: `development API keys, one per role, in ${join(api.dataDir, 'dev-api-keys.json')}`,
      openApi: `${last.url as string}/docs (JSON: ${last.url as string}/docs-json)`,
      console: `${last.url as string}/console`,
    });
    // What it points to is there.
    expect((await fetch(`${last.url as string}/docs-json`)).status).toBe(200);
    expect((await fetch(last.console as string)).status).toBe(200);
    expect(existsSync(join(api.dataDir, 'dev-api-keys.json'))).toBe(true);
    const stopped = await api.stop();
    expect(stopped.code === 0 || stopped.signal === 'SIGTERM').toBe(true);
  });

  it('ends a readable start with one block: URL, profile, data dir, credentials, OpenAPI, console', async () => {
    const api = await startMain(
      { LOG_FORMAT: 'pretty', CRM_MASTER_KEY: TEST_MASTER_KEY },
      /\n {2}console +\S+\n/,
    );
    const lines = api.atStart.trimEnd().split('\n');
    const isJson = (line: string) => line.trimStart().startsWith('{');
    expect(lines.filter(isJson)).toEqual([]);
    expect(api.atStart).not.toMatch(/Mapped \{/);
    const block = lines.slice(lines.indexOf('Rapport API is ready'));
    expect(block.map((line) => /^(\S.*| {2}\S+( \S+)?)/.exec(line)?.[0]?.trim())).toEqual([
      'Rapport API is ready',
      'URL',
      'profile',
      'data dir',
      'credentials',
      'master key',
      'OpenAPI',
      'console',
    ]);
    const url = /^ {2}URL +(http:\/\/127\.0\.0\.1:\d+)$/m.exec(api.atStart)![1]!;
    expect(api.atStart).toContain(`  data dir     ${api.dataDir}\n`);
    expect(api.atStart).toContain(`  master key   CRM_MASTER_KEY\n`);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    await api.stop();
  });
});
