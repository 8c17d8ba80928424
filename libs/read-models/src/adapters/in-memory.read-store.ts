import type {
  CommitBatch,
  FindQuery,
  ProjectionState,
  RangeBounds,
  RangeQuery,
  ReadStore,
  StoredDocument,
} from '../read-store.port';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** For tests and replay sandboxes: the same guarantees as the durable stores, in memory. */
export class InMemoryReadStore implements ReadStore {
  private readonly collections = new Map<string, Map<string, StoredDocument>>();
  private readonly states = new Map<string, ProjectionState>();

  async get<T extends StoredDocument>(collection: string, id: string): Promise<T | undefined> {
    const found = this.collections.get(collection)?.get(id);
    return found ? (clone(found) as T) : undefined;
  }

  async getMany<T extends StoredDocument>(
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, T>> {
    const result = new Map<string, T>();
    for (const id of ids) {
      const found = this.collections.get(collection)?.get(id);
      if (found) result.set(id, clone(found) as T);
    }
    return result;
  }

  async find<T extends StoredDocument>(collection: string, query: FindQuery): Promise<T[]> {
    const ids = query.ids ? new Set(query.ids) : undefined;
    return this.sorted(collection)
      .filter(
        (doc) =>
          (query.afterId === undefined || doc.id > query.afterId) && (!ids || ids.has(doc.id)),
      )
      .filter((doc) =>
        Object.entries(query.where ?? {}).every(
          ([field, value]) =>
            ((doc as unknown as Record<string, unknown>)[field] ?? null) === value,
        ),
      )
      .slice(0, query.limit)
      .map((doc) => clone(doc) as T);
  }

  async findRange<T extends StoredDocument>(collection: string, query: RangeQuery): Promise<T[]> {
    const sign = query.direction === 'desc' ? -1 : 1;
    const field = (doc: StoredDocument) => fieldOf(doc, query.orderBy) as string | number;
    const { after } = query;
    return this.inRange(collection, query)
      .sort((a, b) => sign * (compareValues(field(a), field(b)) || compareValues(a.id, b.id)))
      .filter(
        (doc) =>
          !after ||
          sign * (compareValues(field(doc), after.value) || compareValues(doc.id, after.id)) > 0,
      )
      .slice(0, Math.max(0, query.limit))
      .map((doc) => clone(doc) as T);
  }

  async countRange(collection: string, query: RangeBounds): Promise<number> {
    return this.inRange(collection, query).length;
  }

  async *scan<T extends StoredDocument>(collection: string, pageSize = 1000): AsyncIterable<T[]> {
    const all = this.sorted(collection);
    for (let i = 0; i < all.length; i += pageSize)
      yield all.slice(i, i + pageSize).map((d) => clone(d) as T);
  }

  async count(collection: string): Promise<number> {
    return this.collections.get(collection)?.size ?? 0;
  }

  async commit(batch: CommitBatch): Promise<void> {
    for (const write of batch.writes) {
      const documents = this.collection(write.collection);
      const current = documents.get(write.document.id);
      if (
        current &&
        (write.refresh
          ? current.position > write.document.position
          : current.position >= write.document.position)
      )
        continue;
      documents.set(write.document.id, clone(write.document));
    }
    for (const update of batch.checkpoints) {
      const key = `${update.projection}#${update.generation}`;
      const state = this.states.get(key);
      if (!state)
        throw new Error(
          `no state for projection ${update.projection} generation ${update.generation}`,
        );
      if (update.position > state.position) {
        this.states.set(key, {
          ...state,
          position: update.position,
          ...(update.recordedAt !== undefined && { lastRecordedAt: update.recordedAt }),
          updatedAt: new Date().toISOString(),
        });
      }
    }
  }

  async ensureCollection(collection: string): Promise<void> {
    this.collection(collection);
  }

  async dropCollection(collection: string): Promise<void> {
    this.collections.delete(collection);
  }

  async projectionStates(): Promise<ProjectionState[]> {
    return [...this.states.values()].map(clone);
  }

  async saveProjectionState(state: ProjectionState): Promise<void> {
    this.states.set(`${state.projection}#${state.generation}`, clone(state));
  }

  async deleteProjectionState(projection: string, generation: number): Promise<void> {
    this.states.delete(`${projection}#${generation}`);
  }

  async activate(projection: string, generation: number): Promise<void> {
    if (!this.states.has(`${projection}#${generation}`)) {
      throw new Error(`no generation ${generation} of projection ${projection}`);
    }
    for (const [key, state] of this.states) {
      if (state.projection === projection)
        this.states.set(key, { ...state, active: state.generation === generation });
    }
  }

  async close(): Promise<void> {}

  private collection(name: string): Map<string, StoredDocument> {
    let documents = this.collections.get(name);
    if (!documents) this.collections.set(name, (documents = new Map()));
    return documents;
  }

  private inRange(collection: string, query: RangeBounds): StoredDocument[] {
    return [...(this.collections.get(collection)?.values() ?? [])].filter((doc) => {
      const value = fieldOf(doc, query.orderBy);
      if (typeof value !== 'string' && typeof value !== 'number') return false;
      if (query.from !== undefined && compareValues(value, query.from) < 0) return false;
      if (query.to !== undefined && compareValues(value, query.to) >= 0) return false;
      return Object.entries(query.where ?? {}).every(
        ([name, expected]) => (fieldOf(doc, name) ?? null) === expected,
      );
    });
  }

  private sorted(collection: string): StoredDocument[] {
    return [...(this.collections.get(collection)?.values() ?? [])].sort((a, b) =>
      a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
  }
}

const fieldOf = (doc: StoredDocument, field: string): unknown =>
  (doc as unknown as Record<string, unknown>)[field];

/** Numbers before strings, as SQLite and MongoDB order them; strings by code unit. */
function compareValues(a: string | number, b: string | number): number {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
