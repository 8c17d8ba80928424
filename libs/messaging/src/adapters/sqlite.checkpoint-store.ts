import Database from 'better-sqlite3';
import type { CheckpointStore } from '../checkpoint-store.port';

/** Checkpoints in a small SQLite file (a relay without MongoDB). */
export class SqliteCheckpointStore implements CheckpointStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)',
    );
  }

  async load(name: string): Promise<number> {
    const row = this.db.prepare('SELECT position FROM checkpoints WHERE name = ?').get(name) as
      { position: number } | undefined;
    return row?.position ?? 0;
  }

  async save(name: string, position: number): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO checkpoints (name, position) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position WHERE excluded.position > position`,
      )
      .run(name, position);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
