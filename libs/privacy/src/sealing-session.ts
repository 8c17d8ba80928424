import { randomBytes } from 'node:crypto';
import { SEALED_PREFIX, type DomainEvent, type Sealed } from '@rapport/domain';
import type { PersonalDataCipher } from './personal-data.cipher';

/**
 * Placeholders must be unforgeable (a client's text that looks like one must not be replaced
 * by another text's ciphertext): a secret drawn once per process, never shown, plus a
 * counter per session. Drawing random bytes per session cost more than the rest of it.
 */
const PROCESS_SECRET = randomBytes(12).toString('base64url');
let sessions = 0;

/** Seals personal text for a decision that has not been taken yet. */
export type Seal = (plaintext: string) => Sealed;

/**
 * Personal data handed to a decider before anything is encrypted: `seal` gives a placeholder
 * (deciders treat sealed values as opaque), and only once the decision holds does `settle`
 * encrypt the texts and put the ciphertext where the placeholders ended up. So a refused
 * command never touches the key store: no key is created for a client the decider refuses.
 */
export class SealingSession {
  private readonly texts = new Map<string, string>();
  private readonly prefix = `${SEALED_PREFIX}pending:${PROCESS_SECRET}.${(sessions = (sessions + 1) % Number.MAX_SAFE_INTEGER)}:`;

  readonly seal: Seal = (plaintext) => {
    const placeholder = `${this.prefix}${this.texts.size}`;
    this.texts.set(placeholder, plaintext);
    return placeholder as Sealed;
  };

  get isEmpty(): boolean {
    return this.texts.size === 0;
  }

  /**
   * The events with every placeholder replaced by the text sealed with the client's key, or
   * undefined when the client has no key and `createKey` is false (the client was erased
   * meanwhile: the caller decides again on a fresh state).
   */
  async settle<E extends DomainEvent>(
    cipher: PersonalDataCipher,
    customerId: string,
    events: readonly E[],
    createKey: boolean,
  ): Promise<E[] | undefined> {
    if (this.isEmpty) return [...events];
    const placeholders = [...this.texts.keys()];
    const plaintexts = [...this.texts.values()];
    const sealed = createKey
      ? await cipher.sealCreatingKey(customerId, plaintexts)
      : await cipher.sealWithExistingKey(customerId, plaintexts);
    if (!sealed) return undefined;
    const bySlot = new Map(placeholders.map((placeholder, i) => [placeholder, sealed[i]!]));
    return events.map((event) => ({ ...event, data: replaceIn(event.data, bySlot) }));
  }
}

/** A copy of `value` with each placeholder string replaced (structures copied only if needed). */
function replaceIn(value: unknown, bySlot: ReadonlyMap<string, Sealed>): unknown {
  if (typeof value === 'string') return bySlot.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => replaceIn(item, bySlot));
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = replaceIn(item, bySlot);
    return copy;
  }
  return value;
}
