import { randomBytes } from 'node:crypto';
import type { KeyStore } from './key-store.port';
import { MasterKeyRing } from './master-key-ring';

const KEY_BYTES = 32;

/**
 * Per-customer data keys, wrapped by the master key. Unwrapped keys are cached (bounded)
 * because every sealed field of every shown record needs one; forgetting a key evicts it.
 */
export class DataKeys {
  private readonly cache = new Map<string, { key: Buffer; until: number }>();
  /** Keys zeroed by an erasure: a caller that obtained one before must not use it. */
  private readonly shredded = new WeakSet<Buffer>();
  private readonly masterKeys: MasterKeyRing;

  constructor(
    private readonly store: KeyStore,
    /** The master key, or a ring of the current and previous one during a rotation. */
    masterKey: Buffer | MasterKeyRing,
    private readonly cacheSize = 10_000,
    /**
     * How long a key stays cached. Another API instance that erases a client destroys the
     * key in the shared store; this instance stops using its copy within this time.
     */
    private readonly cacheTtlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {
    this.masterKeys = masterKey instanceof MasterKeyRing ? masterKey : new MasterKeyRing(masterKey);
  }

  /** Unwrapped keys held now (at most the cache size). */
  get cached(): number {
    return this.cache.size;
  }

  get cacheLimit(): number {
    return this.cacheSize;
  }

  /** The client's key, created on first use. */
  async obtain(customerId: string): Promise<Buffer> {
    const known = await this.find(customerId);
    if (known) return known;
    const fresh = randomBytes(KEY_BYTES);
    const stored = await this.store.insertIfAbsent(customerId, this.wrap(customerId, fresh));
    const key = this.unwrap(customerId, stored);
    this.remember(customerId, key);
    return key;
  }

  /** The client's key, or undefined once it has been destroyed (or never existed). */
  async find(customerId: string): Promise<Buffer | undefined> {
    const cached = this.cache.get(customerId);
    if (cached && cached.until > this.now()) {
      // Refresh recency: Map iteration order is insertion order.
      this.cache.delete(customerId);
      this.cache.set(customerId, cached);
      return cached.key;
    }
    this.cache.delete(customerId);
    const wrapped = await this.store.load(customerId);
    if (wrapped === undefined) return undefined;
    const key = this.unwrap(customerId, wrapped);
    this.remember(customerId, key);
    return key;
  }

  /** Crypto-shredding: without the key, every sealed value of the client is noise. */
  async destroy(customerId: string): Promise<boolean> {
    const cached = this.cache.get(customerId);
    if (cached) {
      cached.key.fill(0);
      this.shredded.add(cached.key);
    }
    this.cache.delete(customerId);
    return this.store.delete(customerId);
  }

  /**
   * Whether an erasure zeroed this key after it was handed out (between a lookup and its use,
   * another request may erase the client): sealing with it would seal with zeros.
   */
  isShredded(key: Buffer): boolean {
    return this.shredded.has(key);
  }

  private wrap(customerId: string, key: Buffer): string {
    return this.masterKeys.wrap(customerId, key);
  }

  private unwrap(customerId: string, wrapped: string): Buffer {
    return this.masterKeys.unwrap(customerId, wrapped);
  }

  private remember(customerId: string, key: Buffer): void {
    this.cache.set(customerId, { key, until: this.now() + this.cacheTtlMs });
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}
