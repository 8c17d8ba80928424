import { runCli } from '../../apps/cli/src/main';

export interface CliRun {
  code: number;
  stdout: string;
  json: any;
}

/** Runs the CLI in-process with `env` added to the environment; returns its exit code and output. */
export async function runCliWith(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  const write = process.stdout.write.bind(process.stdout);
  let stdout = '';
  process.stdout.write = ((chunk: string) => {
    stdout += chunk;
    return true;
  }) as typeof process.stdout.write;
  const saved = { ...process.env };
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
    return { code, stdout, json };
  } finally {
    process.stdout.write = write;
    process.env = saved;
    process.exitCode = undefined;
  }
}
