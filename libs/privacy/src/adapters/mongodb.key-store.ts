import { MongoClient, MongoServerError, type Collection } from 'mongodb';
import type { KeyReplacement, KeyStore, StoredKey } from '../key-store.port';

interface KeyRecord {
  _id: string;
  wrappedKey: string;
}

export interface MongoKeyStoreOptions {
  /** Close the client in close(); true when the store opened it (connect()). */
  ownsClient?: boolean;
}

const DUPLICATE_KEY = 11000;

/**
 * Wrapped data keys in MongoDB (the distributed profile), collection `customer_keys`:
 * `{ _id: customerId, wrappedKey }`.
 *
 * What it guarantees:
 * - insertIfAbsent is one atomic upsert with `$setOnInsert` on `_id`: of concurrent inserts
 *   the first wins, the others change nothing and get the stored key back.
 * - Every write waits for a majority of the replica set and the journal, whatever the
 *   client's defaults: a key acknowledged and then lost would make its client's data
 *   unreadable, and an erasure acknowledged and then rolled back would bring the key back.
 * - delete is final for readers: afterwards load returns undefined, also after a restart.
 *
 * Caveat on overwriting: MongoDB offers clients no way to scrub a deleted document's bytes.
 * They stay in freed storage blocks until reused, in the oplog until it rolls over, and in
 * backups. Run MongoDB with encryption at rest and bounded oplog and backup retention if
 * erasure has to reach the disk.
 *
 * The integration tests run against mongo-java-server, which speaks the wire protocol but is
 * not MongoDB (it ignores write concerns, for one).
 *
 * Construct it with a connected client (shared; close() leaves it open unless `ownsClient`)
 * or use connect(url, db), whose store closes its own client.
 */
export class MongoKeyStore implements KeyStore {
  private readonly keys: Collection<KeyRecord>;

  constructor(
    private readonly client: MongoClient,
    dbName: string,
    private readonly options: MongoKeyStoreOptions = {},
  ) {
    this.keys = client
      .db(dbName)
      .collection<KeyRecord>('customer_keys', { writeConcern: { w: 'majority', journal: true } });
  }

  /** Opens a client of its own (closed by close()). */
  static async connect(url: string, dbName: string): Promise<MongoKeyStore> {
    const client = await MongoClient.connect(url);
    return new MongoKeyStore(client, dbName, { ownsClient: true });
  }

  async load(customerId: string): Promise<string | undefined> {
    const found = await this.keys.findOne({ _id: customerId }, { projection: { wrappedKey: 1 } });
    return found?.wrappedKey;
  }

  async insertIfAbsent(customerId: string, wrappedKey: string): Promise<string> {
    // Two concurrent upserts of a new _id can both miss and one then fails with a duplicate
    // key (MongoDB retries that itself since 4.2, not every server does): the other one won,
    // so going again finds its key.
    for (let attempt = 1; ; attempt++) {
      try {
        const stored = await this.keys.findOneAndUpdate(
          { _id: customerId },
          { $setOnInsert: { wrappedKey } },
          { upsert: true, returnDocument: 'after', projection: { wrappedKey: 1 } },
        );
        if (stored) return stored.wrappedKey;
        throw new Error(`no key stored for ${customerId} after an upsert`);
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY) || attempt >= 3)
          throw error;
      }
    }
  }

  async delete(customerId: string): Promise<boolean> {
    const result = await this.keys.deleteOne({ _id: customerId });
    return result.deletedCount > 0;
  }

  async list({ after, limit }: { after?: string; limit: number }): Promise<StoredKey[]> {
    const found = await this.keys
      .find(after === undefined ? {} : { _id: { $gt: after } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return found.map((record) => ({ customerId: record._id, wrappedKey: record.wrappedKey }));
  }

  async replace(replacements: readonly KeyReplacement[]): Promise<boolean[]> {
    // Each one conditional on the value listed: a key erased meanwhile is not brought back.
    return Promise.all(
      replacements.map(async ({ customerId, expected, wrappedKey }) => {
        const result = await this.keys.updateOne(
          { _id: customerId, wrappedKey: expected },
          { $set: { wrappedKey } },
        );
        return result.modifiedCount > 0;
      }),
    );
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) await this.client.close();
  }
}
