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
  private readonly texts = new Map<string, { customerId: string; text: string }>();
  /**
   * Every placeholder sealed so far and its sealed value: a decider may copy a sealed value
   * into a later command (an activity's subject into the contact that completes it, weeks
   * and many batches later), which must carry the same sealed value.
   */
  private readonly settled = new Map<string, Sealed>();
  private next = 0;

  constructor(private readonly cipher: PersonalDataCipher) {}

  readonly seal = (customerId: string, text: string): Sealed => {
    const placeholder = `${this.prefix}${this.next++}`;
    this.texts.set(placeholder, { customerId, text });
    return placeholder as Sealed;
  };

  /**
   * The batch with each placeholder replaced by its sealed text. Only the placeholders the
   * batch holds are sealed: the history may have handed out others already, for commands of a
   * later batch, which wait for their batch; one sealed before is put back as it was sealed.
   */
  readonly settle = async (batch: SyntheticCommand[]): Promise<SyntheticCommand[]> => {
    const inBatch = new Set<string>();
    for (const command of batch)
      for (const stream of command.streams)
        for (const event of stream.events) this.collect(event.data, inBatch);
    const byClient = new Map<string, string[]>();
    for (const placeholder of inBatch) {
      const { customerId } = this.texts.get(placeholder)!;
      const placeholders = byClient.get(customerId) ?? [];
      placeholders.push(placeholder);
      byClient.set(customerId, placeholders);
    }
    await Promise.all(
      [...byClient].map(async ([customerId, placeholders]) => {
        const values = await this.cipher.sealCreatingKey(
          customerId,
          placeholders.map((p) => this.texts.get(p)!.text),
        );
        placeholders.forEach((p, i) => this.settled.set(p, values[i]!));
      }),
    );
    for (const placeholder of inBatch) this.texts.delete(placeholder);
    const sealed = this.settled;
    return batch.map((command) => ({
      ...command,
      streams: command.streams.map((stream) => ({
        ...stream,
        events: stream.events.map((event) => ({ ...event, data: replaceIn(event.data, sealed) })),
      })),
    }));
  };

  /** How many texts wait for their batch (0 once the whole history is settled). */
  get pending(): number {
    return this.texts.size;
  }

  /** The placeholders of this seal found anywhere in `value`. */
  private collect(value: unknown, into: Set<string>): void {
    if (typeof value === 'string') {
      if (value.startsWith(this.prefix) && this.texts.has(value)) into.add(value);
    } else if (Array.isArray(value)) for (const item of value) this.collect(item, into);
    else if (value !== null && typeof value === 'object')
      for (const item of Object.values(value)) this.collect(item, into);
  }
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
