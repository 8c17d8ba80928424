// The crm.ingest consumer's failure rules on the in-memory bus: a message that triggers a bug
// is tried a bounded number of times and then goes to the DLQ with the error, so its partition
// moves on; a store outage holds the partition (nothing after it overtakes it, nothing is lost).
import { topicName, TOPICS, type IngestDeadLetter, type IngestReply } from '@rapport/contracts';
import { EventStoreUnavailableError } from '@rapport/event-store';
import { InMemoryMessageBus } from '@rapport/messaging/adapters';
import { createLogger, loadConfig } from '@rapport/platform';
import { INGEST_ATTEMPTS, IngestConsumer } from './ingest.consumer';
import type { IngestService } from './ingest.service';

interface Command {
  id: string;
  command?: string;
  system?: string;
  idempotencyKey?: string;
}

/** What the ingest service does with each command, decided by the test. */
type Behaviour = (command: Command, attempt: number) => Promise<void>;

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('IngestConsumer failures', () => {
  let consumer: IngestConsumer | undefined;
  afterEach(async () => {
    await consumer?.onApplicationShutdown();
    consumer = undefined;
  });

  async function given(behaviour: Behaviour) {
    const bus = new InMemoryMessageBus();
    const attempts = new Map<string, number>();
    const executed: string[] = [];
    const service = {
      execute: async (command: Command) => {
        const attempt = (attempts.get(command.id) ?? 0) + 1;
        attempts.set(command.id, attempt);
        await behaviour(command, attempt);
        executed.push(command.id);
        // What the command answered (IngestService: the definition's answer fields too).
        return {
          customerId: 'c1',
          revision: 0,
          position: executed.length,
          events: [],
          duplicate: false,
          ...(command.command === 'AddCampaignMembers' && {
            added: ['c1'],
            skipped: [{ customerId: 'c2', reason: 'no-consent' }],
          }),
        };
      },
    } as unknown as IngestService;
    consumer = new IngestConsumer(
      bus,
      createLogger('silent'),
      () => new Date('2026-03-01T00:00:00.000Z'),
      loadConfig({}),
      service,
    );
    await consumer.onApplicationBootstrap();
    const publisher = bus.publisher();
    const send = (...ids: (string | Command)[]) =>
      publisher.publish(
        ids.map((id) => ({
          topic: topicName(TOPICS.ingest),
          key: 'one-client', // one partition: order matters
          value: JSON.stringify(typeof id === 'string' ? { id } : id),
        })),
      );
    const replies = () =>
      bus.messages(topicName(TOPICS.ingestReplies)).map((m) => JSON.parse(m.value) as IngestReply);
    const deadLetters = () =>
      bus
        .messages(topicName(TOPICS.ingestDeadLetters))
        .map((m) => JSON.parse(m.value) as IngestDeadLetter);
    return { send, attempts, executed, deadLetters, replies };
  }

  it('sends a message that keeps triggering a bug to the DLQ with the error after a bounded number of attempts, and goes on', async () => {
    const { send, attempts, executed, deadLetters } = await given(async (command) => {
      if (command.id === 'poison')
        throw new TypeError("Cannot read properties of undefined (reading 'x')");
    });
    await send('before', 'poison', 'after');
    await until(() => executed.includes('after'), 'the message after the poison one');

    expect(executed).toEqual(['before', 'after']);
    expect(attempts.get('poison')).toBe(INGEST_ATTEMPTS);
    expect(deadLetters()).toEqual([
      {
        code: 'INGEST_FAILED',
        reason: `processing failed ${INGEST_ATTEMPTS} times: Cannot read properties of undefined (reading 'x')`,
        details: {
          error: 'TypeError',
          message: "Cannot read properties of undefined (reading 'x')",
          attempts: INGEST_ATTEMPTS,
        },
        original: JSON.stringify({ id: 'poison' }),
        failedAt: '2026-03-01T00:00:00.000Z',
      },
    ]);
  });

  it('answers each executed message on crm.ingest.replies with what its command answered', async () => {
    const { send, executed, replies, deadLetters } = await given(async () => undefined);
    await send({
      id: 'members',
      command: 'AddCampaignMembers',
      system: 'mailer',
      idempotencyKey: 'batch-1',
    });
    await until(() => replies().length === 1, 'the reply');
    expect(executed).toEqual(['members']);
    expect(replies()).toEqual([
      {
        system: 'mailer',
        idempotencyKey: 'batch-1',
        command: 'AddCampaignMembers',
        duplicate: false,
        answer: {
          customerId: 'c1',
          revision: 0,
          position: 1,
          events: [],
          added: ['c1'],
          skipped: [{ customerId: 'c2', reason: 'no-consent' }],
        },
        answeredAt: '2026-03-01T00:00:00.000Z',
      },
    ]);
    expect(deadLetters()).toEqual([]);
  });

  it('executes a message whose failure was passing, without a dead letter', async () => {
    const { send, executed, deadLetters } = await given(async (command, attempt) => {
      if (command.id === 'flaky' && attempt === 1) throw new Error('a passing fault');
    });
    await send('flaky', 'after');
    await until(() => executed.includes('after'), 'the message after the flaky one');
    expect(executed).toEqual(['flaky', 'after']);
    expect(deadLetters()).toEqual([]);
  });

  it('holds the partition through a store outage, however long, then executes everything in order', async () => {
    let storeDown = true;
    const { send, attempts, executed, deadLetters } = await given(async () => {
      if (storeDown) throw new EventStoreUnavailableError('disk full');
    });
    await send('first', 'second');
    await until(
      () => (attempts.get('first') ?? 0) > INGEST_ATTEMPTS * 2,
      'many attempts during the outage',
    );
    expect(executed).toEqual([]);
    expect(attempts.has('second')).toBe(false);

    storeDown = false;
    await until(() => executed.length === 2, 'both messages after the outage');
    expect(executed).toEqual(['first', 'second']);
    expect(deadLetters()).toEqual([]);
  });
});
