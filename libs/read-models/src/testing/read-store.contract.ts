import { randomUUID } from 'node:crypto';
import {
  rangeKey,
  type ProjectionState,
  type ReadStore,
  type StoredDocument,
} from '../read-store.port';
import { keyRange } from '../listings/key-range';

export interface ReadStoreUnderTest {
  store: ReadStore;
  /** Closes and opens the same storage again, for adapters that persist. */
  reopen?: () => Promise<ReadStore>;
  cleanup: () => Promise<void>;
}

interface Account extends StoredDocument {
  status: string;
  rank?: string | null;
  ownerId: string | null;
  vip: boolean;
  total: number;
  tags: string[];
}

const account = (id: string, position: number, fields: Partial<Account> = {}): Account => ({
  id,
  position,
  status: 'lead',
  ownerId: 'rep-1',
  vip: false,
  total: 0,
  tags: [],
  ...fields,
});

const state = (
  projection: string,
  generation: number,
  fields: Partial<ProjectionState> = {},
): ProjectionState => ({
  projection,
  generation,
  version: 1,
  position: 0,
  status: 'live',
  active: false,
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...fields,
});

/** The one contract every read-store adapter passes (SQLite, in-memory, MongoDB). */
export function describeReadStoreContract(
  adapterName: string,
  create: () => Promise<ReadStoreUnderTest>,
): void {
  describe(`read store contract: ${adapterName}`, () => {
    let subject: ReadStoreUnderTest;
    let store: ReadStore;
    let collection: string;

    beforeEach(async () => {
      subject = await create();
      store = subject.store;
      collection = `accounts_${randomUUID().slice(0, 8)}`;
      await store.ensureCollection(collection, ['status', 'ownerId', 'vip', 'rank']);
      await store.saveProjectionState(state('accounts', 1, { active: true }));
    });
    afterEach(() => subject.cleanup());

    it('returns exactly the document that was written', async () => {
      const doc = account('a', 3, { total: 12.5, tags: ['x', 'ü'], ownerId: null });
      await store.commit({ writes: [{ collection, document: doc }], checkpoints: [] });
      expect(await store.get(collection, 'a')).toEqual(doc);
      expect(await store.get(collection, 'missing')).toBeUndefined();
      expect(await store.get(`never_${randomUUID().slice(0, 8)}`, 'a')).toBeUndefined();
    });

    it('ignores a write at or below the stored position (redelivery, replay, racing writers)', async () => {
      await store.commit({
        writes: [{ collection, document: account('a', 10, { total: 10 }) }],
        checkpoints: [],
      });
      await store.commit({
        writes: [{ collection, document: account('a', 10, { total: 999 }) }],
        checkpoints: [],
      });
      await store.commit({
        writes: [{ collection, document: account('a', 4, { total: 4 }) }],
        checkpoints: [],
      });
      expect((await store.get<Account>(collection, 'a'))?.total).toBe(10);
      await store.commit({
        writes: [{ collection, document: account('a', 11, { total: 11 }) }],
        checkpoints: [],
      });
      expect(await store.get<Account>(collection, 'a')).toMatchObject({ total: 11, position: 11 });
    });

    it('applies the newest of several writes to one document in a batch', async () => {
      await store.commit({
        writes: [
          { collection, document: account('a', 5, { total: 5 }) },
          { collection, document: account('a', 7, { total: 7 }) },
          { collection, document: account('a', 6, { total: 6 }) },
        ],
        checkpoints: [],
      });
      expect((await store.get<Account>(collection, 'a'))?.total).toBe(7);
    });

    it('inserts write-once documents and leaves an existing one alone (replays), indexed as any', async () => {
      await store.commit({
        writes: [
          { collection, document: account('a', 3, { total: 3, ownerId: 'o1' }), once: true },
          { collection, document: account('b', 4, { total: 4, ownerId: 'o1' }), once: true },
          { collection, document: account('c', 5, { total: 5 }) },
        ],
        checkpoints: [],
      });
      // The replay of a batch: the same documents again, and one new one.
      await store.commit({
        writes: [
          { collection, document: account('a', 3, { total: 3, ownerId: 'o1' }), once: true },
          { collection, document: account('b', 4, { total: 4, ownerId: 'o1' }), once: true },
          { collection, document: account('d', 6, { total: 6, ownerId: 'o1' }), once: true },
        ],
        checkpoints: [],
      });
      expect(await store.get(collection, 'a')).toEqual(
        account('a', 3, { total: 3, ownerId: 'o1' }),
      );
      expect(await store.count(collection)).toBe(4);
      const found = await store.find<Account>(collection, { where: { ownerId: 'o1' }, limit: 10 });
      expect(found.map((d) => d.id)).toEqual(['a', 'b', 'd']);
    });

    it('gets many documents at once', async () => {
      await store.commit({
        writes: ['a', 'b', 'c'].map((id, i) => ({ collection, document: account(id, i + 1) })),
        checkpoints: [],
      });
      const found = await store.getMany<Account>(collection, ['a', 'c', 'zzz']);
      expect([...found.keys()].sort()).toEqual(['a', 'c']);
      expect(found.get('c')?.position).toBe(3);
    });

    it('finds by equality on indexed fields, in id order, with a cursor', async () => {
      const docs = [
        account('d1', 1, { status: 'customer', ownerId: 'rep-1', vip: true }),
        account('d2', 2, { status: 'lead', ownerId: 'rep-2' }),
        account('d3', 3, { status: 'customer', ownerId: 'rep-2' }),
        account('d4', 4, { status: 'customer', ownerId: null }),
        account('d5', 5, { status: 'customer', ownerId: 'rep-2', vip: true }),
      ];
      await store.commit({
        writes: docs.map((document) => ({ collection, document })),
        checkpoints: [],
      });
      const ids = (rows: StoredDocument[]) => rows.map((r) => r.id);
      expect(
        ids(await store.find(collection, { where: { status: 'customer' }, limit: 10 })),
      ).toEqual(['d1', 'd3', 'd4', 'd5']);
      expect(
        ids(
          await store.find(collection, {
            where: { status: 'customer', ownerId: 'rep-2' },
            limit: 10,
          }),
        ),
      ).toEqual(['d3', 'd5']);
      expect(ids(await store.find(collection, { where: { ownerId: null }, limit: 10 }))).toEqual([
        'd4',
      ]);
      expect(ids(await store.find(collection, { where: { vip: true }, limit: 10 }))).toEqual([
        'd1',
        'd5',
      ]);
      const first = await store.find(collection, { where: { status: 'customer' }, limit: 2 });
      const second = await store.find(collection, {
        where: { status: 'customer' },
        afterId: first[1]!.id,
        limit: 2,
      });
      expect([...ids(first), ...ids(second)]).toEqual(['d1', 'd3', 'd4', 'd5']);
      expect(ids(await store.find(collection, { ids: ['d5', 'd2', 'x'], limit: 10 }))).toEqual([
        'd2',
        'd5',
      ]);
    });

    describe('ordered ranges', () => {
      interface Task extends StoredDocument {
        ownerDue: string | null;
        ownerId: string;
        rank: number;
      }
      const tasks = `tasks_${randomUUID().slice(0, 8)}`;
      const task = (id: string, ownerId: string, due: string | null, rank = 0): Task => ({
        id,
        position: 1,
        ownerId,
        rank,
        ownerDue: due === null ? null : rangeKey(ownerId, due),
      });
      const ids = (docs: StoredDocument[]) => docs.map((d) => d.id);
      const range = (ownerId: string, from = '', to = '~') => ({
        orderBy: 'ownerDue',
        from: rangeKey(ownerId, from),
        to: rangeKey(ownerId, to),
      });

      beforeEach(async () => {
        await store.ensureCollection(tasks, ['ownerDue', 'ownerId', 'rank']);
        await store.commit({
          writes: [
            task('t1', 'rep|1', '2026-03-02T09:00:00.000Z'),
            task('t2', 'rep|1', '2026-03-01T09:00:00.000Z', 1),
            task('t3', 'rep|1', '2026-03-02T09:00:00.000Z', 1),
            task('t4', 'rep', '2026-03-01T08:00:00.000Z'),
            task('t5', 'rep|1', null),
            task('t6', 'rep|10', '2026-02-01T00:00:00.000Z'),
            task('t7', 'rep|1', '2026-03-05T00:00:00.000Z'),
          ].map((document) => ({ collection: tasks, document })),
          checkpoints: [],
        });
      });

      it('reads one prefix of a compound field in order, ties by id, nulls in no range', async () => {
        expect(ids(await store.findRange(tasks, { ...range('rep|1'), limit: 10 }))).toEqual([
          't2',
          't1',
          't3',
          't7',
        ]);
        expect(
          ids(await store.findRange(tasks, { ...range('rep|1'), direction: 'desc', limit: 10 })),
        ).toEqual(['t7', 't3', 't1', 't2']);
        // Over the whole field: by the encoded owner ("rep%7C10|" < "rep%7C1|" < "rep|"), then time.
        expect(ids(await store.findRange(tasks, { orderBy: 'ownerDue', limit: 10 }))).toEqual([
          't6',
          't2',
          't1',
          't3',
          't7',
          't4',
        ]);
      });

      it('bounds a range: from inclusive, to exclusive, with equality on other fields', async () => {
        const march2 = range('rep|1', '2026-03-02T09:00:00.000Z', '2026-03-05T00:00:00.000Z');
        expect(ids(await store.findRange(tasks, { ...march2, limit: 10 }))).toEqual(['t1', 't3']);
        expect(await store.countRange(tasks, march2)).toBe(2);
        expect(
          ids(await store.findRange(tasks, { ...march2, where: { rank: 1 }, limit: 10 })),
        ).toEqual(['t3']);
        expect(await store.countRange(tasks, { ...range('rep|1'), where: { rank: 1 } })).toBe(2);
        expect(await store.countRange(tasks, range('nobody'))).toBe(0);
        expect(await store.countRange(`never_${randomUUID().slice(0, 8)}`, range('x'))).toBe(0);
      });

      it('pages from a cursor in either direction, without skipping ties', async () => {
        for (const direction of ['asc', 'desc'] as const) {
          const seen: string[] = [];
          let after: { value: string | number; id: string } | undefined;
          for (;;) {
            const page = await store.findRange<Task>(tasks, {
              ...range('rep|1'),
              direction,
              ...(after && { after }),
              limit: 1,
            });
            if (page.length === 0) break;
            seen.push(page[0]!.id);
            after = { value: page[0]!.ownerDue!, id: page[0]!.id };
          }
          const all = ids(
            await store.findRange(tasks, { ...range('rep|1'), direction, limit: 10 }),
          );
          expect(seen).toEqual(all);
        }
        expect(await store.findRange(tasks, { ...range('rep|1'), limit: 0 })).toEqual([]);
      });
    });

    it('reads a listing key range (keyRange over findRange): key order, then id, with bounds and an exclusive key cursor', async () => {
      const ranks: [string, string | null][] = [
        ['r1', '050|b'],
        ['r2', '010|z'],
        ['r3', null],
        ['r4', '050|a'],
        ['r5', '090|c'],
        ['r6', '050|a'],
      ];
      await store.commit({
        writes: ranks.map(([id, rank], i) => ({
          collection,
          document: account(id, i + 1, { rank }),
        })),
        checkpoints: [],
      });
      await store.commit({
        writes: [{ collection, document: account('r7', 9, { total: 3 }) }],
        checkpoints: [],
      });
      const ids = (rows: StoredDocument[]) => rows.map((r) => r.id);
      expect(ids(await keyRange(store, collection, { field: 'rank', limit: 10 }))).toEqual([
        'r2',
        'r4',
        'r6',
        'r1',
        'r5',
      ]);
      expect(
        ids(
          await keyRange(store, collection, { field: 'rank', from: '050|', to: '051', limit: 10 }),
        ),
      ).toEqual(['r4', 'r6', 'r1']);
      expect(
        ids(await keyRange(store, collection, { field: 'rank', after: '050|a', limit: 2 })),
      ).toEqual(['r1', 'r5']);
      expect(
        ids(await keyRange(store, collection, { field: 'rank', to: '050|a', limit: 10 })),
      ).toEqual(['r2']);
      expect(await keyRange(store, collection, { field: 'rank', limit: 0 })).toEqual([]);
    });

    it('refreshes a row derived again from the same document, never over a newer one', async () => {
      await store.commit({
        writes: [{ collection, document: account('a', 5, { total: 1 }) }],
        checkpoints: [],
      });
      await store.commit({
        writes: [{ collection, document: account('a', 5, { total: 2 }), refresh: true }],
        checkpoints: [],
      });
      expect((await store.get<Account>(collection, 'a'))?.total).toBe(2);
      await store.commit({
        writes: [{ collection, document: account('a', 4, { total: 3 }), refresh: true }],
        checkpoints: [],
      });
      expect((await store.get<Account>(collection, 'a'))?.total).toBe(2);
      await store.commit({
        writes: [{ collection, document: account('b', 7, { total: 7 }), refresh: true }],
        checkpoints: [],
      });
      expect((await store.get<Account>(collection, 'b'))?.total).toBe(7);
    });

    it('scans a whole collection in pages', async () => {
      const ids = Array.from({ length: 25 }, (_, i) => `s${String(i).padStart(2, '0')}`);
      await store.commit({
        writes: ids.map((id, i) => ({ collection, document: account(id, i + 1) })),
        checkpoints: [],
      });
      const pages: string[][] = [];
      for await (const page of store.scan(collection, 10)) pages.push(page.map((d) => d.id));
      expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
      expect(pages.flat()).toEqual(ids);
      expect(await store.count(collection)).toBe(25);
    });

    it('records checkpoints with the documents, only forwards', async () => {
      await store.commit({
        writes: [{ collection, document: account('a', 9) }],
        checkpoints: [
          {
            projection: 'accounts',
            generation: 1,
            position: 9,
            recordedAt: '2026-02-01T00:00:00.000Z',
          },
        ],
      });
      await store.commit({
        writes: [],
        checkpoints: [{ projection: 'accounts', generation: 1, position: 5 }],
      });
      const [saved] = (await store.projectionStates()).filter((s) => s.projection === 'accounts');
      expect(saved).toMatchObject({
        position: 9,
        lastRecordedAt: '2026-02-01T00:00:00.000Z',
        active: true,
      });
    });

    it('swaps the active generation atomically and drops a retired one', async () => {
      const next = `${collection}_next`;
      await store.ensureCollection(next, ['status']);
      await store.saveProjectionState(state('accounts', 2, { status: 'rebuilding' }));
      await store.commit({
        writes: [{ collection: next, document: account('n', 1) }],
        checkpoints: [],
      });
      await store.activate('accounts', 2);
      const states = (await store.projectionStates()).filter((s) => s.projection === 'accounts');
      expect(states.map((s) => [s.generation, s.active])).toEqual([
        [1, false],
        [2, true],
      ]);
      await store.dropCollection(collection);
      await store.deleteProjectionState('accounts', 1);
      expect(await store.get(collection, 'a')).toBeUndefined();
      expect(await store.get(next, 'n')).toBeDefined();
      await expect(store.activate('accounts', 7)).rejects.toThrow();
    });

    it('keeps documents and states across a restart', async () => {
      if (!subject.reopen) return expect(subject.reopen).toBeUndefined();
      await store.commit({
        writes: [{ collection, document: account('p', 3) }],
        checkpoints: [{ projection: 'accounts', generation: 1, position: 3 }],
      });
      store = await subject.reopen();
      expect(await store.get(collection, 'p')).toEqual(account('p', 3));
      expect(
        (await store.projectionStates()).find((s) => s.projection === 'accounts')?.position,
      ).toBe(3);
    });
  });
}
