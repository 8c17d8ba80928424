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

    it('keeps keys across a restart', async () => {
      if (!subject.reopen) return expect(subject.reopen).toBeUndefined();
      const id = randomUUID();
      await subject.store.insertIfAbsent(id, 'wrapped');
      const reopened = await subject.reopen();
      expect(await reopened.load(id)).toBe('wrapped');
    });
  });
}
