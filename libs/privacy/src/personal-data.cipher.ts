import { isSealed, SEALED_PREFIX, type Sealed } from '@rapport/domain';
import { decrypt, encrypt } from './aes-gcm';
import type { DataKeys } from './data-keys';

const VERSION = 'v1:';

/** Opens a client's sealed values; returns null for each once the client is erased. */
export type Opener = (value: Sealed | null | undefined) => string | null;

/**
 * The only way personal data enters or leaves an event: sealing happens in the command path
 * once the decision holds (see SealingSession), opening only where a person is shown the data.
 */
export class PersonalDataCipher {
  constructor(private readonly keys: DataKeys) {}

  async seal(customerId: string, plaintext: string): Promise<Sealed> {
    const key = await this.keys.obtain(customerId);
    return this.sealWith(key, customerId, plaintext);
  }

  /** Seals every defined field of a record with one key lookup. */
  async sealAll<T extends Record<string, string | undefined>>(
    customerId: string,
    fields: T,
  ): Promise<{ [K in keyof T]: T[K] extends string ? Sealed : Sealed | undefined }> {
    const key = await this.keys.obtain(customerId);
    const sealed: Record<string, Sealed | undefined> = {};
    for (const [name, value] of Object.entries(fields)) {
      sealed[name] = value === undefined ? undefined : this.sealWith(key, customerId, value);
    }
    return sealed as { [K in keyof T]: T[K] extends string ? Sealed : Sealed | undefined };
  }

  /**
   * Seals texts with the client's existing key; undefined when the client has none (never
   * created, or destroyed by an erasure). Only a client's creation may create a key.
   */
  async sealWithExistingKey(
    customerId: string,
    texts: readonly string[],
  ): Promise<Sealed[] | undefined> {
    const key = await this.keys.find(customerId);
    if (!key || this.keys.isShredded(key)) return undefined;
    return texts.map((text) => this.sealWith(key, customerId, text));
  }

  /** Seals texts with the client's key, creating it if the client has none yet. */
  async sealCreatingKey(customerId: string, texts: readonly string[]): Promise<Sealed[]> {
    const key = await this.keys.obtain(customerId);
    return texts.map((text) => this.sealWith(key, customerId, text));
  }

  async opener(customerId: string): Promise<Opener> {
    const key = await this.keys.find(customerId);
    return (value) => {
      if (value === null || value === undefined || !key || this.keys.isShredded(key)) return null;
      if (!isSealed(value)) return null;
      return decrypt(
        key,
        value.slice(SEALED_PREFIX.length + VERSION.length),
        aad(customerId),
      ).toString('utf8');
    };
  }

  async open(customerId: string, value: Sealed | null | undefined): Promise<string | null> {
    return (await this.opener(customerId))(value);
  }

  /** Destroys the client's key: the end of every copy of their personal data. */
  async forget(customerId: string): Promise<boolean> {
    return this.keys.destroy(customerId);
  }

  private sealWith(key: Buffer, customerId: string, plaintext: string): Sealed {
    if (this.keys.isShredded(key)) {
      throw new Error(`the data key of customer ${customerId} was destroyed: nothing is sealed`);
    }
    return `${SEALED_PREFIX}${VERSION}${encrypt(key, Buffer.from(plaintext, 'utf8'), aad(customerId))}` as Sealed;
  }
}

const aad = (customerId: string) => `pd:${customerId}`;
