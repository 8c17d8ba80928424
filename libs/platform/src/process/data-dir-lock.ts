import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: { pid: number; owner: string; since: string },
  ) {
    super(
      `the data dir ${dataDir} is in use by ${holder.owner} (pid ${holder.pid}, since ${holder.since}); ` +
        'stop it first, or ask it over HTTP',
    );
    this.name = 'DataDirLockedError';
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One writer process per embedded data dir: a second API (or an offline CLI rebuild) fails
 * clearly instead of two projectors fighting over the same files. A lock left by a process
 * that died is taken over.
 */
export function lockDataDir(dataDir: string, owner: string): () => void {
  const file = join(dataDir, '.lock');
  const content = JSON.stringify({ pid: process.pid, owner, since: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, content, { flag: 'wx', mode: 0o600 });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        try {
          const holder = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
          if (holder.pid === process.pid) rmSync(file, { force: true });
        } catch {
          // Already gone.
        }
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: { pid: number; owner: string; since: string };
      try {
        holder = JSON.parse(readFileSync(file, 'utf8')) as typeof holder;
      } catch {
        holder = { pid: 0, owner: 'unknown', since: 'unknown' };
      }
      if (holder.pid === process.pid || (holder.pid > 0 && alive(holder.pid))) {
        throw new DataDirLockedError(dataDir, holder);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}
