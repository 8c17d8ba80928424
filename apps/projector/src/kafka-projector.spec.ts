// The projector's stall watchdog on the in-memory bus: a read-store call that never settles
// (a server gone silent with no socket timeout) stops the live consumer in the middle of a
// batch; the watermark stands still while events wait, the projector says it is stalled,
// replaces its consumer, and catches up by itself once the store answers again.
import type { EventEnvelope } from '@rapport/domain';
import { InMemoryMessageBus } from '@rapport/messaging/adapters';
import { createLogger } from '@rapport/platform';
import { PROJECTIONS, type CommitBatch, type ReadStore } from '@rapport/read-models';
import { InMemoryReadStore } from '@rapport/read-models/adapters';
import { leadsWithContacts } from '@rapport/testing';
import { toMessage } from '../../relay/src/event-relay';
import { KafkaProjector } from './kafka-projector';

const STALL_MS = 300;

const history = leadsWithContacts;

/** A store whose commits hang for good while `silent` is set, like a server that went quiet. */
function storeThatCanGoSilent(): { store: ReadStore; goSilent(): void; answerAgain(): void } {
  const store = new InMemoryReadStore();
  const commit = store.commit.bind(store);
  let silent = false;
  store.commit = (batch: CommitBatch) =>
    silent ? new Promise<void>(() => undefined) : commit(batch);
  return {
    store,
    goSilent: () => (silent = true),
    answerAgain: () => (silent = false),
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('KafkaProjector stall watchdog', () => {
  let projector: KafkaProjector | undefined;
  afterEach(async () => {
    await projector?.stop();
    projector = undefined;
  });

  async function given() {
    const bus = new InMemoryMessageBus();
    const read = storeThatCanGoSilent();
    projector = new KafkaProjector(bus, read.store, PROJECTIONS, createLogger('silent'), {
      watermarkEveryMs: 20,
      stallAfterMs: STALL_MS,
    });
    await projector.start();
    const publisher = bus.publisher();
    const publish = (list: EventEnvelope[]) => publisher.publish(list.map((e) => toMessage(e)));
    return { projector, read, publish };
  }

  it('is healthy while it keeps up, and when idle with nothing to do', async () => {
    const events = history(5, 2);
    const { projector, publish } = await given();
    await publish(events);
    await until(() => projector.stats.watermark === events.length, 'the watermark');
    await new Promise((resolve) => setTimeout(resolve, STALL_MS * 2));
    expect(projector.stats).toMatchObject({ stalled: false, consumerRestarts: 0, lag: 0 });
  });

  it('reports a stall when the store stops answering mid-projection, restarts its consumer, and catches up by itself', async () => {
    const events = history(10, 5);
    const { projector, read, publish } = await given();
    await publish(events.slice(0, 10));
    await until(() => projector.stats.watermark === 10, 'the first events to be projected');

    read.goSilent();
    await publish(events.slice(10));
    await until(() => projector.stats.stalled, 'the projector to report the stall');
    expect(projector.stats.watermark).toBe(10);
    expect(projector.stats.lag).toBeGreaterThan(0);
    await until(() => projector.stats.consumerRestarts >= 1, 'the consumer to be restarted');

    read.answerAgain();
    await until(
      () => projector.stats.watermark === events.length,
      'the projector to catch up after the store came back',
    );
    await until(() => !projector.stats.stalled, 'the stall to clear');
    expect(projector.stats.lag).toBe(0);
  });
});
