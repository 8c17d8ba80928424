import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BackgroundCheckpointer } from './sqlite-checkpointer';

describe('the background checkpointer', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rapport-checkpointer-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports itself lost, once, when it cannot checkpoint, so that the writer takes over', async () => {
    const file = join(dir, 'events.db');
    writeFileSync(file, 'not an SQLite file at all, so no checkpoint can run on it');
    const reasons: string[] = [];
    let checkpointer!: BackgroundCheckpointer;
    await new Promise<void>((lost) => {
      checkpointer = new BackgroundCheckpointer(file, 10, (reason) => {
        reasons.push(reason);
        lost();
      });
    });
    await checkpointer.stop();
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/not a database/);
  });

  it('reports nothing when it is stopped, and leaves the file as SQLite wrote it', async () => {
    const file = join(dir, 'events.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x)');
    const reasons: string[] = [];
    const checkpointer = new BackgroundCheckpointer(file, 10, (reason) => reasons.push(reason));
    db.prepare('INSERT INTO t VALUES (1)').run();
    await checkpointer.stop();
    expect(reasons).toEqual([]);
    expect(db.prepare('SELECT x FROM t').all()).toEqual([{ x: 1 }]);
    db.close();
  });
});
