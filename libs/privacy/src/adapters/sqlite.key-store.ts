import Database from 'better-sqlite3';
import type { KeyReplacement, KeyStore, StoredKey } from '../key-store.port';

interface PendingInsert {
  customerId: string;
  wrappedKey: string;
  resolve: (stored: string) => void;
  reject: (error: unknown) => void;
}

/**
 * Wrapped data keys in their own SQLite file, apart from the events: destroying a key must be
 * possible while the event log stays append-only. Keys created in the same tick are written in
 * one transaction (one fsync), as new leads arrive in bursts. secure_delete overwrites a
 * destroyed key's bytes, and the write-ahead log is checkpointed and truncated right after,
 * so no copy of it stays in the WAL file.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string], { wrapped_key: string }>;
  private readonly insert: Database.Statement<[string, string]>;
  private readonly remove: Database.Statement<[string]>;
  private readonly page: Database.Statement<
    [string, number],
    { customer_id: string; wrapped_key: string }
  >;
  private readonly replaceAll: Database.Transaction<
    (replacements: readonly KeyReplacement[]) => boolean[]
  >;
  private readonly insertAll: Database.Transaction<(batch: PendingInsert[]) => void>;
  private queue: PendingInsert[] = [];

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
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
    this.page = this.db.prepare(
      'SELECT customer_id, wrapped_key FROM customer_keys WHERE customer_id > ? ORDER BY customer_id LIMIT ?',
    );
    const update = this.db.prepare<[string, string, string]>(
      'UPDATE customer_keys SET wrapped_key = ? WHERE customer_id = ? AND wrapped_key = ?',
    );
    this.replaceAll = this.db.transaction((replacements: readonly KeyReplacement[]) =>
      replacements.map((r) => update.run(r.wrappedKey, r.customerId, r.expected).changes > 0),
    );
    this.insertAll = this.db.transaction((batch: PendingInsert[]) => {
      for (const pending of batch) this.insert.run(pending.customerId, pending.wrappedKey);
    });
  }

  async load(customerId: string): Promise<string | undefined> {
    return this.select.get(customerId)?.wrapped_key;
  }

  insertIfAbsent(customerId: string, wrappedKey: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({ customerId, wrappedKey, resolve, reject });
    });
  }

  async delete(customerId: string): Promise<boolean> {
    const deleted = this.remove.run(customerId).changes > 0;
    if (deleted) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return deleted;
  }

  async list({ after, limit }: { after?: string; limit: number }): Promise<StoredKey[]> {
    return this.page
      .all(after ?? '', limit)
      .map((row) => ({ customerId: row.customer_id, wrappedKey: row.wrapped_key }));
  }

  async replace(replacements: readonly KeyReplacement[]): Promise<boolean[]> {
    const replaced = this.replaceAll(replacements);
    // secure_delete overwrote the old values in the file; this drops the WAL's copies.
    if (replaced.some(Boolean)) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return replaced;
  }

  async close(): Promise<void> {
    this.flush();
    if (this.db.open) this.db.close();
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      this.insertAll(batch);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    for (const pending of batch) pending.resolve(this.select.get(pending.customerId)!.wrapped_key);
  }
}
