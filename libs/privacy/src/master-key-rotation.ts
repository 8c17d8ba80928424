import type { KeyStore, StoredKey } from './key-store.port';
import { masterKeyIdOf, MasterKeyRing, wrappingKeyIdOf } from './master-key-ring';

export interface RotationProgress {
  /** Keys looked at so far, and of them: re-wrapped now, already wrapped by the new key. */
  seen: number;
  rewrapped: number;
  alreadyCurrent: number;
  /** Keys destroyed (erased clients) while the rotation ran: nothing to re-wrap. */
  erased: number;
}

export interface RotationReport extends RotationProgress {
  previousMasterKeyId: string;
  masterKeyId: string;
}

export class MasterKeyRotationError extends Error {}

/**
 * Re-wraps every client data key from `previous` to `next` master key. The data keys
 * themselves do not change, so nothing sealed is re-encrypted and a running API (holding both
 * keys) reads every client throughout. Resumable: a key already wrapped by `next` is left
 * alone, so a run killed halfway is completed by running it again. Each key is replaced only
 * if unchanged since it was read, so an erasure during the run stays an erasure.
 * A key wrapped by neither master key stops the run: the old key would otherwise still be
 * needed somewhere.
 */
export async function rotateMasterKey(
  store: KeyStore,
  keys: { previous: Buffer; next: Buffer },
  options: { pageSize?: number; onProgress?: (progress: RotationProgress) => void } = {},
): Promise<RotationReport> {
  const ring = new MasterKeyRing(keys.next, keys.previous);
  const progress: RotationProgress = { seen: 0, rewrapped: 0, alreadyCurrent: 0, erased: 0 };
  const pageSize = options.pageSize ?? 500;
  for (let after: string | undefined; ;) {
    const page = await store.list({ ...(after !== undefined && { after }), limit: pageSize });
    if (page.length === 0) break;
    await rewrapPage(store, ring, page, progress);
    progress.seen += page.length;
    options.onProgress?.({ ...progress });
    after = page[page.length - 1]!.customerId;
    if (page.length < pageSize) break;
  }
  return {
    previousMasterKeyId: masterKeyIdOf(keys.previous),
    masterKeyId: ring.currentId,
    ...progress,
  };
}

async function rewrapPage(
  store: KeyStore,
  ring: MasterKeyRing,
  page: StoredKey[],
  progress: RotationProgress,
): Promise<void> {
  let pending = page;
  // A key changed between the read and the replace is read again: it may have been erased,
  // or re-wrapped by a concurrent run.
  for (let attempt = 1; pending.length > 0; attempt++) {
    const stale = pending.filter((stored) => ring.isCurrent(stored.wrappedKey));
    progress.alreadyCurrent += stale.length;
    const toRewrap = pending.filter((stored) => !ring.isCurrent(stored.wrappedKey));
    for (const stored of toRewrap) {
      if (wrappingKeyIdOf(stored.wrappedKey) !== ring.previousId) {
        throw new MasterKeyRotationError(
          `the data key of customer ${stored.customerId} is wrapped by master key ${wrappingKeyIdOf(stored.wrappedKey)}, neither the previous (${ring.previousId}) nor the new one (${ring.currentId})`,
        );
      }
    }
    const replaced = await store.replace(
      toRewrap.map((stored) => ({
        customerId: stored.customerId,
        expected: stored.wrappedKey,
        wrappedKey: ring.wrap(stored.customerId, ring.unwrap(stored.customerId, stored.wrappedKey)),
      })),
    );
    progress.rewrapped += replaced.filter(Boolean).length;
    const missed = toRewrap.filter((_, index) => !replaced[index]);
    if (missed.length > 0 && attempt >= 5) {
      throw new MasterKeyRotationError(
        `the data keys of ${missed.length} clients kept changing during the rotation; run it again`,
      );
    }
    pending = [];
    for (const stored of missed) {
      const now = await store.load(stored.customerId);
      if (now === undefined) progress.erased += 1;
      else pending.push({ customerId: stored.customerId, wrappedKey: now });
    }
  }
}
