// The Rapport API in a child process, over real HTTP on 127.0.0.1, for tests that need to kill
// it (SIGKILL), restart it on the same data dir, or talk to it through real sockets.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { join, resolve } from 'node:path';
import { BENCH_TOKENS } from '../../../bench/support/api-server';

export const REPO_ROOT = resolve(__dirname, '../../..');

/** The master key bench/support/api-server.ts configures (the CLI needs it to read the dir). */
export const CHILD_MASTER_KEY = Buffer.alloc(32, 5).toString('base64');

/** A JWT secret to pass in the child's environment, so tests can mint tokens for any role. */
export const CHILD_JWT_SECRET = 'reliability-jwt-secret-at-least-32-characters-long';

export { BENCH_TOKENS };

export interface ChildApi {
  url: string;
  pid: number;
  process: ChildProcess;
  /** Everything the child wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** SIGKILL: a crash. Resolves once the process is gone. */
  kill9(): Promise<void>;
  /**
   * SIGTERM: graceful shutdown (Nest's shutdown hooks close the app, then re-raise the signal).
   * Resolves once the process is gone; `graceful` is false if it had to be SIGKILLed.
   */
  stop(timeoutMs?: number): Promise<{ graceful: boolean; code: number | null }>;
  /** True once the process has exited. */
  readonly exited: boolean;
}

export interface StartOptions {
  /** Extra environment (e.g. CRM_JWT_SECRET, CRM_RATE_LIMIT_PER_MINUTE, CRM_SQLITE_SYNCHRONOUS). */
  env?: Record<string, string>;
  /** 'bench': bench/support/api-server.ts (BENCH_TOKENS); 'main': apps/api/src/main.ts. */
  entry?: 'bench' | 'main';
  timeoutMs?: number;
  spawn?: Pick<SpawnOptions, 'uid' | 'gid'>;
  /** The checkout to run from (default: this one); see unprivileged-checkout.ts. */
  root?: string;
}

const running = new Set<ChildProcess>();

/** Kills every child started by this module that is still running (afterAll / on failure). */
export async function killAllChildren(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGKILL');
        }),
    ),
  );
}

export interface ExitedChild {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns node (with the TypeScript loader) on a repo file; the caller decides what to await. */
export function spawnNode(
  script: string,
  args: string[],
  options: StartOptions = {},
): { child: ChildProcess; output: { stdout: string; stderr: string }; exit: Promise<ExitedChild> } {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', script, ...args], {
    cwd: options.root ?? REPO_ROOT,
    env: { ...cleanEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options.spawn,
  });
  running.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exit = new Promise<ExitedChild>((done) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      // Let the pipes drain what was written just before the exit.
      setImmediate(() => done({ code, signal, ...output }));
    }),
  );
  return { child, output, exit };
}

/**
 * Starts the API on `dataDir` in a child process and resolves once it listens. With the
 * 'bench' entry the tokens are BENCH_TOKENS; with 'main' the environment configures everything.
 */
export async function startChildApi(
  dataDir: string,
  options: StartOptions = {},
): Promise<ChildApi> {
  const entry = options.entry ?? 'bench';
  const root = options.root ?? REPO_ROOT;
  const script =
    entry === 'bench'
      ? join(root, 'bench/support/api-server.ts')
      : join(root, 'apps/api/src/main.ts');
  // Tests here compare the log with the commands they sent: no checkpoint is sealed into it
  // unless a test asks for one.
  const noSealing = { CRM_AUDIT_SEAL_EVERY_EVENTS: '0', CRM_AUDIT_SEAL_EVERY_MINUTES: '0' };
  const env: Record<string, string> =
    entry === 'bench'
      ? { LOG_LEVEL: 'warn', ...noSealing, ...options.env }
      : {
          CRM_DATA_DIR: dataDir,
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          CRM_MASTER_KEY: CHILD_MASTER_KEY,
          ...noSealing,
          ...options.env,
        };
  const { child, output, exit } = spawnNode(script, entry === 'bench' ? [dataDir] : [], {
    ...options,
    env,
  });
  let exited = false;
  void exit.then(() => (exited = true));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `the API did not start within ${options.timeoutMs ?? 30_000} ms:\n${output.stderr}`,
        ),
      );
    }, options.timeoutMs ?? 30_000);
    const onData = () => {
      const found = /(?:^|"url":")(http:\/\/127\.0\.0\.1:\d+)/m.exec(output.stdout);
      if (found) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolveUrl(found[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exit.then((result) => {
      clearTimeout(timer);
      reject(
        new Error(
          `the API exited (code ${result.code}, signal ${result.signal}) before listening:\n${result.stderr}`,
        ),
      );
    });
  });
  return {
    url,
    pid: child.pid!,
    process: child,
    stderr: () => output.stderr,
    get exited() {
      return exited;
    },
    kill9: async () => {
      if (exited) return;
      child.kill('SIGKILL');
      await exit;
    },
    stop: async (timeoutMs = 15_000) => {
      if (exited) return { graceful: false, code: child.exitCode };
      child.kill('SIGTERM');
      let forced = false;
      const timer = setTimeout(() => {
        forced = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      const result = await exit;
      clearTimeout(timer);
      const graceful = !forced && (result.code === 0 || result.signal === 'SIGTERM');
      return { graceful, code: result.code };
    },
  };
}

/** The parent's environment without any Rapport configuration that could leak into a child. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('CRM_') && name !== 'PORT' && name !== 'HOST') env[name] = value;
  }
  return env;
}
