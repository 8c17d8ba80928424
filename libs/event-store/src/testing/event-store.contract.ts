import { randomUUID } from 'node:crypto';
import {
  CommandIdReusedError,
  InvalidAppendError,
  WrongExpectedRevisionError,
} from '../event-store.errors';
import type { AppendResult, EventStore, NewEvent } from '../event-store.port';
import { ChainVerifier, type ChainHead } from '../hash-chain';
import { newEvent as buildEvent } from '../new-event';

export interface EventStoreUnderTest {
  store: EventStore;
  /** Closes and opens the same storage again, for adapters that persist. */
  reopen?: () => Promise<EventStore>;
  cleanup: () => Promise<void>;
}

/** An event of any type and data for the contract, built as every event is (newEvent). */
export const newEvent = (type: string, data: unknown = {}, customerId = 'c-1'): NewEvent => {
  const commandId = randomUUID();
  return buildEvent(
    { type, schemaVersion: 1, data },
    {
      customerId,
      actor: { id: 'contract-test', roles: ['admin'], kind: 'service' },
      correlationId: commandId,
      commandId,
      source: 'contract-test',
    },
  );
};

const stream = () => `customer-${randomUUID()}`;

/**
 * The one contract every event-store adapter passes (in-memory, SQLite, EventStoreDB).
 */
export function describeEventStoreContract(
  adapterName: string,
  create: () => Promise<EventStoreUnderTest>,
): void {
  describe(`event store contract: ${adapterName}`, () => {
    let subject: EventStoreUnderTest;
    let store: EventStore;

    beforeEach(async () => {
      subject = await create();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    describe('appending to a stream', () => {
      it('numbers a new stream from revision 0 and returns the positions', async () => {
        const id = stream();
        const result = await store.append({
          streams: [
            { streamId: id, expectedRevision: 'no-stream', events: [newEvent('A'), newEvent('B')] },
          ],
        });
        expect(result.duplicate).toBe(false);
        expect(result.events.map((e) => [e.type, e.streamId, e.streamRevision])).toEqual([
          ['A', id, 0],
          ['B', id, 1],
        ]);
        expect(result.revisions[id]).toBe(1);
        expect(result.events[1]!.position).toBeGreaterThan(result.events[0]!.position);
        expect(result.position).toBe(result.events[1]!.position);

        const read = await store.readStream(id);
        expect(read.revision).toBe(1);
        expect(read.events.map((e) => e.id)).toEqual(result.events.map((e) => e.id));
      });

      it('keeps data and metadata exactly as given and stamps the time of recording', async () => {
        const id = stream();
        const event = newEvent('Noted', { text: 'ünïcødé ✓', nested: { n: 1.5, list: [1, null] } });
        await store.append({
          streams: [{ streamId: id, expectedRevision: 'no-stream', events: [event] }],
        });
        const [stored] = (await store.readStream(id)).events;
        expect(stored).toMatchObject({
          id: event.id,
          type: 'Noted',
          schemaVersion: 1,
          data: event.data,
          metadata: event.metadata,
        });
        expect(Number.isNaN(Date.parse(stored!.recordedAt))).toBe(false);
      });

      it('appends when the expected revision matches', async () => {
        const id = stream();
        await store.append({
          streams: [{ streamId: id, expectedRevision: 'no-stream', events: [newEvent('A')] }],
        });
        const second = await store.append({
          streams: [{ streamId: id, expectedRevision: 0, events: [newEvent('B')] }],
        });
        expect(second.revisions[id]).toBe(1);
      });

      it('refuses a wrong expected revision, reports the actual one, and writes nothing', async () => {
        const id = stream();
        await store.append({
          streams: [{ streamId: id, expectedRevision: 'no-stream', events: [newEvent('A')] }],
        });
        const head = await store.headPosition();
        const attempt = store.append({
          streams: [{ streamId: id, expectedRevision: 5, events: [newEvent('B')] }],
        });
        await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await expect(attempt).rejects.toMatchObject({ streamId: id, expected: 5, actual: 0 });
        await expect(
          store.append({
            streams: [{ streamId: id, expectedRevision: 'no-stream', events: [newEvent('B')] }],
          }),
        ).rejects.toMatchObject({ actual: 0 });
        expect((await store.readStream(id)).revision).toBe(0);
        expect(await store.headPosition()).toBe(head);
      });

      it('understands the named expectations', async () => {
        const id = stream();
        await expect(
          store.append({
            streams: [{ streamId: id, expectedRevision: 'stream-exists', events: [newEvent('A')] }],
          }),
        ).rejects.toMatchObject({ actual: -1 });
        await store.append({
          streams: [{ streamId: id, expectedRevision: 'any', events: [newEvent('A')] }],
        });
        await store.append({
          streams: [{ streamId: id, expectedRevision: 'stream-exists', events: [newEvent('B')] }],
        });
        await store.append({
          streams: [{ streamId: id, expectedRevision: 'any', events: [newEvent('C')] }],
        });
        expect((await store.readStream(id)).revision).toBe(2);
      });

      it('lets exactly one of many concurrent writers expecting the same revision win', async () => {
        const id = stream();
        await store.append({
          streams: [{ streamId: id, expectedRevision: 'no-stream', events: [newEvent('Open')] }],
        });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            store.append({
              streams: [{ streamId: id, expectedRevision: 0, events: [newEvent(`W${i}`)] }],
            }),
          ),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(19);
        for (const failure of lost)
          expect(failure.reason).toBeInstanceOf(WrongExpectedRevisionError);
        const read = await store.readStream(id);
        expect(read.events.map((e) => e.streamRevision)).toEqual([0, 1]);
      });

      it('refuses an append that writes nothing or names a stream twice', async () => {
        const id = stream();
        await expect(store.append({ streams: [] })).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(
          store.append({ streams: [{ streamId: id, expectedRevision: 'any', events: [] }] }),
        ).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(
          store.append({
            streams: [
              { streamId: id, expectedRevision: 'any', events: [newEvent('A')] },
              { streamId: id, expectedRevision: 'any', events: [newEvent('B')] },
            ],
          }),
        ).rejects.toBeInstanceOf(InvalidAppendError);
        expect((await store.readStream(id)).revision).toBe(-1);
      });
    });

    describe('atomic appends across streams', () => {
      it('writes to several streams in one append with consecutive positions', async () => {
        const [a, b] = [stream(), stream()];
        const result = await store.append({
          streams: [
            { streamId: a, expectedRevision: 'no-stream', events: [newEvent('A1')] },
            {
              streamId: b,
              expectedRevision: 'no-stream',
              events: [newEvent('B1'), newEvent('B2')],
            },
          ],
        });
        expect(result.revisions).toEqual({ [a]: 0, [b]: 1 });
        expect(result.events.map((e) => e.type)).toEqual(['A1', 'B1', 'B2']);
      });

      it('writes nothing to any stream when one expectation fails', async () => {
        const [a, b] = [stream(), stream()];
        await store.append({
          streams: [{ streamId: b, expectedRevision: 'no-stream', events: [newEvent('B0')] }],
        });
        const head = await store.headPosition();
        await expect(
          store.append({
            streams: [
              { streamId: a, expectedRevision: 'no-stream', events: [newEvent('A1')] },
              { streamId: b, expectedRevision: 'no-stream', events: [newEvent('B1')] },
            ],
          }),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect((await store.readStream(a)).revision).toBe(-1);
        expect((await store.readStream(b)).revision).toBe(0);
        expect(await store.headPosition()).toBe(head);
      });

      it('accepts a stream as a condition only, without events', async () => {
        const [condition, target] = [stream(), stream()];
        await store.append({
          streams: [
            { streamId: condition, expectedRevision: 'no-stream', events: [newEvent('C')] },
          ],
        });
        const result = await store.append({
          streams: [
            { streamId: condition, expectedRevision: 0, events: [] },
            { streamId: target, expectedRevision: 'no-stream', events: [newEvent('T')] },
          ],
        });
        expect(result.revisions).toEqual({ [condition]: 0, [target]: 0 });
        await store.append({
          streams: [{ streamId: condition, expectedRevision: 0, events: [newEvent('C2')] }],
        });
        await expect(
          store.append({
            streams: [
              { streamId: condition, expectedRevision: 0, events: [] },
              { streamId: target, expectedRevision: 0, events: [newEvent('T2')] },
            ],
          }),
        ).rejects.toMatchObject({ streamId: condition, actual: 1 });
      });

      it('leaves no partial append when one event cannot be stored', async () => {
        const id = stream();
        const head = await store.headPosition();
        const unstorable = newEvent('Bad', { amount: BigInt(1) });
        await expect(
          store.append({
            streams: [
              {
                streamId: id,
                expectedRevision: 'no-stream',
                events: [newEvent('Good'), unstorable],
              },
            ],
          }),
        ).rejects.toBeInstanceOf(InvalidAppendError);
        expect((await store.readStream(id)).events).toEqual([]);
        expect(await store.headPosition()).toBe(head);
        const again = await store.append({
          streams: [{ streamId: id, expectedRevision: 'no-stream', events: [newEvent('Good')] }],
        });
        expect(again.revisions[id]).toBe(0);
      });

      it('keeps a failing append from harming concurrent ones', async () => {
        const ids = [stream(), stream(), stream()];
        const outcomes = await Promise.allSettled([
          store.append({
            streams: [
              { streamId: ids[0]!, expectedRevision: 'no-stream', events: [newEvent('A')] },
            ],
          }),
          store.append({
            streams: [{ streamId: ids[1]!, expectedRevision: 3, events: [newEvent('B')] }],
          }),
          store.append({
            streams: [
              { streamId: ids[2]!, expectedRevision: 'no-stream', events: [newEvent('C')] },
            ],
          }),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect((await store.readStream(ids[0]!)).revision).toBe(0);
        expect((await store.readStream(ids[2]!)).revision).toBe(0);
      });
    });

    describe('the global log', () => {
      it('orders every append by strictly increasing position', async () => {
        const start = await store.headPosition();
        const results: AppendResult[] = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            store.append({
              streams: [
                {
                  streamId: stream(),
                  expectedRevision: 'no-stream',
                  events: [newEvent(`E${i}`), newEvent(`F${i}`)],
                },
              ],
            }),
          ),
        );
        const all = await store.readAll({ after: start, limit: 1000 });
        expect(all).toHaveLength(60);
        for (let i = 1; i < all.length; i++) {
          expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
        }
        const appended = results.flatMap((r) => r.events.map((e) => e.id)).sort();
        expect(all.map((e) => e.id).sort()).toEqual(appended);
        expect(await store.headPosition()).toBe(all[all.length - 1]!.position);
      });

      it('reads pages after a position', async () => {
        const start = await store.headPosition();
        const id = stream();
        await store.append({
          streams: [
            {
              streamId: id,
              expectedRevision: 'no-stream',
              events: ['A', 'B', 'C', 'D', 'E'].map((t) => newEvent(t)),
            },
          ],
        });
        const first = await store.readAll({ after: start, limit: 2 });
        const rest = await store.readAll({ after: first[1]!.position, limit: 10 });
        expect([...first, ...rest].map((e) => e.type)).toEqual(['A', 'B', 'C', 'D', 'E']);
        expect(await store.readAll({ after: rest[rest.length - 1]!.position, limit: 10 })).toEqual(
          [],
        );
      });

      it('reads part of a stream from a revision', async () => {
        const id = stream();
        await store.append({
          streams: [
            {
              streamId: id,
              expectedRevision: 'no-stream',
              events: ['A', 'B', 'C', 'D'].map((t) => newEvent(t)),
            },
          ],
        });
        const read = await store.readStream(id, { fromRevision: 1, maxCount: 2 });
        expect(read.events.map((e) => e.type)).toEqual(['B', 'C']);
        expect(read.revision).toBe(3);
        expect(await store.readStream(stream())).toEqual({ events: [], revision: -1 });
      });

      it('reads the tail of a stream after a revision, with the revision of the whole stream', async () => {
        const id = stream();
        await store.append({
          streams: [
            {
              streamId: id,
              expectedRevision: 'no-stream',
              events: ['A', 'B', 'C'].map((t) => newEvent(t)),
            },
          ],
        });
        const tail = await store.readStream(id, { fromRevision: 1 });
        expect(tail.events.map((e) => [e.type, e.streamRevision])).toEqual([
          ['B', 1],
          ['C', 2],
        ]);
        expect(tail.revision).toBe(2);
        // Nothing new since the last revision seen (a cached aggregate's usual read).
        expect(await store.readStream(id, { fromRevision: 3 })).toEqual({
          events: [],
          revision: 2,
        });
        // The stream is shorter than the reader expected (e.g. a store restored from a backup).
        expect(await store.readStream(id, { fromRevision: 7 })).toEqual({
          events: [],
          revision: 2,
        });
        expect(await store.readStream(stream(), { fromRevision: 4 })).toEqual({
          events: [],
          revision: -1,
        });
      });

      it('delivers history and then live appends to a subscriber, in order and without gaps', async () => {
        const start = await store.headPosition();
        const id = stream();
        await store.append({
          streams: [{ streamId: id, expectedRevision: 'no-stream', events: [newEvent('Old')] }],
        });
        const controller = new AbortController();
        const seen: string[] = [];
        const positions: number[] = [];
        const done = (async () => {
          for await (const batch of store.subscribe({
            after: start,
            batchSize: 2,
            signal: controller.signal,
          })) {
            for (const event of batch) {
              seen.push(event.type);
              positions.push(event.position);
            }
            if (seen.length >= 6) controller.abort();
          }
        })();
        for (const type of ['L1', 'L2', 'L3', 'L4', 'L5']) {
          await store.append({
            streams: [{ streamId: id, expectedRevision: 'any', events: [newEvent(type)] }],
          });
        }
        await done;
        expect(seen).toEqual(['Old', 'L1', 'L2', 'L3', 'L4', 'L5']);
        for (let i = 1; i < positions.length; i++)
          expect(positions[i]).toBeGreaterThan(positions[i - 1]!);
      });

      it('ends an idle subscription when it is aborted', async () => {
        const controller = new AbortController();
        const head = await store.headPosition();
        const iterate = (async () => {
          let batches = 0;
          for await (const _ of store.subscribe({ after: head, signal: controller.signal }))
            batches++;
          return batches;
        })();
        controller.abort();
        await expect(iterate).resolves.toBe(0);
      });
    });

    describe("one client's events", () => {
      it('reads every event about a client, of all its streams, in log order, in pages', async () => {
        const client = randomUUID();
        const other = randomUUID();
        const own = `customer-${client}`;
        const deal = `deal-${randomUUID()}`;
        await store.append({
          streams: [
            {
              streamId: own,
              expectedRevision: 'no-stream',
              events: [newEvent('LeadCreated', {}, client)],
            },
          ],
        });
        await store.append({
          streams: [
            {
              streamId: `customer-${other}`,
              expectedRevision: 'no-stream',
              events: [newEvent('LeadCreated', {}, other)],
            },
          ],
        });
        // One append, two streams of the client and one event of another client between.
        await store.append({
          streams: [
            { streamId: own, expectedRevision: 0, events: [newEvent('ContactLogged', {}, client)] },
            {
              streamId: deal,
              expectedRevision: 'no-stream',
              events: [newEvent('DealOpened', {}, client), newEvent('DealWon', {}, client)],
            },
          ],
        });
        await store.append({
          streams: [
            {
              streamId: `customer-${other}`,
              expectedRevision: 'any',
              events: [newEvent('X', {}, other)],
            },
            { streamId: deal, expectedRevision: 'any', events: [newEvent('DealLost', {}, client)] },
          ],
        });

        const all = await store.readCustomer({ customerId: client, after: 0, limit: 100 });
        expect(all.map((e) => [e.type, e.streamId])).toEqual([
          ['LeadCreated', own],
          ['ContactLogged', own],
          ['DealOpened', deal],
          ['DealWon', deal],
          ['DealLost', deal],
        ]);
        for (let i = 1; i < all.length; i++) {
          expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
        }
        // The events are the log's own, positions included.
        const log = await store.readAll({ after: all[0]!.position - 1, limit: 1000 });
        expect(all).toEqual(log.filter((e) => e.metadata.customerId === client));

        const first = await store.readCustomer({ customerId: client, after: 0, limit: 2 });
        const rest = await store.readCustomer({
          customerId: client,
          after: first[1]!.position,
          limit: 10,
        });
        expect([...first, ...rest].map((e) => e.id)).toEqual(all.map((e) => e.id));
        expect(
          await store.readCustomer({ customerId: client, after: all[4]!.position, limit: 10 }),
        ).toEqual([]);
        expect(await store.readCustomer({ customerId: randomUUID(), after: 0, limit: 10 })).toEqual(
          [],
        );
      });

      it('indexes nothing of a failed append', async () => {
        const client = randomUUID();
        const own = `customer-${client}`;
        await store.append({
          streams: [
            { streamId: own, expectedRevision: 'no-stream', events: [newEvent('A', {}, client)] },
          ],
        });
        await expect(
          store.append({
            streams: [{ streamId: own, expectedRevision: 5, events: [newEvent('B', {}, client)] }],
          }),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        const read = await store.readCustomer({ customerId: client, after: 0, limit: 10 });
        expect(read.map((e) => e.type)).toEqual(['A']);
      });

      it('keeps the index across a reopen', async () => {
        if (!subject.reopen) return expect(subject.reopen).toBeUndefined();
        const client = randomUUID();
        await store.append({
          streams: [
            {
              streamId: `customer-${client}`,
              expectedRevision: 'no-stream',
              events: [newEvent('A', {}, client), newEvent('B', {}, client)],
            },
          ],
        });
        store = await subject.reopen!();
        const read = await store.readCustomer({ customerId: client, after: 0, limit: 10 });
        expect(read.map((e) => e.type)).toEqual(['A', 'B']);
      });
    });

    describe('idempotency by command id', () => {
      it('records a command once and answers a retry with the first result', async () => {
        const id = stream();
        const commandId = randomUUID();
        const first = await store.append({
          commandId,
          fingerprint: 'f-1',
          streams: [
            { streamId: id, expectedRevision: 'no-stream', events: [newEvent('A'), newEvent('B')] },
          ],
        });
        const retry = await store.append({
          commandId,
          fingerprint: 'f-1',
          streams: [
            { streamId: id, expectedRevision: 'no-stream', events: [newEvent('A'), newEvent('B')] },
          ],
        });
        expect(retry.duplicate).toBe(true);
        expect(retry.events).toEqual(first.events);
        expect(retry.position).toBe(first.position);
        expect(retry.revisions[id]).toBe(1);
        expect((await store.readStream(id)).events).toHaveLength(2);
        const record = await store.findCommand(commandId);
        expect(record?.events.map((e) => e.id)).toEqual(first.events.map((e) => e.id));
        expect(await store.findCommand(randomUUID())).toBeUndefined();
      });

      it('finds many recorded commands at once, as findCommand finds each', async () => {
        const ids = [randomUUID(), randomUUID(), randomUUID()];
        for (const [i, commandId] of ids.entries()) {
          await store.append({
            commandId,
            ...(i !== 1 && { fingerprint: `f-${i}` }),
            streams: [
              {
                streamId: stream(),
                expectedRevision: 'no-stream',
                events: Array.from({ length: i + 1 }, () => newEvent('A')),
              },
            ],
          });
        }
        const unknown = randomUUID();
        const found = await store.findCommands([unknown, ...ids, ids[0]!]);
        expect([...found.keys()].sort()).toEqual([...ids].sort());
        for (const commandId of ids) {
          expect(found.get(commandId)).toEqual(await store.findCommand(commandId));
        }
        expect(found.get(ids[2]!)?.events).toHaveLength(3);
        expect(found.get(ids[1]!)?.fingerprint).toBeUndefined();
        expect((await store.findCommands([])).size).toBe(0);
      });

      it('refuses a command id reused for a different command', async () => {
        const commandId = randomUUID();
        await store.append({
          commandId,
          fingerprint: 'create lead A',
          streams: [{ streamId: stream(), expectedRevision: 'no-stream', events: [newEvent('A')] }],
        });
        await expect(
          store.append({
            commandId,
            fingerprint: 'create lead B',
            streams: [
              { streamId: stream(), expectedRevision: 'no-stream', events: [newEvent('B')] },
            ],
          }),
        ).rejects.toBeInstanceOf(CommandIdReusedError);
      });

      it('appends once when the same command arrives concurrently', async () => {
        const commandId = randomUUID();
        const start = await store.headPosition();
        const results = await Promise.all(
          Array.from({ length: 10 }, () =>
            store.append({
              commandId,
              streams: [
                { streamId: stream(), expectedRevision: 'no-stream', events: [newEvent('Once')] },
              ],
            }),
          ),
        );
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
        expect(new Set(results.map((r) => r.events[0]!.id)).size).toBe(1);
        expect(await store.readAll({ after: start, limit: 100 })).toHaveLength(1);
      });
    });

    describe('business time', () => {
      it('keeps the occurredAt an event states beside the recordedAt the store gives it', async () => {
        const id = stream();
        const past = { ...newEvent('Imported'), occurredAt: '2019-04-01T09:30:00.000Z' };
        const now = newEvent('Live');
        const appended = await store.append({
          streams: [{ streamId: id, expectedRevision: 'no-stream', events: [past, now] }],
        });
        const [imported, live] = (await store.readStream(id)).events;
        expect(imported!.occurredAt).toBe('2019-04-01T09:30:00.000Z');
        expect(imported!.recordedAt > imported!.occurredAt).toBe(true);
        // Without one, it happened when it was recorded.
        expect(live!.occurredAt).toBe(live!.recordedAt);
        expect(appended.events.map((e) => e.occurredAt)).toEqual([
          imported!.occurredAt,
          live!.occurredAt,
        ]);
        const [fromLog] = await store.readAll({ after: appended.position - 2, limit: 1 });
        expect(fromLog!.occurredAt).toBe('2019-04-01T09:30:00.000Z');
      });

      it('chains the business time: the chain still verifies with it', async () => {
        const from = await store.chainHead();
        await store.append({
          streams: [
            {
              streamId: stream(),
              expectedRevision: 'no-stream',
              events: [{ ...newEvent('Imported'), occurredAt: '2020-01-01T00:00:00.000Z' }],
            },
          ],
        });
        const records = await store.readChain({ after: from.position, limit: 10 });
        expect(records.map((r) => r.occurredAt)).toEqual(['2020-01-01T00:00:00.000Z']);
        const verifier = new ChainVerifier(from);
        expect(verifier.check(records)).toBeUndefined();
        // Another business time would not match the stored hash.
        const forged = new ChainVerifier(from);
        expect(
          forged.check(records.map((r) => ({ ...r, occurredAt: '2021-01-01T00:00:00.000Z' }))),
        ).toMatchObject({ kind: 'mismatch' });
      });
    });

    describe('batches of appends', () => {
      const request = (streamId: string, expectedRevision: number | 'no-stream', type = 'A') => ({
        commandId: randomUUID(),
        streams: [{ streamId, expectedRevision, events: [newEvent(type)] }],
      });

      it('appends every request in order, as appends one after another would', async () => {
        const a = stream();
        const b = stream();
        const requests = [request(a, 'no-stream'), request(b, 'no-stream'), request(a, 0, 'A2')];
        const { results, failed } = await store.appendBatch(requests);
        expect(failed).toBeUndefined();
        expect(results.map((r) => r.duplicate)).toEqual([false, false, false]);
        const positions = results.map((r) => r.position);
        expect([...positions].sort((x, y) => x - y)).toEqual(positions);
        expect((await store.readStream(a)).events.map((e) => e.type)).toEqual(['A', 'A2']);
        expect((await store.findCommand(requests[2]!.commandId))?.events[0]?.type).toBe('A2');
        const from = await store.chainHead();
        expect(from.position).toBeGreaterThanOrEqual(positions[2]!);
      });

      it("checks each request against the revisions the batch's earlier requests left", async () => {
        const a = stream();
        const requests = [request(a, 'no-stream'), request(a, 0, 'A2'), request(a, 0, 'A3')];
        const { results, failed } = await store.appendBatch(requests);
        expect(results).toHaveLength(2);
        expect(failed?.index).toBe(2);
        expect(failed?.error).toBeInstanceOf(WrongExpectedRevisionError);
        expect((await store.readStream(a)).events.map((e) => e.type)).toEqual(['A', 'A2']);
        await expect(store.append(request(a, 1, 'A3'))).resolves.toMatchObject({
          position: expect.any(Number),
        });
      });

      it('answers a request recorded before as a duplicate and appends nothing for it', async () => {
        const a = stream();
        const first = request(a, 'no-stream');
        await store.append(first);
        const head = await store.headPosition();
        const { results, failed } = await store.appendBatch([
          first,
          request(stream(), 'no-stream'),
        ]);
        expect(failed).toBeUndefined();
        expect(results.map((r) => r.duplicate)).toEqual([true, false]);
        expect(await store.headPosition()).toBeGreaterThan(head);
        expect((await store.readStream(a)).events).toHaveLength(1);
      });

      it('stops at the first request that fails: those before it are appended, none after', async () => {
        const a = stream();
        const b = stream();
        const c = stream();
        const requests = [request(a, 'no-stream'), request(b, 5), request(c, 'no-stream')];
        const { results, failed } = await store.appendBatch(requests);
        expect(results).toHaveLength(1);
        expect(failed?.index).toBe(1);
        expect(failed?.error).toBeInstanceOf(WrongExpectedRevisionError);
        expect((await store.readStream(a)).revision).toBe(0);
        expect((await store.readStream(b)).revision).toBe(-1);
        expect((await store.readStream(c)).revision).toBe(-1);
        const from = await store.chainHead();
        await store.append(request(c, 'no-stream'));
        const records = await store.readChain({ after: from.position, limit: 10 });
        expect(new ChainVerifier(from).check(records)).toBeUndefined();
      });
    });

    describe('the hash chain', () => {
      /** Verifies every link after `from` and returns the records checked. */
      const verifiedAfter = async (from: ChainHead) => {
        const records = await store.readChain({ after: from.position, limit: 1000 });
        const verifier = new ChainVerifier(from);
        expect(verifier.check(records)).toBeUndefined();
        expect(await store.chainHead()).toEqual(verifier.head);
        return records;
      };

      it('chains every event to its predecessor, data and metadata as stored', async () => {
        const from = await store.chainHead();
        const first = await store.append({
          streams: [
            {
              streamId: stream(),
              expectedRevision: 'no-stream',
              events: [newEvent('A', { sealed: 'v1.cipher' }), newEvent('B')],
            },
          ],
        });
        const second = await store.append({
          streams: [
            { streamId: stream(), expectedRevision: 'no-stream', events: [newEvent('C')] },
            { streamId: stream(), expectedRevision: 'no-stream', events: [newEvent('D')] },
          ],
        });
        const records = await verifiedAfter(from);
        const appended = [...first.events, ...second.events];
        expect(records.map((r) => [r.id, r.position, r.type])).toEqual(
          appended.map((e) => [e.id, e.position, e.type]),
        );
        expect(records.map((r) => r.sequence)).toEqual(
          appended.map((_, index) => from.sequence + index + 1),
        );
        expect(JSON.parse(records[0]!.data)).toEqual({ sealed: 'v1.cipher' });
        expect(JSON.parse(records[0]!.metadata)).toEqual(appended[0]!.metadata);
        expect(new Set(records.map((r) => r.hash)).size).toBe(records.length);
      });

      it('adds no link for a duplicate or a refused append', async () => {
        const from = await store.chainHead();
        const id = stream();
        const request = {
          commandId: randomUUID(),
          streams: [
            { streamId: id, expectedRevision: 'no-stream' as const, events: [newEvent('A')] },
          ],
        };
        await store.append(request);
        expect((await store.append(request)).duplicate).toBe(true);
        await expect(
          store.append({
            streams: [{ streamId: id, expectedRevision: 5, events: [newEvent('X')] }],
          }),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await store.append({
          streams: [{ streamId: id, expectedRevision: 0, events: [newEvent('B')] }],
        });
        expect((await verifiedAfter(from)).map((r) => r.type)).toEqual(['A', 'B']);
      });

      it('stays one chain under concurrent appends, failing ones among them', async () => {
        const from = await store.chainHead();
        const contested = stream();
        const outcomes = await Promise.allSettled(
          Array.from({ length: 12 }, (_, index) =>
            store.append({
              streams: [
                index % 3 === 0
                  ? { streamId: contested, expectedRevision: 'no-stream', events: [newEvent('C')] }
                  : { streamId: stream(), expectedRevision: 'no-stream', events: [newEvent('N')] },
              ],
            }),
          ),
        );
        const written = outcomes.filter((o) => o.status === 'fulfilled').length;
        expect(await verifiedAfter(from)).toHaveLength(written);
      });

      it('goes on from its head when it is opened again', async () => {
        if (!subject.reopen) return expect(subject.reopen).toBeUndefined();
        const from = await store.chainHead();
        await store.append({
          streams: [{ streamId: stream(), expectedRevision: 'no-stream', events: [newEvent('A')] }],
        });
        store = await subject.reopen();
        await store.append({
          streams: [{ streamId: stream(), expectedRevision: 'no-stream', events: [newEvent('B')] }],
        });
        expect((await verifiedAfter(from)).map((r) => r.type)).toEqual(['A', 'B']);
      });
    });

    it('keeps what it acknowledged when it is opened again', async () => {
      if (!subject.reopen) {
        // Nothing to reopen: the in-memory store is not durable by design.
        expect(subject.reopen).toBeUndefined();
        return;
      }
      const id = stream();
      const commandId = randomUUID();
      const appended = await store.append({
        commandId,
        streams: [
          { streamId: id, expectedRevision: 'no-stream', events: [newEvent('A'), newEvent('B')] },
        ],
      });
      store = await subject.reopen();
      const read = await store.readStream(id);
      expect(read.events).toEqual(appended.events);
      expect(await store.headPosition()).toBe(appended.position);
      expect((await store.findCommand(commandId))?.events).toEqual(appended.events);
      const next = await store.append({
        streams: [{ streamId: id, expectedRevision: 1, events: [newEvent('C')] }],
      });
      expect(next.position).toBeGreaterThan(appended.position);
    });
  });
}
