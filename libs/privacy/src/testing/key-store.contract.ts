import { randomUUID } from 'node:crypto';
import type { KeyStore } from '../key-store.port';

export interface KeyStoreUnderTest {
  store: KeyStore;
  reopen?: () => Promise<KeyStore>;
  cleanup: () => Promise<void>;
}

/** The one contract every key-store adapter passes. */
export function describeKeyStoreContract(
  adapterName: string,
  create: () => Promise<KeyStoreUnderTest>,
): void {
  describe(`key store contract: ${adapterName}`, () => {
    let subject: KeyStoreUnderTest;
    beforeEach(async () => {
      subject = await create();
    });
    afterEach(() => subject.cleanup());

    it('stores a key once: the first insert wins, later ones get the stored key', async () => {
      const id = randomUUID();
      expect(await subject.store.load(id)).toBeUndefined();
      const results = await Promise.all(
        ['k1', 'k2', 'k3'].map((k) => subject.store.insertIfAbsent(id, k)),
      );
      expect(new Set(results).size).toBe(1);
      expect(await subject.store.load(id)).toBe(results[0]);
    });

    it('forgets a deleted key for good', async () => {
      const id = randomUUID();
      await subject.store.insertIfAbsent(id, 'wrapped');
      expect(await subject.store.delete(id)).toBe(true);
      expect(await subject.store.delete(id)).toBe(false);
      expect(await subject.store.load(id)).toBeUndefined();
      if (subject.reopen) {
        const reopened = await subject.reopen();
        expect(await reopened.load(id)).toBeUndefined();
      }
    });

    it('lists every key in customerId order, page by page', async () => {
      const ids: string[] = Array.from({ length: 5 }, () => randomUUID());
      for (const id of ids) await subject.store.insertIfAbsent(id, `wrapped-${id}`);
      const listed = [];
      for (let after: string | undefined; ;) {
        const page = await subject.store.list({ ...(after && { after }), limit: 2 });
        listed.push(...page);
        if (page.length < 2) break;
        after = page[page.length - 1]!.customerId;
      }
      const mine = listed.filter((key) => ids.includes(key.customerId));
      expect(mine).toEqual(
        [...ids].sort().map((id) => ({ customerId: id, wrappedKey: `wrapped-${id}` })),
      );
    });

    it('replaces a key only while it is what the caller read', async () => {
      const [kept, changed, erased] = [randomUUID(), randomUUID(), randomUUID()];
      for (const id of [kept, changed, erased]) await subject.store.insertIfAbsent(id, 'old');
      await subject.store.delete(erased);
      const replaced = await subject.store.replace([
        { customerId: kept, expected: 'old', wrappedKey: 'new' },
        { customerId: changed, expected: 'something else', wrappedKey: 'new' },
        { customerId: erased, expected: 'old', wrappedKey: 'new' },
      ]);
      expect(replaced).toEqual([true, false, false]);
      expect(await subject.store.load(kept)).toBe('new');
      expect(await subject.store.load(changed)).toBe('old');
      expect(await subject.store.load(erased)).toBeUndefined();
      if (subject.reopen) {
        const reopened = await subject.reopen();
        expect(await reopened.load(kept)).toBe('new');
      }
    });

    it('keeps keys across a restart', async () => {
      if (!subject.reopen) return expect(subject.reopen).toBeUndefined();
      const id = randomUUID();
      await subject.store.insertIfAbsent(id, 'wrapped');
      const reopened = await subject.reopen();
      expect(await reopened.load(id)).toBe('wrapped');
    });
  });
}
