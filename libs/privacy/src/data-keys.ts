import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { KeyStore } from './key-store.port';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM, the one cipher used for both data and key wrapping. */
export function encrypt(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${iv.toString('base64url')}.${body.toString('base64url')}`;
}

export function decrypt(key: Buffer, encoded: string, aad: string): Buffer {
  const [ivText, bodyText] = encoded.split('.');
  if (!ivText || !bodyText) throw new Error('malformed ciphertext');
  const iv = Buffer.from(ivText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new Error('malformed ciphertext');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(body.subarray(0, body.length - TAG_BYTES)),
    decipher.final(),
  ]);
}

/**
 * Per-customer data keys, wrapped by the master key. Unwrapped keys are cached (bounded)
 * because every sealed field of every shown record needs one; forgetting a key evicts it.
 */
export class DataKeys {
  private readonly cache = new Map<string, { key: Buffer; until: number }>();
  private readonly masterKeyId: string;

  constructor(
    private readonly store: KeyStore,
    private readonly masterKey: Buffer,
    private readonly cacheSize = 10_000,
    /**
     * How long a key stays cached. Another API instance that erases a client destroys the
     * key in the shared store; this instance stops using its copy within this time.
     */
    private readonly cacheTtlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {
    if (masterKey.length !== KEY_BYTES) throw new Error('the master key must be 32 bytes');
    this.masterKeyId = createHash('sha256').update(masterKey).digest('hex').slice(0, 8);
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
    this.cache.get(customerId)?.key.fill(0);
    this.cache.delete(customerId);
    return this.store.delete(customerId);
  }

  private wrap(customerId: string, key: Buffer): string {
    return `${this.masterKeyId}:${encrypt(this.masterKey, key, `key:${customerId}`)}`;
  }

  private unwrap(customerId: string, wrapped: string): Buffer {
    const separator = wrapped.indexOf(':');
    const keyId = wrapped.slice(0, separator);
    if (keyId !== this.masterKeyId) {
      throw new Error(
        `the data key of customer ${customerId} was wrapped by another master key (${keyId}); check CRM_MASTER_KEY`,
      );
    }
    return decrypt(this.masterKey, wrapped.slice(separator + 1), `key:${customerId}`);
  }

  private remember(customerId: string, key: Buffer): void {
    this.cache.set(customerId, { key, until: this.now() + this.cacheTtlMs });
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}
