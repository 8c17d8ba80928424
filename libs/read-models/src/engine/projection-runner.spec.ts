import { InMemoryReadStore } from '../adapters/in-memory.read-store';
import { customer360Projection } from '../projections/customer-360.projection';
import type { CommitBatch, StoredDocument } from '../read-store.port';
import { historyOf, type HistoryStep } from '../testing/random-history';
import { seededEventStore } from '../testing/seeded-event-store';
import { liveTargets, ProjectionRunner, type RunnerProgress } from './projection-runner';
import { documentCollection } from './projection-target';

/** Counts the commits that move a checkpoint. */
class CountingStore extends InMemoryReadStore {
  checkpointCommits = 0;
  override async commit(batch: CommitBatch): Promise<void> {
    if (batch.checkpoints.length > 0) this.checkpointCommits++;
    return super.commit(batch);
  }
}

const steps = (clients: number, each: number): HistoryStep[] =>
  Array.from({ length: each }, (_, k) =>
    Array.from({ length: clients }, (_, client) => ({
      client,
      kind: (k % 5 === 3 ? 'open' : 'contact') as HistoryStep['kind'],
      amount: 100 + k,
      currency: 'EUR' as const,
      owner: client % 3,
      days: 1,
    })),
  ).flat();

async function documents(store: InMemoryReadStore, collection: string) {
  const all: StoredDocument[] = [];
  for await (const page of store.scan(collection)) all.push(...page);
  return all;
}

describe('projection runner', () => {
  it('catches up in large commits while behind, and commits each batch at once when caught up', async () => {
    // Given a log of about 1,000 events
    const { events } = historyOf(steps(40, 25));
    const source = await seededEventStore(events);
    const store = new CountingStore();
    const targets = await liveTargets(store, [customer360Projection]);
    const reached: { position: number; resolve: () => void }[] = [];
    const onBatch = ({ targets: [target] }: RunnerProgress) => {
      for (const waiter of reached) if (target!.position >= waiter.position) waiter.resolve();
    };
    const committed = (position: number) =>
      new Promise<void>((resolve) => reached.push({ position, resolve }));

    // When the live runner starts on it, then one more event comes
    const controller = new AbortController();
    const runner = new ProjectionRunner(source, store, targets, {
      batchSize: 50,
      catchUp: { flushEvery: 400 },
      onBatch,
    });
    const running = runner.run(controller.signal);
    await committed(events.length);
    const catchUpCommits = store.checkpointCommits;
    const [more] = historyOf([...steps(40, 25), steps(1, 1)[0]!]).events.slice(events.length);
    await source.append({
      streams: [
        {
          streamId: more!.streamId,
          expectedRevision: 'any',
          events: [
            {
              id: more!.id,
              type: more!.type,
              schemaVersion: more!.schemaVersion,
              data: more!.data,
              metadata: more!.metadata,
            },
          ],
        },
      ],
    });
    await committed(events.length + 1);
    controller.abort();
    await running;

    // Then it committed every 400 events or so, not every batch of 50, and the new event at once
    expect(Math.ceil(events.length / 50)).toBeGreaterThanOrEqual(20);
    expect(catchUpCommits).toBeLessThanOrEqual(Math.ceil(events.length / 400) + 1);
    expect(store.checkpointCommits).toBe(catchUpCommits + 1);
    // And the documents are those of a batch-by-batch projection
    const reference = new InMemoryReadStore();
    const referenceTargets = await liveTargets(reference, [customer360Projection]);
    await new ProjectionRunner(source, reference, referenceTargets, {
      batchSize: 7,
      until: events.length + 1,
    }).run();
    expect(await documents(store, documentCollection(targets[0]!))).toEqual(
      await documents(reference, documentCollection(referenceTargets[0]!)),
    );
  });
});
