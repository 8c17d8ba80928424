import type { EventEnvelope } from '@rapport/domain';
import {
  documentCollection,
  projectBatch,
  type AnyProjection,
  type ProjectionTarget,
  type StoredDocument,
} from '@rapport/read-models';
import { InMemoryReadStore } from '@rapport/read-models/adapters';

/**
 * Given/when/then for projections, through the real engine (so duplicates and replays are
 * handled exactly as in production):
 *   await projectionSpecification(p).given(events).then('key', expected)
 *   await projectionSpecification(p).given(events).whenReplayed(fromPosition, events).then(...)
 */
export function projectionSpecification(projection: AnyProjection) {
  const run = async (steps: { from?: number; events: EventEnvelope[] }[]) => {
    const store = new InMemoryReadStore();
    const target: ProjectionTarget = { projection, generation: 1, position: 0 };
    await store.saveProjectionState({
      projection: projection.name,
      generation: 1,
      version: projection.version,
      position: 0,
      status: 'live',
      active: true,
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    for (const step of steps) {
      // A replay resets the checkpoint, as after a crash between documents and checkpoint.
      if (step.from !== undefined) target.position = step.from;
      await projectBatch(store, [target], step.events);
    }
    return { store, collection: documentCollection(target) };
  };

  const stage = (steps: { from?: number; events: EventEnvelope[] }[]) => ({
    /** Delivers events again after the checkpoint went back to `fromPosition`. */
    whenReplayed: (fromPosition: number, events: EventEnvelope[]) =>
      stage([...steps, { from: fromPosition, events }]),
    /** Delivers more events, each batch committed separately. */
    whenDelivered: (...batches: EventEnvelope[][]) =>
      stage([...steps, ...batches.map((events) => ({ events }))]),
    async then(key: string, expected: object | undefined): Promise<void> {
      const { store, collection } = await run(steps);
      const document = await store.get<StoredDocument>(collection, key);
      if (expected === undefined) expect(document).toBeUndefined();
      else expect(document).toEqual(expected);
    },
    async documents<T extends StoredDocument>(): Promise<T[]> {
      const { store, collection } = await run(steps);
      const all: T[] = [];
      for await (const page of store.scan<T>(collection)) all.push(...page);
      return all;
    },
  });

  return { given: (events: EventEnvelope[]) => stage([{ events }]) };
}
