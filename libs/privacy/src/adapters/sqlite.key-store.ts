import Database from 'better-sqlite3';
import type { KeyStore } from '../key-store.port';

/**
 * Wrapped data keys in their own SQLite file, apart from the events: destroying a key must
 * be possible while the event log stays append-only. secure_delete overwrites a deleted
 * key's bytes, and the rollback journal (not WAL) keeps no copy of it after the commit.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string], { wrapped_key: string }>;
  private readonly insert: Database.Statement<[string, string]>;
  private readonly remove: Database.Statement<[string]>;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = DELETE');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('secure_delete = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS customer_keys (customer_id TEXT PRIMARY KEY, wrapped_key TEXT NOT NULL)',
    );
    this.select = this.db.prepare('SELECT wrapped_key FROM customer_keys WHERE customer_id = ?');
    this.insert = this.db.prepare(
      'INSERT INTO customer_keys (customer_id, wrapped_key) VALUES (?, ?) ON CONFLICT DO NOTHING',
    );
    this.remove = this.db.prepare('DELETE FROM customer_keys WHERE customer_id = ?');
  }

  async load(customerId: string): Promise<string | undefined> {
    return this.select.get(customerId)?.wrapped_key;
  }

  async insertIfAbsent(customerId: string, wrappedKey: string): Promise<string> {
    this.insert.run(customerId, wrappedKey);
    return this.select.get(customerId)!.wrapped_key;
  }

  async delete(customerId: string): Promise<boolean> {
    return this.remove.run(customerId).changes > 0;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
