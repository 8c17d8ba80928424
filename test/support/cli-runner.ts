import { runCli } from '../../apps/cli/src/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

/**
 * Runs the CLI in-process with exactly `env` as its configuration (every CRM_ variable, PORT and
 * HOST of the test process are removed first); returns its exit code and output.
 */
export async function runCliWith(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  const write = process.stdout.write.bind(process.stdout);
  const writeError = process.stderr.write.bind(process.stderr);
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string) => {
    stdout += chunk;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('CRM_') || name === 'PORT' || name === 'HOST') delete process.env[name];
  }
  Object.assign(process.env, { LOG_LEVEL: 'silent', ...env });
  process.exitCode = undefined;
  try {
    const code = await runCli(['node', 'rapport', ...args]);
    let json: unknown;
    try {
      json = JSON.parse(stdout);
    } catch {
      json = undefined;
    }
    return { code, stdout, stderr, json };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeError;
    process.env = saved;
    process.exitCode = undefined;
  }
}
