import type { KeyReplacement, KeyStore, StoredKey } from '../key-store.port';

export class InMemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, string>();

  async load(customerId: string): Promise<string | undefined> {
    return this.keys.get(customerId);
  }

  async insertIfAbsent(customerId: string, wrappedKey: string): Promise<string> {
    const existing = this.keys.get(customerId);
    if (existing !== undefined) return existing;
    this.keys.set(customerId, wrappedKey);
    return wrappedKey;
  }

  async delete(customerId: string): Promise<boolean> {
    return this.keys.delete(customerId);
  }

  async list({ after, limit }: { after?: string; limit: number }): Promise<StoredKey[]> {
    return [...this.keys.entries()]
      .filter(([customerId]) => after === undefined || customerId > after)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([customerId, wrappedKey]) => ({ customerId, wrappedKey }));
  }

  async replace(replacements: readonly KeyReplacement[]): Promise<boolean[]> {
    return replacements.map(({ customerId, expected, wrappedKey }) => {
      if (this.keys.get(customerId) !== expected) return false;
      this.keys.set(customerId, wrappedKey);
      return true;
    });
  }

  async close(): Promise<void> {}
}
