import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import { CHECKPOINT_STORE, type CheckpointStore } from '@rapport/messaging';
import type { Logger } from '@rapport/platform';
import { PersonalDataCipher } from '@rapport/privacy';
import { LOGGER } from '../infrastructure/tokens';

export const ERASURE_COMPLETION = 'erasure-completion';

/** How often the position is saved when no erasure moved it (reading again is harmless). */
const IDLE_SAVE_INTERVAL_MS = 10_000;
const RETRY_DELAY_MS = 1_000;

/**
 * Completes every erasure from the log: for each CustomerErased, the client's key is
 * destroyed. The command destroys it right after the append; this consumer covers a process
 * that died in between (it completes on the next start) and, in the distributed profile,
 * whichever API process reads the event first destroys the key in the shared key store.
 * Checkpointed and idempotent (destroying a destroyed key changes nothing), like a projector.
 */
@Injectable()
export class ErasureCompletion implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly stop = new AbortController();
  private running?: Promise<void>;
  private completedUpTo = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CHECKPOINT_STORE) private readonly checkpoints: CheckpointStore,
    private readonly cipher: PersonalDataCipher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The position up to which every erasure of the log is complete. */
  get position(): number {
    return this.completedUpTo;
  }

  onApplicationBootstrap(): void {
    this.running = this.run();
  }

  async onModuleDestroy(): Promise<void> {
    this.stop.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const { signal } = this.stop;
    while (!signal.aborted) {
      try {
        await this.follow(signal);
      } catch (error) {
        if (signal.aborted) break;
        this.logger.warn({ err: error }, 'erasure completion failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS).unref());
      }
    }
  }

  private async follow(signal: AbortSignal): Promise<void> {
    let saved = await this.checkpoints.load(ERASURE_COMPLETION);
    let savedAt = Date.now();
    this.completedUpTo = Math.max(this.completedUpTo, saved);
    for await (const batch of this.eventStore.subscribe({
      after: saved,
      batchSize: 1000,
      signal,
    })) {
      let erased = false;
      for (const event of batch) {
        if (event.type !== 'CustomerErased') continue;
        if (await this.cipher.forget(event.metadata.customerId)) {
          this.logger.info(
            { customerId: event.metadata.customerId, position: event.position },
            'completed an erasure: destroyed the data key that outlived its CustomerErased',
          );
        }
        erased = true;
      }
      this.completedUpTo = batch[batch.length - 1]!.position;
      if (erased || Date.now() - savedAt >= IDLE_SAVE_INTERVAL_MS) {
        await this.checkpoints.save(ERASURE_COMPLETION, this.completedUpTo);
        saved = this.completedUpTo;
        savedAt = Date.now();
      }
    }
    if (this.completedUpTo > saved)
      await this.checkpoints.save(ERASURE_COMPLETION, this.completedUpTo);
  }
}
