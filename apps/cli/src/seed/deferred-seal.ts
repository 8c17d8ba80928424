import { randomBytes } from 'node:crypto';
import { SEALED_PREFIX, type Sealed } from '@rapport/domain';
import type { PersonalDataCipher } from '@rapport/privacy';
import type { SyntheticCommand } from './synthetic-history';

/**
 * Sealing for a seed, a batch at a time. While the history is decided, `seal` hands the
 * deciders a placeholder (they treat sealed values as opaque), as the command path's
 * SealingSession does for one command; `settle` then seals every text of a batch with its
 * client's own key (the keys of the batch's new clients created together, in one key-store
 * transaction) and puts the ciphertext where the placeholders are. One key per client, as the
 * API creates: the seed never erases, so each client's key exists from its creation on.
 */
export class DeferredSeal {
  private readonly prefix = `${SEALED_PREFIX}pending:${randomBytes(9).toString('base64url')}:`;
  private texts = new Map<string, { customerId: string; text: string }>();
  private next = 0;

  constructor(private readonly cipher: PersonalDataCipher) {}

  readonly seal = (customerId: string, text: string): Sealed => {
    const placeholder = `${this.prefix}${this.next++}`;
    this.texts.set(placeholder, { customerId, text });
    return placeholder as Sealed;
  };

  /** The batch with each placeholder replaced by its sealed text. */
  readonly settle = async (batch: SyntheticCommand[]): Promise<SyntheticCommand[]> => {
    const byClient = new Map<string, string[]>();
    for (const [placeholder, { customerId }] of this.texts) {
      const placeholders = byClient.get(customerId) ?? [];
      placeholders.push(placeholder);
      byClient.set(customerId, placeholders);
    }
    const sealed = new Map<string, Sealed>();
    await Promise.all(
      [...byClient].map(async ([customerId, placeholders]) => {
        const values = await this.cipher.sealCreatingKey(
          customerId,
          placeholders.map((p) => this.texts.get(p)!.text),
        );
        placeholders.forEach((p, i) => sealed.set(p, values[i]!));
      }),
    );
    this.texts = new Map();
    return batch.map((command) => ({
      ...command,
      streams: command.streams.map((stream) => ({
        ...stream,
        events: stream.events.map((event) => ({ ...event, data: replaceIn(event.data, sealed) })),
      })),
    }));
  };
}

/** A copy of `value` with each placeholder string replaced (structures copied only if needed). */
function replaceIn(value: unknown, sealed: ReadonlyMap<string, Sealed>): unknown {
  if (typeof value === 'string') return sealed.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => replaceIn(item, sealed));
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = replaceIn(item, sealed);
    return copy;
  }
  return value;
}
