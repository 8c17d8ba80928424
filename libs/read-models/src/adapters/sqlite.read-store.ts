import Database from 'better-sqlite3';
import type {
  CommitBatch,
  DocumentWrite,
  FindQuery,
  ProjectionState,
  RangeBounds,
  RangeQuery,
  ReadStore,
  StoredDocument,
} from '../read-store.port';

interface StateRow {
  projection: string;
  generation: number;
  version: number;
  position: number;
  last_recorded_at: string | null;
  status: ProjectionState['status'];
  active: number;
  updated_at: string;
  error: string | null;
}

const SAFE_NAME = /^[A-Za-z0-9_-]{1,100}$/;
const SAFE_FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function table(collection: string): string {
  if (!SAFE_NAME.test(collection)) throw new Error(`invalid collection name ${collection}`);
  return `"doc:${collection}"`;
}

function column(field: string): string {
  if (!SAFE_FIELD.test(field)) throw new Error(`invalid field name ${field}`);
  return `"f:${field}"`;
}

/** How a top-level field value is kept in its index column. */
function columnValue(value: unknown): string | number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** A rebuild's page cache: large commits are written once (see the constructor). */
const DEFAULT_CACHE_MIB = 128;

export interface SqliteReadStoreOptions {
  /** SQLite's page cache for this connection, in MiB (default 128, for rebuilds and the CLI). */
  cacheMiB?: number;
}

/**
 * Read models in one SQLite file (WAL): a table per collection with the document as JSON
 * and each queried top-level field copied into an indexed column (written from JavaScript,
 * so SQLite never parses the JSON). commit() is one transaction, so documents and checkpoints
 * never disagree; the position guard is in the upsert itself.
 */
export class SqliteReadStore implements ReadStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** Indexed fields per collection, as recorded in the collections table. */
  private readonly indexes = new Map<string, readonly string[]>();
  private readonly commitTransaction: Database.Transaction<(batch: CommitBatch) => void>;

  constructor(file: string, { cacheMiB = DEFAULT_CACHE_MIB }: SqliteReadStoreOptions = {}) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // Read models can be rebuilt from the log: NORMAL is enough (a crash loses nothing that
    // the projector will not re-apply from its checkpoint, which commits atomically with them).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // Page cache of this connection, in the process's memory; pages it does not hold are read
    // from the OS file cache. A large one keeps big commits (rebuild flushes) from spilling
    // pages to the WAL again and again before they commit; a serving process keeps it small.
    this.db.pragma(`cache_size = -${cacheMiB * 1024}`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS projection_state (
      projection TEXT NOT NULL, generation INTEGER NOT NULL, version INTEGER NOT NULL,
      position INTEGER NOT NULL, last_recorded_at TEXT, status TEXT NOT NULL,
      active INTEGER NOT NULL, updated_at TEXT NOT NULL, error TEXT,
      PRIMARY KEY (projection, generation))`);
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS collections (name TEXT PRIMARY KEY, indexes TEXT NOT NULL)',
    );
    this.commitTransaction = this.db.transaction((batch: CommitBatch) => {
      const byCollection = new Map<string, DocumentWrite[]>();
      for (const write of batch.writes) {
        const writes = byCollection.get(write.collection);
        if (writes) writes.push(write);
        else byCollection.set(write.collection, [write]);
      }
      for (const [collection, writes] of byCollection) {
        // In key order, B-tree inserts touch each page once instead of jumping around.
        writes.sort(byIdAndPosition);
        const upsert = this.upserter(collection, 'guarded');
        const insertOnce = this.upserter(collection, 'once');
        const refresh = this.upserter(collection, 'refresh');
        for (const write of writes)
          (write.once ? insertOnce : write.refresh ? refresh : upsert)(write.document);
      }
      const now = new Date().toISOString();
      for (const update of batch.checkpoints) {
        const changed = this.statement(
          `UPDATE projection_state SET position = ?, last_recorded_at = COALESCE(?, last_recorded_at), updated_at = ?
           WHERE projection = ? AND generation = ? AND position < ?`,
        ).run(
          update.position,
          update.recordedAt ?? null,
          now,
          update.projection,
          update.generation,
          update.position,
        );
        if (changed.changes === 0 && !this.stateRow(update.projection, update.generation)) {
          throw new Error(
            `no state for projection ${update.projection} generation ${update.generation}`,
          );
        }
      }
    });
  }

  async get<T extends StoredDocument>(collection: string, id: string): Promise<T | undefined> {
    if (!this.fieldsOf(collection)) return undefined;
    const row = this.statement(`SELECT body FROM ${table(collection)} WHERE id = ?`).get(id) as
      { body: string } | undefined;
    return row ? (JSON.parse(row.body) as T) : undefined;
  }

  async getMany<T extends StoredDocument>(
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, T>> {
    const result = new Map<string, T>();
    if (ids.length === 0 || !this.fieldsOf(collection)) return result;
    // json_each takes the whole id list as one parameter: no SQL built from data.
    const rows = this.statement(
      `SELECT id, body FROM ${table(collection)} WHERE id IN (SELECT value FROM json_each(?))`,
    ).all(JSON.stringify(ids)) as { id: string; body: string }[];
    for (const row of rows) result.set(row.id, JSON.parse(row.body) as T);
    return result;
  }

  async find<T extends StoredDocument>(collection: string, query: FindQuery): Promise<T[]> {
    const fields = this.fieldsOf(collection);
    if (!fields) return [];
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    for (const [name, value] of Object.entries(query.where ?? {})) {
      if (!fields.includes(name)) throw new Error(`${collection} has no index on ${name}`);
      if (value === null) {
        conditions.push(`${column(name)} IS NULL`);
      } else {
        conditions.push(`${column(name)} = ?`);
        parameters.push(columnValue(value));
      }
    }
    if (query.ids) {
      conditions.push('id IN (SELECT value FROM json_each(?))');
      parameters.push(JSON.stringify(query.ids));
    }
    if (query.afterId !== undefined) {
      conditions.push('id > ?');
      parameters.push(query.afterId);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this.statement(
      `SELECT body FROM ${table(collection)} ${where} ORDER BY id LIMIT ?`,
    ).all(...parameters, query.limit) as { body: string }[];
    return rows.map((row) => JSON.parse(row.body) as T);
  }

  async findRange<T extends StoredDocument>(collection: string, query: RangeQuery): Promise<T[]> {
    const range = this.rangeConditions(collection, query);
    if (!range) return [];
    const { conditions, parameters } = range;
    const field = column(query.orderBy);
    const desc = query.direction === 'desc';
    if (query.after) {
      // A row value, which SQLite bounds the (field, id) index with; the equivalent
      // `field > ? OR (field = ? AND id > ?)` made it walk the index from its start.
      conditions.push(`(${field}, id) ${desc ? '<' : '>'} (?, ?)`);
      parameters.push(query.after.value, query.after.id);
    }
    const order = desc ? 'DESC' : 'ASC';
    const rows = this.statement(
      `SELECT body FROM ${table(collection)} WHERE ${conditions.join(' AND ')} ORDER BY ${field} ${order}, id ${order} LIMIT ?`,
    ).all(...parameters, Math.max(0, query.limit)) as { body: string }[];
    return rows.map((row) => JSON.parse(row.body) as T);
  }

  async countRange(collection: string, query: RangeBounds): Promise<number> {
    const range = this.rangeConditions(collection, query);
    if (!range) return 0;
    return (
      this.statement(
        `SELECT COUNT(*) AS n FROM ${table(collection)} WHERE ${range.conditions.join(' AND ')}`,
      ).get(...range.parameters) as { n: number }
    ).n;
  }

  async *scan<T extends StoredDocument>(collection: string, pageSize = 1000): AsyncIterable<T[]> {
    if (!this.fieldsOf(collection)) return;
    let after = '';
    for (;;) {
      const rows = this.statement(
        `SELECT id, body FROM ${table(collection)} WHERE id > ? ORDER BY id LIMIT ?`,
      ).all(after, pageSize) as { id: string; body: string }[];
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.id;
      yield rows.map((row) => JSON.parse(row.body) as T);
    }
  }

  async count(collection: string): Promise<number> {
    if (!this.fieldsOf(collection)) return 0;
    return (this.statement(`SELECT COUNT(*) AS n FROM ${table(collection)}`).get() as { n: number })
      .n;
  }

  async commit(batch: CommitBatch): Promise<void> {
    this.commitTransaction(batch);
  }

  async ensureCollection(collection: string, indexes: readonly string[]): Promise<void> {
    this.db.transaction(() => {
      const known = this.fieldsOf(collection);
      if (!known) {
        const columns = indexes.map((name) => `, ${column(name)}`).join('');
        this.db.exec(
          `CREATE TABLE ${table(collection)} (id TEXT PRIMARY KEY, position INTEGER NOT NULL, body TEXT NOT NULL${columns})`,
        );
      } else {
        // An index added to an existing collection: a new column, filled from the documents.
        for (const name of indexes.filter((i) => !known.includes(i))) {
          this.db.exec(`ALTER TABLE ${table(collection)} ADD COLUMN ${column(name)}`);
          this.db.exec(
            `UPDATE ${table(collection)} SET ${column(name)} = json_extract(body, '$.${name}')`,
          );
        }
      }
      const all = [...new Set([...(known ?? []), ...indexes])];
      for (const name of all) {
        this.db.exec(
          `CREATE INDEX IF NOT EXISTS "idx:${collection}:${name}" ON ${table(collection)} (${column(name)}, id)`,
        );
      }
      this.statement('INSERT OR REPLACE INTO collections (name, indexes) VALUES (?, ?)').run(
        collection,
        JSON.stringify(all),
      );
      this.indexes.set(collection, all);
    })();
    this.statements.clear();
  }

  async dropCollection(collection: string): Promise<void> {
    this.db.transaction(() => {
      this.db.exec(`DROP TABLE IF EXISTS ${table(collection)}`);
      this.statement('DELETE FROM collections WHERE name = ?').run(collection);
    })();
    this.indexes.delete(collection);
    this.statements.clear();
  }

  async projectionStates(): Promise<ProjectionState[]> {
    const rows = this.statement(
      'SELECT * FROM projection_state ORDER BY projection, generation',
    ).all() as StateRow[];
    return rows.map(toState);
  }

  async saveProjectionState(state: ProjectionState): Promise<void> {
    this.statement(
      `INSERT INTO projection_state (projection, generation, version, position, last_recorded_at, status, active, updated_at, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (projection, generation) DO UPDATE SET version = excluded.version, position = excluded.position,
         last_recorded_at = excluded.last_recorded_at, status = excluded.status, active = excluded.active,
         updated_at = excluded.updated_at, error = excluded.error`,
    ).run(
      state.projection,
      state.generation,
      state.version,
      state.position,
      state.lastRecordedAt ?? null,
      state.status,
      state.active ? 1 : 0,
      state.updatedAt,
      state.error ?? null,
    );
  }

  async deleteProjectionState(projection: string, generation: number): Promise<void> {
    this.statement('DELETE FROM projection_state WHERE projection = ? AND generation = ?').run(
      projection,
      generation,
    );
  }

  async activate(projection: string, generation: number): Promise<void> {
    this.db.transaction(() => {
      if (!this.stateRow(projection, generation)) {
        throw new Error(`no generation ${generation} of projection ${projection}`);
      }
      this.statement(
        'UPDATE projection_state SET active = (generation = ?) WHERE projection = ?',
      ).run(generation, projection);
    })();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /**
   * This connection's page cache, in MiB, changed while open: a projector catching up commits
   * as much as a rebuild flush and gets a rebuild's cache, then gives the pages back (SQLite
   * frees those beyond a smaller limit) once it is live.
   */
  set cacheMiB(cacheMiB: number) {
    this.db.pragma(`cache_size = -${cacheMiB * 1024}`);
  }

  get cacheMiB(): number {
    return -(this.db.pragma('cache_size', { simple: true }) as number) / 1024;
  }

  /**
   * The guarded upsert of one collection (`refresh`: also over a row of the same position;
   * `once`: the insert of write-once documents that leaves an existing id alone): its
   * statement and indexed columns, prepared once.
   */
  private upserter(
    collection: string,
    mode: 'guarded' | 'once' | 'refresh',
  ): (document: StoredDocument) => void {
    const fields = this.fieldsOf(collection);
    if (!fields) throw new Error(`collection ${collection} does not exist`);
    const columns = fields.map(column);
    const statement = this.statement(
      `INSERT INTO ${table(collection)} (id, position, body${columns.map((c) => `, ${c}`).join('')})
       VALUES (?, ?, ?${', ?'.repeat(columns.length)})
       ${
         mode === 'once'
           ? 'ON CONFLICT (id) DO NOTHING'
           : `ON CONFLICT (id) DO UPDATE SET position = excluded.position, body = excluded.body${columns
               .map((c) => `, ${c} = excluded.${c}`)
               .join('')}
       WHERE excluded.position ${mode === 'refresh' ? '>=' : '>'} position`
       }`,
    );
    const values: unknown[] = new Array(3 + fields.length);
    return (document) => {
      values[0] = document.id;
      values[1] = document.position;
      values[2] = JSON.stringify(document);
      for (let i = 0; i < fields.length; i++)
        values[3 + i] = columnValue((document as unknown as Record<string, unknown>)[fields[i]!]);
      statement.run(values);
    };
  }

  /** The WHERE conditions of a range, or undefined if the collection does not exist (yet). */
  private rangeConditions(
    collection: string,
    query: RangeBounds,
  ): { conditions: string[]; parameters: unknown[] } | undefined {
    const fields = this.fieldsOf(collection);
    if (!fields) return undefined;
    for (const name of [query.orderBy, ...Object.keys(query.where ?? {})])
      if (!fields.includes(name)) throw new Error(`${collection} has no index on ${name}`);
    const field = column(query.orderBy);
    const conditions = [`${field} IS NOT NULL`];
    const parameters: unknown[] = [];
    if (query.from !== undefined) {
      conditions.push(`${field} >= ?`);
      parameters.push(query.from);
    }
    if (query.to !== undefined) {
      conditions.push(`${field} < ?`);
      parameters.push(query.to);
    }
    for (const [name, value] of Object.entries(query.where ?? {})) {
      if (value === null) conditions.push(`${column(name)} IS NULL`);
      else {
        conditions.push(`${column(name)} = ?`);
        parameters.push(columnValue(value));
      }
    }
    return { conditions, parameters };
  }

  /** The collection's indexed fields, or undefined if it does not exist (yet). */
  private fieldsOf(collection: string): readonly string[] | undefined {
    const cached = this.indexes.get(collection);
    if (cached) return cached;
    // Another connection (the projector's) may have created it since.
    const row = this.statement('SELECT indexes FROM collections WHERE name = ?').get(collection) as
      { indexes: string } | undefined;
    if (!row) return undefined;
    const fields = JSON.parse(row.indexes) as string[];
    this.indexes.set(collection, fields);
    return fields;
  }

  private stateRow(projection: string, generation: number): StateRow | undefined {
    return this.statement(
      'SELECT * FROM projection_state WHERE projection = ? AND generation = ?',
    ).get(projection, generation) as StateRow | undefined;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

function byIdAndPosition({ document: a }: DocumentWrite, { document: b }: DocumentWrite): number {
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.position - b.position;
}

function toState(row: StateRow): ProjectionState {
  return {
    projection: row.projection,
    generation: row.generation,
    version: row.version,
    position: row.position,
    ...(row.last_recorded_at !== null && { lastRecordedAt: row.last_recorded_at }),
    status: row.status,
    active: row.active === 1,
    updatedAt: row.updated_at,
    ...(row.error !== null && { error: row.error }),
  };
}
