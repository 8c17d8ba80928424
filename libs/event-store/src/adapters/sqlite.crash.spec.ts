import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from './sqlite.event-store';

const fixture = join(__dirname, '..', 'testing', 'append-until-killed.fixture.ts');

describe('sqlite event store: a crash mid-append', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-crash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['committing on the calling thread', 'calling-thread'],
    ['committing on a writer thread', 'writer-thread'],
  ])(
    'loses no acknowledged append and leaves no partial batch after kill -9 (%s)',
    async (_how, mode) => {
      const file = join(dir, 'events.db');
      const child = spawn(process.execPath, ['-r', '@swc-node/register', fixture, file, mode], {
        cwd: join(__dirname, '..', '..', '..', '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const acknowledged: string[] = [];
      let buffered = '';
      await new Promise<void>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code) => reject(new Error(`fixture exited early with ${code}`)));
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          for (const line of lines) acknowledged.push(line.replace('acked ', ''));
          // Kill while appends are certainly in flight: the fixture keeps four going at once.
          if (acknowledged.length >= 40) resolve();
        });
      });
      child.removeAllListeners('exit');
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;

      const store = new SqliteEventStore({ file });
      try {
        const head = await store.headPosition();
        const all = await store.readAll({ after: 0, limit: head + 1 });
        expect(all.map((e) => e.position)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
        const perStream = new Map<string, number>();
        for (const event of all)
          perStream.set(event.streamId, (perStream.get(event.streamId) ?? 0) + 1);
        for (const count of perStream.values()) expect(count).toBe(50);
        for (const commandId of acknowledged) {
          expect((await store.findCommand(commandId))?.events).toHaveLength(50);
        }
      } finally {
        await store.close();
      }
    },
  );
});
