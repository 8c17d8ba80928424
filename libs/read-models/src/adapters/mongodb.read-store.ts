import {
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Filter,
  type WithoutId,
} from 'mongodb';
import type {
  CheckpointUpdate,
  CommitBatch,
  DocumentWrite,
  FindQuery,
  ProjectionState,
  RangeBounds,
  RangeQuery,
  ReadStore,
  StoredDocument,
} from '../read-store.port';

/** A read-model document as stored: the document itself plus `_id` = its id. */
interface DocumentRecord {
  _id: string;
  id: string;
  position: number;
  [field: string]: unknown;
}

/** One generation's state; `active` is not stored here but derived from ActiveRecord. */
interface StateRecord {
  _id: string;
  projection: string;
  generation: number;
  version: number;
  position: number;
  lastRecordedAt?: string;
  status: ProjectionState['status'];
  updatedAt: string;
  error?: string;
}

/** The one active generation of a projection (`_id` = projection name). */
interface ActiveRecord {
  _id: string;
  generation: number;
  activatedAt: string;
}

/** A read-store collection and the fields it has indexes on (`_id` = collection name). */
interface CollectionRecord {
  _id: string;
  indexes: string[];
}

export interface MongoReadStoreOptions {
  /** Close the client in close(); true when the store opened it (connect()). */
  ownsClient?: boolean;
}

const SAFE_NAME = /^[A-Za-z0-9_-]{1,100}$/;
const SAFE_FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Read-store collection `x` is MongoDB collection `rm_x`, apart from the store's own ones. */
const COLLECTION_PREFIX = 'rm_';
const DUPLICATE_KEY = 11000;
const NAMESPACE_EXISTS = 48;
/** Ids per `$in` query: bounds the command size whatever the batch. */
const IDS_PER_QUERY = 10_000;
/**
 * Documents asked for in a query's first reply (the server still stops at 16 MB). The default
 * is 101, and every further batch costs a getMore round trip.
 */
const MAX_BATCH_SIZE = 10_000;

const stateKey = (projection: string, generation: number) => `${projection}#${generation}`;

/**
 * Read models in MongoDB (the distributed profile): one MongoDB collection `rm_<name>` per
 * read-store collection, each document stored as `{ _id: id, ...document }` and returned as
 * written. Bookkeeping lives beside them: `projection_state` (one document per generation),
 * `projection_active` (one per projection: its active generation) and
 * `read_store_collections` (each collection's indexed fields).
 *
 * What it guarantees, without sessions or transactions:
 * - Position guard: every document write is a replaceOne upsert filtered on
 *   `{ _id, position: { $lt: new } }`, atomic on one document, so a write at or below the
 *   stored position never applies, also between racing writers.
 * - commit(): one unordered bulkWrite per collection (run concurrently), then the checkpoints
 *   in one more bulkWrite, only after every document write succeeded. A crash in between
 *   leaves documents ahead of the checkpoint; the replay that follows is ignored by the guard.
 *   Several writes to one id in a batch are reduced to the newest before writing. A
 *   duplicate-key error (11000) on an upsert means the document exists at or past the
 *   position, or a racing writer inserted it first: those writes get one more bulk of the same
 *   guarded replace without upsert. Any other error fails the commit (checkpoints untouched).
 *   Collections must exist (ensureCollection), as with SQLite, so none lacks its indexes.
 * - Reads see whole documents (single-document writes are atomic), with the client's read
 *   and write concerns (use the defaults: majority writes on a replica set).
 * - activate() is one single-document write to `projection_active`, so every read of the
 *   states sees exactly one active generation per activated projection, never zero or two.
 *
 * The integration tests run against mongo-java-server, which speaks the wire protocol but is
 * not MongoDB: its locking, duplicate-key races, counts and durability differ. The adapter
 * uses nothing that only one of them supports (no sessions, no pipeline updates).
 *
 * Construct it with a connected client (shared; close() leaves it open unless `ownsClient`)
 * or use connect(url, db), whose store closes its own client.
 */
export class MongoReadStore implements ReadStore {
  private readonly db: Db;
  private readonly states: Collection<StateRecord>;
  private readonly actives: Collection<ActiveRecord>;
  private readonly registry: Collection<CollectionRecord>;
  /** Indexed fields per collection, as last read from or written to the registry. */
  private readonly known = new Map<string, readonly string[]>();

  constructor(
    private readonly client: MongoClient,
    dbName: string,
    private readonly options: MongoReadStoreOptions = {},
  ) {
    // ignoreUndefined: a field set to undefined is left out, as JSON (the SQLite store) does,
    // instead of coming back as null.
    this.db = client.db(dbName, { ignoreUndefined: true });
    this.states = this.db.collection<StateRecord>('projection_state');
    this.actives = this.db.collection<ActiveRecord>('projection_active');
    this.registry = this.db.collection<CollectionRecord>('read_store_collections');
  }

  /** Opens a client of its own (closed by close()). */
  static async connect(url: string, dbName: string): Promise<MongoReadStore> {
    const client = await MongoClient.connect(url);
    return new MongoReadStore(client, dbName, { ownsClient: true });
  }

  async get<T extends StoredDocument>(collection: string, id: string): Promise<T | undefined> {
    const found = await this.documents(collection).findOne({ _id: id }, { projection: { _id: 0 } });
    return found ? (found as unknown as T) : undefined;
  }

  async getMany<T extends StoredDocument>(
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, T>> {
    const result = new Map<string, T>();
    const unique = [...new Set(ids)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += IDS_PER_QUERY)
      chunks.push(unique.slice(i, i + IDS_PER_QUERY));
    const pages = await Promise.all(
      chunks.map((chunk) =>
        this.documents(collection)
          .find({ _id: { $in: chunk } }, { projection: { _id: 0 }, batchSize: chunk.length })
          .toArray(),
      ),
    );
    for (const page of pages) for (const doc of page) result.set(doc.id, doc as unknown as T);
    return result;
  }

  async find<T extends StoredDocument>(collection: string, query: FindQuery): Promise<T[]> {
    // MongoDB reads limit 0 as "no limit".
    if (query.limit <= 0) return [];
    const fields = await this.indexesOf(collection);
    if (!fields) return [];
    const filter: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(query.where ?? {})) {
      if (!fields.includes(name) && !(await this.indexesOf(collection, true))?.includes(name)) {
        throw new Error(`${collection} has no index on ${name}`);
      }
      // { field: null } also matches a missing field, like the SQLite store's NULL column.
      filter[name] = value;
    }
    const id: Record<string, unknown> = {};
    if (query.ids) id.$in = [...query.ids];
    if (query.afterId !== undefined) id.$gt = query.afterId;
    if (Object.keys(id).length > 0) filter._id = id;
    const rows = await this.documents(collection)
      .find(filter as Filter<DocumentRecord>, {
        projection: { _id: 0 },
        sort: { _id: 1 },
        limit: query.limit,
        batchSize: Math.min(query.limit, MAX_BATCH_SIZE),
      })
      .toArray();
    return rows as unknown as T[];
  }

  async findRange<T extends StoredDocument>(collection: string, query: RangeQuery): Promise<T[]> {
    if (query.limit <= 0) return [];
    const range = await this.rangeFilter(collection, query);
    if (!range) return [];
    const desc = query.direction === 'desc';
    if (query.after) {
      const beyond = desc ? '$lt' : '$gt';
      range.$and.push({
        $or: [
          { [query.orderBy]: { [beyond]: query.after.value } },
          { [query.orderBy]: query.after.value, _id: { [beyond]: query.after.id } },
        ],
      });
    }
    const order = desc ? -1 : 1;
    const rows = await this.documents(collection)
      .find(range as Filter<DocumentRecord>, {
        projection: { _id: 0 },
        sort: { [query.orderBy]: order, _id: order },
        limit: query.limit,
        batchSize: Math.min(query.limit, MAX_BATCH_SIZE),
      })
      .toArray();
    return rows as unknown as T[];
  }

  async countRange(collection: string, query: RangeBounds): Promise<number> {
    const range = await this.rangeFilter(collection, query);
    if (!range) return 0;
    return this.documents(collection).countDocuments(range as Filter<DocumentRecord>);
  }

  async *scan<T extends StoredDocument>(collection: string, pageSize = 1000): AsyncIterable<T[]> {
    let after: string | undefined;
    for (;;) {
      const page = await this.documents(collection)
        .find(after === undefined ? {} : { _id: { $gt: after } }, {
          projection: { _id: 0 },
          sort: { _id: 1 },
          limit: pageSize,
          batchSize: Math.min(pageSize, MAX_BATCH_SIZE),
        })
        .toArray();
      if (page.length === 0) return;
      after = page[page.length - 1]!.id;
      yield page as unknown as T[];
      if (page.length < pageSize) return;
    }
  }

  async count(collection: string): Promise<number> {
    // Exact (not the collection metadata of estimatedDocumentCount, which can drift after an
    // unclean shutdown): the engine decides from count() === 0 that a generation is fresh.
    return this.documents(collection).countDocuments({});
  }

  async commit(batch: CommitBatch): Promise<void> {
    const byCollection = newestWrites(batch.writes);
    await this.requireCollections([...byCollection.keys()]);
    // Collections are written concurrently; wait for all before judging, so that no write is
    // still in flight when commit() rejects.
    const results = await Promise.allSettled(
      [...byCollection].map(([collection, documents]) => this.write(collection, documents)),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // Only now the checkpoints: they must never get ahead of the documents.
    if (batch.checkpoints.length > 0) await this.recordCheckpoints(batch.checkpoints);
  }

  async ensureCollection(collection: string, indexes: readonly string[]): Promise<void> {
    checkName(collection);
    indexes.forEach(checkField);
    if (indexes.length > 0) {
      // Creates the collection too; an index that already exists is left as it is. The id
      // after the field serves find()'s order and cursor from the same index.
      await this.documents(collection).createIndexes(
        indexes.map((field) => ({ key: { [field]: 1, _id: 1 }, name: `${field}_1__id_1` })),
      );
    } else {
      await this.db.createCollection(physical(collection)).catch((error: unknown) => {
        if (!(error instanceof MongoServerError && error.code === NAMESPACE_EXISTS)) throw error;
      });
    }
    // Registered after the indexes exist, so a registered collection always has them.
    const record = await this.registry.findOneAndUpdate(
      { _id: collection },
      { $addToSet: { indexes: { $each: [...indexes] } } },
      { upsert: true, returnDocument: 'after' },
    );
    this.known.set(collection, record?.indexes ?? [...indexes]);
  }

  async dropCollection(collection: string): Promise<void> {
    checkName(collection);
    const name = physical(collection);
    try {
      await this.db.dropCollection(name);
    } catch (error) {
      // Not every server reports "ns not found" with its code (nor filters listCollections):
      // judge by what is there.
      const left = await this.db.listCollections({ name }, { nameOnly: true }).toArray();
      if (left.some((c) => c.name === name)) throw error;
    }
    await this.registry.deleteOne({ _id: collection });
    this.known.delete(collection);
  }

  async projectionStates(): Promise<ProjectionState[]> {
    const [records, actives] = await Promise.all([
      this.states.find({}, { sort: { projection: 1, generation: 1 } }).toArray(),
      this.actives.find({}).toArray(),
    ]);
    const activeOf = new Map(actives.map((a) => [a._id, a.generation]));
    return records.map((record) => toState(record, activeOf.get(record.projection)));
  }

  async saveProjectionState(state: ProjectionState): Promise<void> {
    const key = stateKey(state.projection, state.generation);
    const record: WithoutId<StateRecord> = {
      projection: state.projection,
      generation: state.generation,
      version: state.version,
      position: state.position,
      ...(state.lastRecordedAt !== undefined && { lastRecordedAt: state.lastRecordedAt }),
      status: state.status,
      updatedAt: state.updatedAt,
      ...(state.error !== undefined && { error: state.error }),
    };
    await this.states.replaceOne({ _id: key }, record, { upsert: true });
    // The state first, then the pointer: the active generation always has a state to show.
    if (state.active) {
      await this.point(state.projection, state.generation);
    } else {
      // Saved as inactive while being the active one: no generation is active any more, as
      // with the SQLite store.
      await this.actives.deleteOne({ _id: state.projection, generation: state.generation });
    }
  }

  async deleteProjectionState(projection: string, generation: number): Promise<void> {
    // A pointer left behind would make a later generation of the same number active.
    await this.actives.deleteOne({ _id: projection, generation });
    await this.states.deleteOne({ _id: stateKey(projection, generation) });
  }

  async activate(projection: string, generation: number): Promise<void> {
    const exists = await this.states.findOne(
      { _id: stateKey(projection, generation) },
      { projection: { _id: 1 } },
    );
    if (!exists) throw new Error(`no generation ${generation} of projection ${projection}`);
    // One write of one document: readers see the old generation active or the new one, never
    // both or neither (flags on each state document would need two writes).
    await this.point(projection, generation);
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) await this.client.close();
  }

  private async point(projection: string, generation: number): Promise<void> {
    await this.actives.updateOne(
      { _id: projection },
      { $set: { generation, activatedAt: new Date().toISOString() } },
      { upsert: true },
    );
  }

  /** One collection's newest documents: write-once ones inserted, the others upserted. */
  private async write(collection: string, writes: readonly DocumentWrite[]): Promise<void> {
    const target = this.documents(collection);
    const once = writes.filter((w) => w.once).map((w) => w.document);
    const guarded = writes.filter((w) => !w.once && !w.refresh).map((w) => w.document);
    const refreshed = writes.filter((w) => w.refresh).map((w) => w.document);
    await Promise.all([
      once.length > 0 && this.insertOnce(target, once),
      guarded.length > 0 && this.upsertGuarded(target, guarded, '$lt'),
      refreshed.length > 0 && this.upsertGuarded(target, refreshed, '$lte'),
    ]);
  }

  /** Inserts write-once documents; a duplicate key is a replay of one already stored. */
  private async insertOnce(
    target: Collection<DocumentRecord>,
    documents: readonly StoredDocument[],
  ): Promise<void> {
    try {
      await target.insertMany(
        documents.map((document) => ({ ...document, _id: document.id }) as DocumentRecord),
        { ordered: false },
      );
    } catch (error) {
      if (!duplicateKeyIndexes(error)) throw error;
    }
  }

  /** Guarded upserts (`$lte`: refreshes, see DocumentWrite.refresh): one unordered bulkWrite. */
  private async upsertGuarded(
    target: Collection<DocumentRecord>,
    documents: readonly StoredDocument[],
    guard: '$lt' | '$lte',
  ): Promise<void> {
    // replaceOne, not $set: the stored document becomes exactly the new one, so a field the
    // projection dropped does not linger. The upsert takes _id from the filter's equality.
    const operation = (document: StoredDocument, upsert: boolean) => ({
      replaceOne: {
        filter: { _id: document.id, position: { [guard]: document.position } },
        replacement: document as unknown as WithoutId<DocumentRecord>,
        upsert,
      },
    });
    try {
      await target.bulkWrite(
        documents.map((document) => operation(document, true)),
        { ordered: false },
      );
      return;
    } catch (error) {
      const duplicates = duplicateKeyIndexes(error);
      if (!duplicates) throw error;
      // Duplicate key on an upsert filtered by { _id, position < p }: a document with this id
      // exists but the filter missed it. Either its position is at or past p (the guard did its
      // job), or another writer inserted it between our match and our insert; then our write
      // may be the newer one. The document exists now, so the same guarded replace without
      // upsert settles it: applied if newer, a no-op otherwise, never a duplicate key again.
      await target.bulkWrite(
        duplicates.map((index) => operation(documents[index]!, false)),
        { ordered: false },
      );
    }
  }

  private async recordCheckpoints(checkpoints: readonly CheckpointUpdate[]): Promise<void> {
    const updatedAt = new Date().toISOString();
    const operations: AnyBulkWriteOperation<StateRecord>[] = checkpoints.map((update) => ({
      updateOne: {
        // Only forwards: a replayed batch does not move the checkpoint back.
        filter: {
          _id: stateKey(update.projection, update.generation),
          position: { $lt: update.position },
        },
        update: {
          $set: {
            position: update.position,
            updatedAt,
            ...(update.recordedAt !== undefined && { lastRecordedAt: update.recordedAt }),
          },
        },
      },
    }));
    const result = await this.states.bulkWrite(operations, { ordered: false });
    if (result.matchedCount === checkpoints.length) return;
    // Some did not move: already further, or no such generation (an error, as in SQLite).
    const keys = checkpoints.map((c) => stateKey(c.projection, c.generation));
    const existing = new Set(
      (await this.states.find({ _id: { $in: keys } }, { projection: { _id: 1 } }).toArray()).map(
        (s) => s._id,
      ),
    );
    const missing = checkpoints.find((c) => !existing.has(stateKey(c.projection, c.generation)));
    if (missing) {
      throw new Error(
        `no state for projection ${missing.projection} generation ${missing.generation}`,
      );
    }
  }

  /** Writing to a collection that was never ensured would create it without its indexes. */
  private async requireCollections(collections: readonly string[]): Promise<void> {
    const unknown = collections.filter((c) => !this.known.has(c));
    if (unknown.length === 0) return;
    unknown.forEach(checkName);
    // Another process (the projector) may have created them since: one query for all.
    for (const record of await this.registry.find({ _id: { $in: unknown } }).toArray())
      this.known.set(record._id, record.indexes);
    const missing = unknown.find((c) => !this.known.has(c));
    if (missing !== undefined) throw new Error(`collection ${missing} does not exist`);
  }

  /** The filter of a range, or undefined if the collection does not exist (yet). */
  private async rangeFilter(
    collection: string,
    query: RangeBounds,
  ): Promise<{ $and: Record<string, unknown>[] } | undefined> {
    const fields = await this.indexesOf(collection);
    if (!fields) return undefined;
    for (const name of [query.orderBy, ...Object.keys(query.where ?? {})]) {
      if (!fields.includes(name) && !(await this.indexesOf(collection, true))?.includes(name)) {
        throw new Error(`${collection} has no index on ${name}`);
      }
    }
    const bounds: Record<string, unknown> = { $ne: null };
    if (query.from !== undefined) bounds.$gte = query.from;
    if (query.to !== undefined) bounds.$lt = query.to;
    const where = Object.entries(query.where ?? {}).map(([name, value]) => ({ [name]: value }));
    return { $and: [{ [query.orderBy]: bounds }, ...where] };
  }

  /** The collection's indexed fields, or undefined if it does not exist (yet). */
  private async indexesOf(
    collection: string,
    fresh = false,
  ): Promise<readonly string[] | undefined> {
    const cached = this.known.get(collection);
    if (cached && !fresh) return cached;
    const record = await this.registry.findOne({ _id: collection });
    if (!record) {
      this.known.delete(collection);
      return undefined;
    }
    this.known.set(collection, record.indexes);
    return record.indexes;
  }

  private documents(collection: string): Collection<DocumentRecord> {
    return this.db.collection<DocumentRecord>(physical(collection));
  }
}

function physical(collection: string): string {
  checkName(collection);
  return `${COLLECTION_PREFIX}${collection}`;
}

function checkName(collection: string): void {
  if (!SAFE_NAME.test(collection)) throw new Error(`invalid collection name ${collection}`);
}

function checkField(field: string): void {
  if (!SAFE_FIELD.test(field)) throw new Error(`invalid field name ${field}`);
}

/**
 * Per collection, the newest write of each id, in id order. An unordered bulk may run its
 * operations in any order; with one write per id, no write of the batch races another, and
 * each document is written once.
 */
function newestWrites(writes: readonly DocumentWrite[]): Map<string, DocumentWrite[]> {
  const newest = new Map<string, Map<string, DocumentWrite>>();
  for (const write of writes) {
    let documents = newest.get(write.collection);
    if (!documents) newest.set(write.collection, (documents = new Map()));
    const current = documents.get(write.document.id);
    // Ties keep the first, as the SQLite store's guard does.
    if (!current || write.document.position > current.document.position)
      documents.set(write.document.id, write);
  }
  const result = new Map<string, DocumentWrite[]>();
  for (const [collection, documents] of newest) {
    // In key order, the B-tree inserts touch neighbouring pages.
    result.set(
      collection,
      [...documents.values()].sort((a, b) =>
        a.document.id < b.document.id ? -1 : a.document.id > b.document.id ? 1 : 0,
      ),
    );
  }
  return result;
}

/**
 * The operation indexes of a bulk write that failed only on duplicate keys (position guard
 * misses), or undefined if anything else went wrong (then the commit fails).
 */
function duplicateKeyIndexes(error: unknown): number[] | undefined {
  if (!(error instanceof MongoBulkWriteError)) return undefined;
  if (error.result.getWriteConcernError()) return undefined;
  const errors = error.result.getWriteErrors();
  if (errors.length === 0 || errors.some((e) => e.code !== DUPLICATE_KEY)) return undefined;
  return errors.map((e) => e.index);
}

function toState(record: StateRecord, activeGeneration: number | undefined): ProjectionState {
  return {
    projection: record.projection,
    generation: record.generation,
    version: record.version,
    position: record.position,
    ...(record.lastRecordedAt !== undefined && { lastRecordedAt: record.lastRecordedAt }),
    status: record.status,
    active: record.generation === activeGeneration,
    updatedAt: record.updatedAt,
    ...(record.error !== undefined && { error: record.error }),
  };
}
