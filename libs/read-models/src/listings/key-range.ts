import type { ReadStore, StoredDocument } from '../read-store.port';

/** Bounds on one indexed string field whose values sort the list (a listing's sort key). */
export interface KeyRangeQuery {
  field: string;
  /** Inclusive lower bound. */
  from?: string;
  /** Exclusive lower bound: the key of the previous page's last row. */
  after?: string;
  /** Exclusive upper bound. */
  to?: string;
  limit: number;
}

/** Above every document id: a cursor at (key, AFTER_EVERY_ID) skips every row with that key. */
const AFTER_EVERY_ID = '\uffff';

/**
 * Rows whose key lies in the range, in key order (then id), from the field's index: the
 * store's ordered range, with an exclusive lower bound on the key itself.
 */
export async function keyRange<T extends StoredDocument>(
  store: ReadStore,
  collection: string,
  query: KeyRangeQuery,
): Promise<T[]> {
  if (query.limit <= 0) return [];
  return store.findRange<T>(collection, {
    orderBy: query.field,
    ...(query.from !== undefined && { from: query.from }),
    ...(query.to !== undefined && { to: query.to }),
    ...(query.after !== undefined && { after: { value: query.after, id: AFTER_EVERY_ID } }),
    limit: query.limit,
  });
}
