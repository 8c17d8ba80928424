import type { Collection, MongoClient } from 'mongodb';
import type { CheckpointStore } from '../checkpoint-store.port';

interface CheckpointDocument {
  _id: string;
  position: number;
}

/** Checkpoints in MongoDB (the relay of the distributed profile). Writes wait for the journal. */
export class MongoCheckpointStore implements CheckpointStore {
  private readonly collection: Collection<CheckpointDocument>;

  constructor(
    private readonly client: MongoClient,
    database: string,
    /** Whether close() closes the client too. */
    private readonly ownsClient = false,
  ) {
    this.collection = client.db(database).collection<CheckpointDocument>('checkpoints');
  }

  async load(name: string): Promise<number> {
    return (await this.collection.findOne({ _id: name }))?.position ?? 0;
  }

  async save(name: string, position: number): Promise<void> {
    try {
      await this.collection.updateOne(
        { _id: name, position: { $lt: position } },
        { $set: { position } },
        { upsert: true, writeConcern: { w: 'majority', j: true } },
      );
    } catch (error) {
      // A stored position at or beyond this one: nothing to do (checkpoints only move forward).
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }
}
