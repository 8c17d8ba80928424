import type { KeyStore } from '../key-store.port';

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

  async close(): Promise<void> {}
}
