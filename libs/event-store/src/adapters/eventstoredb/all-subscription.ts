import type { AllStreamResolvedEvent, KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { EventEnvelope } from '@rapport/domain';
import { EventStoreUnavailableError } from '../../event-store.errors';
import type { SubscribeOptions } from '../../event-store.port';
import { toEnvelope } from './event.codec';
import { allPositionOf, positionAt } from './log-position';
import { isHidden, VISIBLE_STREAMS } from './log-reader';
import { toStoreError } from './store-errors';

/** Catch-up then live, both done by the server's $all subscription from `after`. */
export async function* followAll(
  client: KurrentDBClient,
  { after, batchSize = 500, signal }: SubscribeOptions,
  isClosed: () => boolean,
): AsyncGenerator<EventEnvelope[]> {
  if (signal?.aborted) return;
  // Subscriptions start strictly after their position; the cursor check below drops the
  // boundary anyway, so no gap and no duplicate whichever way the server counts.
  let cursor = Math.max(0, Math.floor(after));
  const subscription = client.subscribeToAll({
    fromPosition: positionAt(cursor),
    filter: VISIBLE_STREAMS,
  });
  let failure: unknown;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  // Listeners stay attached between batches: an 'error' without a listener would crash.
  subscription.on('readable', notify);
  subscription.on('end', () => {
    ended = true;
    notify();
  });
  subscription.on('error', (error: Error) => {
    failure ??= error;
    notify();
  });
  signal?.addEventListener('abort', notify);
  try {
    for (;;) {
      if (signal?.aborted) return;
      if (failure !== undefined) throw toStoreError(failure);
      const batch: EventEnvelope[] = [];
      while (batch.length < batchSize) {
        const resolved: AllStreamResolvedEvent | null = subscription.read();
        if (resolved === null) break;
        const event = resolved.event;
        if (!event) continue;
        const position = allPositionOf(event, cursor);
        if (position === undefined) continue;
        cursor = position;
        if (!isHidden(event)) batch.push(toEnvelope(event));
      }
      if (batch.length > 0) {
        yield batch;
        continue;
      }
      if (ended) {
        if (isClosed()) return;
        throw new EventStoreUnavailableError('the $all subscription was ended by KurrentDB');
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    signal?.removeEventListener('abort', notify);
    void subscription.unsubscribe().catch(() => undefined);
  }
}
