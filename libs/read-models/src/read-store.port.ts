/**
 * Where read models live: documents keyed by id in named collections, each document
 * carrying the global position of the last event applied to it, plus one checkpoint per
 * projection generation.
 *
 * Guarantees every adapter keeps (checked by testing/read-store.contract.ts):
 * - Position guard: a write of a document is applied only if its position is greater than
 *   the stored one, so a redelivered or replayed event never changes a document twice, even
 *   when two writers race.
 * - commit() applies its document writes, then records the checkpoints. SQLite does both in
 *   one transaction; MongoDB writes documents first (guarded), then checkpoints: a crash in
 *   between replays events that the guard then ignores.
 * - Reads see only committed writes; a document read is never half-written.
 * - Collections are isolated per projection generation: a rebuild writes a new generation
 *   beside the live one, and activate() swaps it in atomically for readers.
 */
export interface ReadStore {
  get<T extends StoredDocument>(collection: string, id: string): Promise<T | undefined>;
  getMany<T extends StoredDocument>(
    collection: string,
    ids: readonly string[],
  ): Promise<Map<string, T>>;
  /** Documents in id order, optionally filtered by equality on indexed fields. */
  find<T extends StoredDocument>(collection: string, query: FindQuery): Promise<T[]>;
  /** Every document of a collection in id order, in pages (for analytics and verification). */
  scan<T extends StoredDocument>(collection: string, pageSize?: number): AsyncIterable<T[]>;
  count(collection: string): Promise<number>;
  /**
   * Documents whose indexed field `orderBy` lies in [from, to), ordered by that field then id
   * (ascending, or descending), from after a cursor: one index range, whatever the size of
   * the collection. Documents without the field (null or missing) are in no range.
   */
  findRange<T extends StoredDocument>(collection: string, query: RangeQuery): Promise<T[]>;
  /** How many documents findRange would return without cursor and limit (an index count). */
  countRange(collection: string, query: RangeBounds): Promise<number>;

  commit(batch: CommitBatch): Promise<void>;
  /** Creates the collection (and its indexes) if missing. */
  ensureCollection(collection: string, indexes: readonly string[]): Promise<void>;
  dropCollection(collection: string): Promise<void>;

  /** The state of every generation of every projection. */
  projectionStates(): Promise<ProjectionState[]>;
  saveProjectionState(state: ProjectionState): Promise<void>;
  deleteProjectionState(projection: string, generation: number): Promise<void>;
  /** Makes `generation` the one readers see, in one atomic step. */
  activate(projection: string, generation: number): Promise<void>;
  close(): Promise<void>;
}

/** Every stored document has an id and the position of the last event applied to it. */
export interface StoredDocument {
  id: string;
  position: number;
}

export interface FindQuery {
  where?: Record<string, string | number | boolean | null>;
  /** Only ids in this set (used with filters computed outside the store). */
  ids?: readonly string[];
  /** Exclusive lower bound on id: the pagination cursor. */
  afterId?: string;
  limit: number;
}

/**
 * An ordered range over one indexed field. Keep one type (string or number) per field: stores
 * order values of different types differently. A compound order (owner, then due date) is one
 * field whose string value joins the parts (see rangeKey).
 */
export interface RangeBounds {
  /** The indexed field the range is on. */
  orderBy: string;
  /** Inclusive lower bound. */
  from?: string | number;
  /** Exclusive upper bound. */
  to?: string | number;
  /** Equality on other indexed fields, applied within the range. */
  where?: Record<string, string | number | boolean | null>;
}

export interface RangeQuery extends RangeBounds {
  /** 'asc' (default): smallest first; 'desc': largest first. Ties in id order (the same way). */
  direction?: 'asc' | 'desc';
  /** The pagination cursor: only documents strictly after this one in the order asked. */
  after?: RangeCursor;
  limit: number;
}

/** A position in a range: the last document of the previous page's field value and id. */
export interface RangeCursor {
  value: string | number;
  id: string;
}

/**
 * A string whose order is the order of its parts, for a compound range field: each part but
 * the last is URI-encoded (so it holds no "|"), then joined with "|". All documents of
 * `prefix` parts lie in [rangeKey(...prefix, ''), rangeKey(...prefix, '~')) when the last part
 * is an ISO time or plain id (characters below "~").
 */
export function rangeKey(...parts: string[]): string {
  return parts.map((part, i) => (i < parts.length - 1 ? encodeURIComponent(part) : part)).join('|');
}

/** Documents are only ever upserted: an erased client stays, marked erased. */
export interface DocumentWrite {
  collection: string;
  document: StoredDocument;
  /**
   * The document at this id never changes once written (a write-once projection such as the
   * audit trail): stores insert it and ignore the write if the id exists (a replay), with no
   * position comparison. The result is the guarded upsert's, at less cost.
   */
  once?: boolean;
  /**
   * A row derived again from the same document at a later time (a time-dependent score):
   * applied when its position is at or above the stored one, so it replaces a row of the
   * same document but never one derived from a newer document.
   */
  refresh?: boolean;
}

export interface CommitBatch {
  writes: DocumentWrite[];
  /** projection checkpoints to record after the writes: key `${projection}#${generation}` */
  checkpoints: CheckpointUpdate[];
}

export interface CheckpointUpdate {
  projection: string;
  generation: number;
  position: number;
  /** Time the event at `position` was recorded (for lag in seconds). */
  recordedAt?: string;
}

export interface ProjectionState {
  projection: string;
  generation: number;
  /** The definition's version the generation was built with. */
  version: number;
  position: number;
  lastRecordedAt?: string;
  /** paused: a cancelled rebuild, resumed by starting it again. */
  status: 'live' | 'rebuilding' | 'paused' | 'retired' | 'failed';
  active: boolean;
  updatedAt: string;
  error?: string;
}

export const READ_STORE = Symbol('READ_STORE');

/** Physical collection of one generation of a projection's logical collection. */
export const physicalCollection = (collection: string, generation: number) =>
  `${collection}__g${generation}`;
