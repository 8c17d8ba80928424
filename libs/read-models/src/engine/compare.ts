import { addTally, type AggregateDocument, type Tally } from '../aggregation';
import type { AnyListing } from '../listing';
import type { ReadStore, StoredDocument } from '../read-store.port';
import { readTallies } from './aggregate-reader';

export interface DocumentDifference {
  id: string;
  problem: 'missing' | 'unexpected' | 'different';
  /** Top-level fields whose values differ. */
  fields?: string[];
}

const stable = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );

/**
 * Compares two collections document by document, in id order, streaming both: what `verify`
 * uses to prove that the live read model equals a rebuild from the log.
 */
export async function compareCollections(
  expected: { store: ReadStore; collection: string },
  actual: { store: ReadStore; collection: string },
  limit = 100,
): Promise<{ compared: number; differences: DocumentDifference[] }> {
  const differences: DocumentDifference[] = [];
  const left = expected.store.scan(expected.collection, 1000)[Symbol.asyncIterator]();
  const right = actual.store.scan(actual.collection, 1000)[Symbol.asyncIterator]();
  let leftPage: StoredDocument[] = [];
  let rightPage: StoredDocument[] = [];
  let leftDone = false;
  let rightDone = false;
  let compared = 0;
  const nextLeft = async () => {
    if (leftPage.length === 0 && !leftDone) {
      const step = await left.next();
      if (step.done) leftDone = true;
      else leftPage = step.value;
    }
    return leftPage[0];
  };
  const nextRight = async () => {
    if (rightPage.length === 0 && !rightDone) {
      const step = await right.next();
      if (step.done) rightDone = true;
      else rightPage = step.value;
    }
    return rightPage[0];
  };
  while (differences.length < limit) {
    const a = await nextLeft();
    const b = await nextRight();
    if (!a && !b) break;
    compared++;
    if (a && (!b || a.id < b.id)) {
      differences.push({ id: a.id, problem: 'missing' });
      leftPage.shift();
    } else if (b && (!a || b.id < a.id)) {
      differences.push({ id: b.id, problem: 'unexpected' });
      rightPage.shift();
    } else if (a && b) {
      if (stable(a) !== stable(b)) {
        const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
        const fields = keys.filter(
          (k) =>
            stable((a as unknown as Record<string, unknown>)[k]) !==
            stable((b as unknown as Record<string, unknown>)[k]),
        );
        differences.push({ id: a.id, problem: 'different', fields });
      }
      leftPage.shift();
      rightPage.shift();
    }
  }
  return { compared, differences };
}

/**
 * Compares the figures of two aggregate collections key by key, summed over shards: what
 * `verify` does for aggregations, whose shards differ between a rebuild (one shard) and a
 * partitioned projector (one per partition). Keys with a shard past `position` changed since
 * the checkpoint and are skipped.
 */
export async function compareTallies(
  expected: { store: ReadStore; collection: string },
  actual: { store: ReadStore; collection: string; position: number },
): Promise<{ compared: number; skipped: number; differences: DocumentDifference[] }> {
  const want = await readTallies(expected.store, expected.collection);
  const have = new Map<string, Tally>();
  const moved = new Set<string>();
  for await (const page of actual.store.scan<AggregateDocument>(actual.collection, 1000)) {
    for (const document of page) {
      if (document.position > actual.position) moved.add(document.key);
      let sums = have.get(document.key);
      if (!sums) have.set(document.key, (sums = {}));
      addTally(sums, document.sums);
    }
  }
  const differences: DocumentDifference[] = [];
  let compared = 0;
  const nonEmpty = (sums: Tally | undefined) => sums !== undefined && Object.keys(sums).length > 0;
  for (const key of [...new Set([...want.keys(), ...have.keys()])].sort()) {
    if (moved.has(key)) continue;
    const w = want.get(key);
    const h = have.get(key);
    if (!nonEmpty(w) && !nonEmpty(h)) continue;
    compared++;
    if (!nonEmpty(h)) differences.push({ id: key, problem: 'missing' });
    else if (!nonEmpty(w)) differences.push({ id: key, problem: 'unexpected' });
    else {
      const fields = [...new Set([...Object.keys(w!), ...Object.keys(h!)])]
        .filter((name) => w![name] !== h![name])
        .sort();
      if (fields.length > 0) differences.push({ id: key, problem: 'different', fields });
    }
  }
  return { compared, skipped: moved.size, differences };
}

/**
 * Compares a listing's live rows with the rows of a rebuild derived at `now`, row by row,
 * without the listing's volatile fields (when a row was derived). A live row that changed
 * since the checkpoint, or whose time-dependent fields do not hold at `now` (due for the
 * rankings job, or derived after `now`), is skipped; a rebuilt row without a live one is
 * missing. Streams the live rows a page at a time and looks the rebuilt ones up by id.
 */
export async function compareListingRows(
  expected: { store: ReadStore; collection: string },
  actual: { store: ReadStore; collection: string; position: number },
  listing: Pick<AnyListing, 'volatile'>,
  now: Date,
  limit = 100,
): Promise<{ compared: number; skipped: number; differences: DocumentDifference[] }> {
  const volatile = new Set(listing.volatile ?? []);
  const holdsAt = (row: Record<string, unknown>) =>
    (typeof row.scoredAt !== 'string' || Date.parse(row.scoredAt) <= now.getTime()) &&
    (typeof row.rescoreAt !== 'string' || Date.parse(row.rescoreAt) > now.getTime());
  const differences: DocumentDifference[] = [];
  let compared = 0;
  let skipped = 0;
  let seen = 0;
  for await (const page of actual.store.scan<StoredDocument>(actual.collection, 1000)) {
    const want = await expected.store.getMany<StoredDocument>(
      expected.collection,
      page.map((row) => row.id),
    );
    for (const row of page) {
      const fields = row as unknown as Record<string, unknown>;
      const rebuilt = want.get(row.id);
      if (rebuilt) seen++;
      if (row.position > actual.position || !holdsAt(fields)) {
        skipped++;
        continue;
      }
      compared++;
      if (!rebuilt) {
        differences.push({ id: row.id, problem: 'unexpected' });
        continue;
      }
      const other = rebuilt as unknown as Record<string, unknown>;
      const different = [...new Set([...Object.keys(fields), ...Object.keys(other)])]
        .filter((name) => !volatile.has(name) && stable(fields[name]) !== stable(other[name]))
        .sort();
      if (different.length > 0)
        differences.push({ id: row.id, problem: 'different', fields: different });
      if (differences.length >= limit) return { compared, skipped, differences };
    }
  }
  // Rebuilt rows that no live row matched.
  const total = await expected.store.count(expected.collection);
  if (total > seen) {
    for await (const page of expected.store.scan<StoredDocument>(expected.collection, 1000)) {
      const have = await actual.store.getMany<StoredDocument>(
        actual.collection,
        page.map((row) => row.id),
      );
      for (const row of page) {
        if (have.has(row.id)) continue;
        compared++;
        differences.push({ id: row.id, problem: 'missing' });
        if (differences.length >= limit) return { compared, skipped, differences };
      }
    }
  }
  return { compared, skipped, differences };
}
