// Summarises a V8 CPU profile (node --cpu-prof, or BENCH_PROFILE_DIR for the HTTP benchmark):
// self time by function and by file, so a reader sees where a process spends its time.
// Usage: node -r @swc-node/register bench/support/profile-summary.ts <file.cpuprofile> [top]
//        [lastSeconds] (only the end of the profile, e.g. the load after a long start)
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

/** Where a file belongs: a package under node_modules, a project file, or V8/Node itself. */
export function fileGroup(url: string): string {
  if (url === '') return '(native / V8)';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (path.startsWith('node:')) return path;
  const project = /(apps|libs|bench)\/.*$/.exec(path);
  return project ? project[0] : path;
}

/** Self time per function and per file group, largest first. */
export function summarise(
  profile: CpuProfile,
  lastSeconds = Number.POSITIVE_INFINITY,
): { byFunction: SelfTime[]; byFile: SelfTime[] } {
  // Only the last `lastSeconds` of the profile: the load, not the start of the process.
  const span = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0) / 1e6;
  const from = Math.max(0, span - lastSeconds) * 1000;
  let elapsed = 0;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    elapsed += ms;
    if (elapsed < from) return;
    const frame = nodes.get(id)!.callFrame;
    const file = fileGroup(frame.url);
    const fn = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
    files.set(file, (files.get(file) ?? 0) + ms);
    total += ms;
  });
  const ranked = (entries: Map<string, number>) =>
    [...entries]
      .map(([name, ms]) => ({ name, ms, share: total > 0 ? ms / total : 0 }))
      .sort((a, b) => b.ms - a.ms);
  return { byFunction: ranked(functions), byFile: ranked(files) };
}

function main(): void {
  const [file, top = '30', lastSeconds] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const { byFunction, byFile } = summarise(
    JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
    lastSeconds === undefined ? undefined : Number(lastSeconds),
  );
  const print = (title: string, rows: SelfTime[]) => {
    process.stdout.write(`\n${title}\n`);
    for (const row of rows.slice(0, Number(top))) {
      process.stdout.write(
        `${(row.share * 100).toFixed(1).padStart(5)}%  ${row.ms.toFixed(0).padStart(7)} ms  ${row.name}\n`,
      );
    }
  };
  print('self time by file / package', byFile);
  print('self time by function', byFunction);
}

if (require.main === module) main();
