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

/**
 * How often the log is read again once caught up. Not a live subscription: the command
 * destroys the key itself right after the append, so this only has to notice the rare erasure
 * a dead process left undone, and reading every commit's events again would cost the write
 * path for nothing.
 */
const POLL_INTERVAL_MS = 5_000;
const BATCH = 1000;

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
        await this.catchUp(signal);
      } catch (error) {
        if (signal.aborted) break;
        this.logger.warn({ err: error }, 'erasure completion failed; retrying');
      }
      await pause(POLL_INTERVAL_MS, signal);
    }
  }

  /** Reads the log from the checkpoint to its head, destroying the key of every erased client. */
  private async catchUp(signal: AbortSignal): Promise<void> {
    const from = await this.checkpoints.load(ERASURE_COMPLETION);
    this.completedUpTo = Math.max(this.completedUpTo, from);
    while (!signal.aborted) {
      const batch = await this.eventStore.readAll({ after: this.completedUpTo, limit: BATCH });
      if (batch.length === 0) break;
      for (const event of batch) {
        if (event.type !== 'CustomerErased') continue;
        if (await this.cipher.forget(event.metadata.customerId)) {
          this.logger.info(
            { customerId: event.metadata.customerId, position: event.position },
            'completed an erasure: destroyed the data key that outlived its CustomerErased',
          );
        }
      }
      this.completedUpTo = batch[batch.length - 1]!.position;
    }
    if (this.completedUpTo > from) {
      await this.checkpoints.save(ERASURE_COMPLETION, this.completedUpTo);
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    // Unref'd: a pause between two readings never keeps a process alive on its own.
    const timer = setTimeout(done, ms).unref();
    signal.addEventListener('abort', done, { once: true });
  });
}
