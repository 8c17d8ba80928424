/**
 * Where each client's wrapped data key lives. Keys are stored wrapped (encrypted with the
 * master key); adapters never see a usable key.
 *
 * Guarantees (checked by testing/key-store.contract.ts):
 * - insertIfAbsent is atomic: of concurrent inserts for one client, the first wins and
 *   every caller gets the stored value back.
 * - delete is final: after it resolves, load returns undefined for that client, also after
 *   a restart, and the adapter does what its medium allows to overwrite the old bytes.
 * - replace is a compare-and-set per key: a key deleted or changed since it was listed is
 *   left as it is (an erasure during a master key rotation stays an erasure), and the old
 *   wrapped bytes are overwritten as for delete.
 * - list pages through every stored key in customerId order.
 */
export interface KeyStore {
  load(customerId: string): Promise<string | undefined>;
  insertIfAbsent(customerId: string, wrappedKey: string): Promise<string>;
  /** @returns whether a key existed */
  delete(customerId: string): Promise<boolean>;
  /** Stored keys with a customerId after `after` (all when absent), in customerId order. */
  list(options: { after?: string; limit: number }): Promise<StoredKey[]>;
  /** Replaces each key that is still `expected`; returns, per replacement, whether it did. */
  replace(replacements: readonly KeyReplacement[]): Promise<boolean[]>;
  close(): Promise<void>;
}

export interface StoredKey {
  customerId: string;
  wrappedKey: string;
}

export interface KeyReplacement {
  customerId: string;
  expected: string;
  wrappedKey: string;
}

export const KEY_STORE = Symbol('KEY_STORE');
