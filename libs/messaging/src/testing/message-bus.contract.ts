import { randomUUID } from 'node:crypto';
import type { IncomingMessage, MessageBus, OutgoingMessage } from '../message-bus.port';

export interface MessageBusUnderTest {
  bus: MessageBus;
  /** A second, independent client of the same broker (a restarted process). */
  reconnect: () => Promise<MessageBus>;
  cleanup: () => Promise<void>;
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const message = (topic: string, key: string, n: number): OutgoingMessage => ({
  topic,
  key,
  value: JSON.stringify({ key, n }),
  headers: { ce_id: `${key}-${n}`, 'content-type': 'application/json' },
});

/** The one contract every message-bus adapter passes (in-memory, Kafka). */
export function describeMessageBusContract(
  adapterName: string,
  create: () => Promise<MessageBusUnderTest>,
): void {
  describe(`message bus contract: ${adapterName}`, () => {
    let subject: MessageBusUnderTest;
    let topic: string;

    beforeEach(async () => {
      subject = await create();
      topic = `contract-${randomUUID().slice(0, 8)}`;
      await subject.bus.ensureTopics([{ name: topic, partitions: 4 }]);
    });
    afterEach(() => subject.cleanup());

    it('delivers every message with its key and headers, in order per key', async () => {
      const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
      const publisher = subject.bus.publisher();
      for (let round = 0; round < 3; round++) {
        await publisher.publish(
          keys.flatMap((key) => [
            message(topic, key, round * 2),
            message(topic, key, round * 2 + 1),
          ]),
        );
      }
      const received: IncomingMessage[] = [];
      const consumer = subject.bus.consumer({
        groupId: `g-${randomUUID()}`,
        topics: [topic],
        fromBeginning: true,
      });
      await consumer.start(async (batch) => {
        received.push(...batch);
      });
      await until(() => received.length >= 30, '30 messages');
      await consumer.stop();
      await publisher.close();
      for (const key of keys) {
        const mine = received.filter((m) => m.key === key);
        expect(mine.map((m) => (JSON.parse(m.value) as { n: number }).n)).toEqual([
          0, 1, 2, 3, 4, 5,
        ]);
        expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
      }
      expect(received[0]!.headers['content-type']).toBe('application/json');
      expect(received.every((m) => m.topic === topic)).toBe(true);
    });

    it('redelivers a batch whose handler failed, and commits once it succeeds', async () => {
      const publisher = subject.bus.publisher();
      await publisher.publish([message(topic, 'k', 1), message(topic, 'k', 2)]);
      const groupId = `g-${randomUUID()}`;
      let attempts = 0;
      const handled: number[] = [];
      const consumer = subject.bus.consumer({ groupId, topics: [topic], fromBeginning: true });
      await consumer.start(async (batch) => {
        attempts++;
        if (attempts === 1) throw new Error('handler failed');
        handled.push(...batch.map((m) => (JSON.parse(m.value) as { n: number }).n));
      });
      await until(() => handled.length >= 2, 'the redelivered batch');
      await consumer.stop();
      expect(handled.slice(0, 2)).toEqual([1, 2]);
      expect(attempts).toBeGreaterThanOrEqual(2);

      // Committed: the same group, restarted, gets only what comes after.
      const again = (await subject.reconnect()).consumer({
        groupId,
        topics: [topic],
        fromBeginning: true,
      });
      const later: number[] = [];
      await again.start(async (batch) => {
        later.push(...batch.map((m) => (JSON.parse(m.value) as { n: number }).n));
      });
      await publisher.publish([message(topic, 'k', 3)]);
      await until(() => later.length >= 1, 'the message after the commit');
      await again.stop();
      await publisher.close();
      expect(later).toEqual([3]);
    });

    it('lets a restarted consumer pick up where its group committed, losing nothing', async () => {
      const publisher = subject.bus.publisher();
      const groupId = `g-${randomUUID()}`;
      await publisher.publish(Array.from({ length: 10 }, (_, i) => message(topic, `k${i % 3}`, i)));
      const first: number[] = [];
      const consumer = subject.bus.consumer({ groupId, topics: [topic], fromBeginning: true });
      await consumer.start(async (batch) => {
        first.push(...batch.map((m) => (JSON.parse(m.value) as { n: number }).n));
      });
      await until(() => first.length >= 10, 'the first ten');
      await consumer.stop();
      await publisher.publish(
        Array.from({ length: 5 }, (_, i) => message(topic, `k${i % 3}`, 10 + i)),
      );
      const second: number[] = [];
      const restarted = (await subject.reconnect()).consumer({
        groupId,
        topics: [topic],
        fromBeginning: true,
      });
      await restarted.start(async (batch) => {
        second.push(...batch.map((m) => (JSON.parse(m.value) as { n: number }).n));
      });
      await until(() => [10, 11, 12, 13, 14].every((n) => second.includes(n)), 'the next five');
      await restarted.stop();
      await publisher.close();
      // At least once: a batch whose commit was cut short by the stop may come again, but
      // nothing the first consumer had committed comes back before the new messages.
      expect(second.filter((n) => n >= 10).sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14]);
    });

    it('gives each consumer group its own copy of the stream', async () => {
      const publisher = subject.bus.publisher();
      await publisher.publish([message(topic, 'a', 1), message(topic, 'b', 2)]);
      const seen = new Map<string, number>();
      const consumers = ['g1', 'g2'].map((name) =>
        subject.bus.consumer({
          groupId: `${name}-${randomUUID()}`,
          topics: [topic],
          fromBeginning: true,
        }),
      );
      await Promise.all(
        consumers.map((c, i) =>
          c.start(async (batch) => {
            seen.set(`c${i}`, (seen.get(`c${i}`) ?? 0) + batch.length);
          }),
        ),
      );
      await until(
        () => seen.get('c0') === 2 && seen.get('c1') === 2,
        `both groups (${JSON.stringify([...seen])})`,
      );
      await Promise.all(consumers.map((c) => c.stop()));
      await publisher.close();
    });
  });
}
