/**
 * Where each client's wrapped data key lives. Keys are stored wrapped (encrypted with the
 * master key); adapters never see a usable key.
 *
 * Guarantees (checked by testing/key-store.contract.ts):
 * - insertIfAbsent is atomic: of concurrent inserts for one client, the first wins and
 *   every caller gets the stored value back.
 * - delete is final: after it resolves, load returns undefined for that client, also after
 *   a restart, and the adapter does what its medium allows to overwrite the old bytes.
 */
export interface KeyStore {
  load(customerId: string): Promise<string | undefined>;
  insertIfAbsent(customerId: string, wrappedKey: string): Promise<string>;
  /** @returns whether a key existed */
  delete(customerId: string): Promise<boolean>;
  close(): Promise<void>;
}

export const KEY_STORE = Symbol('KEY_STORE');
