import { randomUUID } from 'node:crypto';
import type { CheckpointStore } from '../checkpoint-store.port';

export interface CheckpointStoreUnderTest {
  store: CheckpointStore;
  reopen?: () => Promise<CheckpointStore>;
  cleanup: () => Promise<void>;
}

/** The one contract every checkpoint-store adapter passes. */
export function describeCheckpointStoreContract(
  adapterName: string,
  create: () => Promise<CheckpointStoreUnderTest>,
): void {
  describe(`checkpoint store contract: ${adapterName}`, () => {
    let subject: CheckpointStoreUnderTest;
    beforeEach(async () => {
      subject = await create();
    });
    afterEach(() => subject.cleanup());

    it('starts at 0 and only moves forward', async () => {
      const name = `relay-${randomUUID()}`;
      expect(await subject.store.load(name)).toBe(0);
      await subject.store.save(name, 10);
      await subject.store.save(name, 7);
      expect(await subject.store.load(name)).toBe(10);
      await subject.store.save(name, 12);
      expect(await subject.store.load(name)).toBe(12);
    });

    it('keeps checkpoints apart by name and across a restart', async () => {
      const [a, b] = [`a-${randomUUID()}`, `b-${randomUUID()}`];
      await subject.store.save(a, 3);
      await subject.store.save(b, 5);
      const store = subject.reopen ? await subject.reopen() : subject.store;
      expect(await store.load(a)).toBe(3);
      expect(await store.load(b)).toBe(5);
    });
  });
}
