import { execSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Row {
  [column: string]: string | number;
}

const RESULTS = join(__dirname, '..', 'RESULTS.md');

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

export function commit(): string {
  try {
    const sha = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const dirty = execSync('git status --porcelain', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

export function table(rows: Row[]): string {
  if (rows.length === 0) return '(no rows)';
  const columns = Object.keys(rows[0]!);
  const format = (value: string | number) =>
    typeof value === 'number'
      ? Number.isInteger(value)
        ? value.toLocaleString('en-US')
        : value.toFixed(2)
      : value;
  const lines = [
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${columns.map((c) => format(row[c] ?? '')).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** Prints the table and appends a dated section to bench/RESULTS.md. */
export function report(title: string, command: string, rows: Row[], notes: string[] = []): void {
  const body = table(rows);
  const peakRss = `${Math.round(process.resourceUsage().maxRSS / 1024)} MiB peak`;
  console.log(`\n${title}\n\n${body}\n`);
  for (const note of notes) console.log(`- ${note}`);
  if (process.argv.includes('--no-record')) return;
  if (!existsSync(RESULTS))
    writeFileSync(
      RESULTS,
      '# Benchmark results\n\nNewest last. Produced by `npm run bench -- <name>`; see README.md.\n',
    );
  const section = [
    '',
    `## ${title}`,
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: ${machine()}`,
    `- commit: ${commit()}`,
    `- command: \`${command}\``,
    `- process RSS: ${peakRss}`,
    ...notes.map((n) => `- ${n}`),
    '',
    body,
    '',
  ].join('\n');
  appendFileSync(RESULTS, section);
}

/**
 * The q-quantile of ascending values by nearest rank: the smallest value at or below which a
 * share q of them lie (p99 of 100 values is the second largest, not the largest).
 */
export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

/** A numeric flag: positive, or also 0 when `zero` says it means something (e.g. no load). */
export function argument(name: string, fallback: number, { zero = false } = {}): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zero))
    throw new Error(`--${name} needs a ${zero ? 'non-negative' : 'positive'} number`);
  return value;
}

export function textArgument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return undefined;
  const value = process.argv[index + 1];
  if (!value || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}
