// What the distributed projector wrote, and what a clean rebuild of the same log writes: the
// two must be equal after any fault.
import { MongoClient } from 'mongodb';
import {
  documentCollection,
  liveTargets,
  PROJECTIONS,
  ProjectionRunner,
  type ReadStore,
  type StoredDocument,
} from '@rapport/read-models';
import { MongoReadStore } from '@rapport/read-models/adapters';
import type { Distributed } from './distributed-harness';

export async function documents(store: ReadStore, collection: string): Promise<StoredDocument[]> {
  const all: StoredDocument[] = [];
  for await (const page of store.scan(collection)) all.push(...page);
  return all;
}

/** Every document of every live projection, as the projector wrote them. */
export async function snapshot(d: Distributed): Promise<Record<string, StoredDocument[]>> {
  const client = await MongoClient.connect(d.mongoUrl);
  try {
    const store = new MongoReadStore(client, d.database);
    const result: Record<string, StoredDocument[]> = {};
    for (const target of await liveTargets(store, PROJECTIONS))
      result[target.projection.name] = await documents(store, documentCollection(target));
    return result;
  } finally {
    await client.close();
  }
}

/** The same log projected from scratch into a fresh database: what the figures must equal. */
export async function cleanRebuild(d: Distributed): Promise<Record<string, StoredDocument[]>> {
  const client = await MongoClient.connect(d.mongoUrl);
  const database = `${d.database}_rebuild`;
  try {
    const store = new MongoReadStore(client, database);
    const targets = await liveTargets(store, PROJECTIONS);
    await new ProjectionRunner(d.api.eventStore, store, targets, {
      until: await d.api.eventStore.headPosition(),
    }).run();
    const result: Record<string, StoredDocument[]> = {};
    for (const target of targets)
      result[target.projection.name] = await documents(store, documentCollection(target));
    return result;
  } finally {
    await client.db(database).dropDatabase();
    await client.close();
  }
}
