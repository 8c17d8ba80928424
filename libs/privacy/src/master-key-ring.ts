import { createHash } from 'node:crypto';
import { decrypt, encrypt } from './aes-gcm';

const KEY_BYTES = 32;

/** A master key's public name: the first 8 hex digits of its SHA-256 (never the key). */
export function masterKeyIdOf(masterKey: Buffer): string {
  return createHash('sha256').update(masterKey).digest('hex').slice(0, 8);
}

/** The master key id a wrapped data key names (its prefix). */
export function wrappingKeyIdOf(wrapped: string): string {
  return wrapped.slice(0, wrapped.indexOf(':'));
}

/**
 * The master keys that wrap client data keys: the current one wraps, and during a rotation
 * the previous one still unwraps what has not been re-wrapped yet. A wrapped key names its
 * master key ("<id>:<ciphertext>"), so each is opened by the right one.
 */
export class MasterKeyRing {
  readonly currentId: string;
  readonly previousId: string | undefined;

  constructor(
    private readonly current: Buffer,
    private readonly previous?: Buffer,
  ) {
    if (current.length !== KEY_BYTES || (previous && previous.length !== KEY_BYTES)) {
      throw new Error('the master key must be 32 bytes');
    }
    this.currentId = masterKeyIdOf(current);
    this.previousId = previous && masterKeyIdOf(previous);
    if (this.previousId === this.currentId) {
      throw new Error('the previous master key is the current one');
    }
  }

  wrap(customerId: string, key: Buffer): string {
    return `${this.currentId}:${encrypt(this.current, key, `key:${customerId}`)}`;
  }

  unwrap(customerId: string, wrapped: string): Buffer {
    const keyId = wrappingKeyIdOf(wrapped);
    const masterKey =
      keyId === this.currentId
        ? this.current
        : keyId === this.previousId
          ? this.previous
          : undefined;
    if (!masterKey) {
      throw new Error(
        `the data key of customer ${customerId} was wrapped by another master key (${keyId}); check CRM_MASTER_KEY and CRM_MASTER_KEY_PREVIOUS`,
      );
    }
    return decrypt(masterKey, wrapped.slice(keyId.length + 1), `key:${customerId}`);
  }

  /** Whether this wrapped key is already wrapped by the current master key. */
  isCurrent(wrapped: string): boolean {
    return wrappingKeyIdOf(wrapped) === this.currentId;
  }
}
