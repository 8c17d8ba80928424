/**
 * Figures over all documents of a projection, kept current as the documents change, so that
 * a question over every client or deal reads a bounded number of small documents instead of
 * the whole collection.
 *
 * An aggregation says what one document contributes to the figures: named sums (a tally)
 * under one or more aggregate keys (an owner, a cohort month). When the engine changes a
 * document from `before` to `after`, it adds `contribution(after) − contribution(before)` to
 * the aggregate documents. The sums are therefore exactly those over the current documents:
 * an erased client whose documents keep their business facts keeps its share of them.
 */
export interface Aggregation<Doc extends object = object> {
  /** Stable name, part of the collection name and of `verify`'s report. */
  readonly name: string;
  /** Logical collection of the aggregate documents (one generation per projection's). */
  readonly collection: string;
  /** Must be pure and depend on the document only: the engine subtracts it again later. */
  contribution(document: Doc): Contribution;
}

/** Named sums; a sum that reaches 0 is dropped, so a tally stays as small as its figures. */
export type Tally = Record<string, number>;

/** Tallies by aggregate key. */
export type Contribution = ReadonlyMap<string, Tally>;

/**
 * One stored aggregate document: the sums of one key as written by one shard. Ordered paths
 * (the embedded projector, rebuilds) write shard "log"; the Kafka projector writes one shard
 * per partition, so that each shard's events arrive in position order and the position guard
 * still filters replays. A figure is the sum over the shards of its key.
 */
export interface AggregateDocument {
  id: string;
  position: number;
  key: string;
  shard: string;
  sums: Tally;
}

export const aggregateDocumentId = (key: string, shard: string) => `${key}|${shard}`;

/** `into` += sign × `tally`, dropping sums that reach 0. Mutates `into`. */
export function addTally(into: Tally, tally: Tally, sign: 1 | -1 = 1): Tally {
  for (const [name, value] of Object.entries(tally)) {
    const sum = (into[name] ?? 0) + sign * value;
    if (sum === 0) delete into[name];
    else into[name] = sum;
  }
  return into;
}

/** contribution(after) − contribution(before), by key; keys whose difference is nothing are left out. */
export function contributionChange(
  before: Contribution | undefined,
  after: Contribution | undefined,
): Map<string, Tally> {
  const change = new Map<string, Tally>();
  for (const [key, tally] of after ?? []) change.set(key, addTally({}, tally));
  for (const [key, tally] of before ?? []) {
    const sums = change.get(key) ?? {};
    addTally(sums, tally, -1);
    change.set(key, sums);
  }
  for (const [key, sums] of change) if (Object.keys(sums).length === 0) change.delete(key);
  return change;
}

/** Adds one to a named sum of a tally being built. */
export function count(tally: Tally, name: string, by = 1): void {
  if (by !== 0) tally[name] = (tally[name] ?? 0) + by;
}

// Aggregations of different document types run side by side in one engine.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAggregation = Aggregation<any>;
