// The compiled API exactly as `npm start` runs it (dist/apps/api/src/main.js: no compiler in
// the process), configured with the benchmarks' tokens and master key. The TypeScript wrapper
// (api-server.ts) loads @swc-node/register into the API's process even when it runs dist/,
// which alone adds ~75 MiB of RSS: figures of memory must come from this one.
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BENCH_API_KEYS, BENCH_MASTER_KEY } from './api-server';
import { serverNodeFlags, type Server } from './http-load';

const ROOT = join(__dirname, '..', '..');

/** Starts dist/'s API on `dataDir` and resolves once it answers HTTP. */
export async function startCompiledApi(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<Server> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...serverNodeFlags(), join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js')],
    {
      cwd: ROOT,
      // Its log lines (warnings and worse) go to this process's stderr, not into the report.
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...env,
        CRM_DATA_DIR: dataDir,
        CRM_API_KEYS: BENCH_API_KEYS,
        CRM_MASTER_KEY: BENCH_MASTER_KEY,
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
      },
    },
  );
  child.stdout!.pipe(process.stderr);
  const url = `http://127.0.0.1:${port}`;
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`the compiled API exited with ${exited}`);
    try {
      await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the compiled API did not answer within ${timeoutMs} ms`);
      }
      await new Promise((retry) => setTimeout(retry, 200));
    }
  }
  return {
    url,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (exited !== undefined) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
