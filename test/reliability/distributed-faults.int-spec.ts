// Faults of the distributed profile against the real Kafka broker and the MongoDB-wire server:
// - the read-store server is SIGKILLed while the projector works through a backlog, and
//   restarted;
// - combined: a projector dies in the middle of a batch (half its documents written, offsets
//   not committed), the read-store server dies right after, a new projector starts while it is
//   down, commands keep arriving during the outage, and the relay is stopped and started.
// Afterwards: nothing lost, nothing counted twice (every document equals a clean rebuild from
// the log), each client's events applied in order (its documents stand at its last position),
// and every command that was acknowledged during the outage is in the log and in the views.
// - the read-store server goes silent (connections accepted, never answered) while the
//   projector works, then answers again: the projector, on the production MongoDB client,
//   reports the stall and catches up by itself.
// (A broker restart during relaying is covered by test/integration/distributed.int-spec.ts.)
import { MongoClient } from 'mongodb';
import { topicName, TOPICS } from '@rapport/contracts';
import type { EventEnvelope } from '@rapport/domain';
import { KafkaMessageBus } from '@rapport/messaging/adapters';
import { createLogger, loadConfig } from '@rapport/platform';
import { PROJECTIONS, type CommitBatch, type StoredDocument } from '@rapport/read-models';
import { MongoReadStore } from '@rapport/read-models/adapters';
import type { HttpResponse } from '@rapport/testing';
import { Adapters } from '@rapport/wiring';
import { ProjectionProgress } from '../../apps/api/src/read-side/projection-progress';
import { KafkaProjector } from '../../apps/projector/src/kafka-projector';
import { createLead } from '../support/world';
import {
  startDistributed,
  until,
  type Distributed,
} from '../integration/support/distributed-harness';
import { cleanRebuild, snapshot } from '../integration/support/read-model-snapshots';
import { execFileSync } from 'node:child_process';
import {
  killServer,
  restartServer,
  SERVERS_SCRIPT,
  type TestServerName,
} from '../integration/support/test-servers';
import { startSilentProxy } from './support/proxy';

function running(name: TestServerName): boolean {
  try {
    execFileSync(SERVERS_SCRIPT, ['status', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Warnings (the projector's failed attempts against the dead server) explain a failure in CI.
const projectorLogger = createLogger('warn');

async function wholeLog(d: Distributed): Promise<EventEnvelope[]> {
  return d.api.eventStore.readAll({ after: 0, limit: 100_000 });
}

/** The relay has published the whole log and the projector's watermark has reached it. */
async function caughtUp(d: Distributed): Promise<void> {
  const head = await d.api.eventStore.headPosition();
  await until(
    async () => d.relay.progress.position >= head,
    'the relay to publish everything',
    90_000,
  );
  await until(
    async () =>
      (await d.api.client.as('analyst').get(`/pipeline?minPosition=${head}`)).status === 200,
    `the read models to reach position ${head}`,
    90_000,
  );
}

/** Each client's 360 document stands at its own last event: its events were applied in order. */
function checkPerClientOrder(
  docs: Record<string, StoredDocument[]>,
  log: EventEnvelope[],
): string[] {
  const problems: string[] = [];
  const lastOf = new Map<string, number>();
  for (const event of log) {
    if (event.streamId.startsWith('audit-')) continue;
    lastOf.set(event.metadata.customerId, event.position);
  }
  const customers = docs['customer-360'] ?? [];
  for (const [customerId, last] of lastOf) {
    const doc = customers.find((c) => c.id === customerId);
    if (!doc) problems.push(`${customerId}: no 360 document`);
    else if (doc.position !== last)
      problems.push(`${customerId}: document at ${doc.position}, last event at ${last}`);
  }
  if (customers.length !== lastOf.size)
    problems.push(`${customers.length} documents for ${lastOf.size} clients`);
  return problems;
}

/**
 * Once everything is projected: the documents equal a clean rebuild of the log (nothing lost,
 * nothing counted twice) and each client's document stands at its last event (order kept).
 */
async function expectBooksBalanced(d: Distributed): Promise<void> {
  await caughtUp(d);
  const now = await snapshot(d);
  expect(now).toEqual(await cleanRebuild(d));
  expect(checkPerClientOrder(now, await wholeLog(d))).toEqual([]);
}

/** Shorter than in production (60 s), so a stall is noticed and repaired within the test. */
const STALL_MS = 5000;

function kafkaBus(d: Distributed, clientId: string): KafkaMessageBus {
  return new KafkaMessageBus({
    brokers: d.brokers,
    clientId,
    maxWaitMs: 50,
    log: (level, message, extra) => projectorLogger[level]({ kafka: extra }, message),
  });
}

/** A projector of our own on the live group, writing through `wrap` (slow, or doomed). */
async function ownProjector(
  d: Distributed,
  wrap: (store: MongoReadStore) => void,
  clientId: string,
  options: { stallAfterMs?: number } = {},
): Promise<{ projector: KafkaProjector; close: () => Promise<void>; batches: () => number }> {
  const client = await MongoClient.connect(d.mongoUrl, { socketTimeoutMS: 60_000 }); // as libs/wiring
  const store = new MongoReadStore(client, d.database);
  wrap(store);
  const bus = kafkaBus(d, clientId);
  let batches = 0;
  const projector = new KafkaProjector(bus, store, PROJECTIONS, projectorLogger, {
    groupId: d.projector.groupId,
    topicPrefix: d.topicPrefix,
    watermarkEveryMs: 100,
    ...options,
    onBatch: () => void batches++,
  });
  await projector.start();
  return {
    projector,
    batches: () => batches,
    close: async () => {
      await projector.stop().catch(() => undefined);
      await bus.close();
      await client.close(true).catch(() => undefined);
    },
  };
}

async function contactsFor(d: Distributed, clients: string[], rounds: number, tag: string) {
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      clients.map(async (customerId) => {
        const response = await d.api.client.as('sales').post(`/customers/${customerId}/contacts`, {
          channel: 'call',
          direction: 'outbound',
          subject: `${tag} ${round}`,
        });
        expect(response.status).toBe(201);
      }),
    );
  }
}

describe('distributed profile under read-store and projector faults', () => {
  let d: Distributed | undefined;
  afterEach(async () => {
    // Whatever happened, the read-store server must be up for the next test and the harness.
    try {
      if (!running('mongo')) restartServer('mongo');
    } finally {
      await d?.close();
      d = undefined;
    }
  });

  it('loses and double counts nothing when the read-store server is killed mid-projection and restarted', async () => {
    d = await startDistributed();
    const clients = await Promise.all(Array.from({ length: 20 }, () => createLead(d!.api.client)));
    await caughtUp(d);
    // A backlog for the projector: it is stopped while 20 clients get 10 contacts and a deal each.
    await d.projector.stop();
    await contactsFor(d, clients, 10, 'backlog');
    for (const customerId of clients) {
      const deal = await d.api.client
        .as('sales')
        .post(`/customers/${customerId}/deals`, { title: 'x', amount: 50, currency: 'EUR' });
      expect(deal.status).toBe(201);
    }
    const head = await d.api.eventStore.headPosition();
    await until(async () => d!.relay.progress.position >= head, 'the relay to publish the backlog');

    // A projector whose read store is slow, so the kill lands while it works through the
    // backlog; every use of the store is counted.
    let uses = 0;
    const slow = await ownProjector(
      d,
      (store) => {
        const commit = store.commit.bind(store);
        const getMany = store.getMany.bind(store);
        store.commit = async (batch: CommitBatch) => {
          uses++;
          await new Promise((resolve) => setTimeout(resolve, 40));
          return commit(batch);
        };
        store.getMany = ((collection: string, ids: readonly string[]) => {
          uses++;
          return getMany(collection, ids);
        }) as typeof store.getMany;
      },
      'slow-projector',
      // If it stalls after the restart, its watchdog must get it going again by itself.
      { stallAfterMs: STALL_MS },
    );
    try {
      await until(async () => slow.batches() >= 2, 'the projector to be under way');
      const projectedAtKill = slow.batches();
      killServer('mongo');
      // Down until the projector has tried to use the dead server a few times.
      const usesAtKill = uses;
      await until(async () => uses >= usesAtKill + 3, 'the projector to try the dead server');
      restartServer('mongo');
      const usesAtRestart = uses;
      await caughtUp(d).catch(async (error: unknown) => {
        // What the projector was doing, for whoever reads a failed run.
        const lag = await new KafkaMessageBus({ brokers: d!.brokers, clientId: 'diagnosis' })
          .groupLag(d!.projector.groupId, topicName(TOPICS.customerEvents, d!.topicPrefix))
          .catch((e: unknown) => String(e));
        throw new Error(
          `${(error as Error).message}; store uses at kill ${usesAtKill}, at restart ${usesAtRestart}, now ${uses}; projector ${JSON.stringify(slow.projector.stats)}; the API sees the pipeline at ${d!.api.app.get(ProjectionProgress).position('sales-pipeline')} (it polls the projection states); group lag ${JSON.stringify(lag, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
        );
      });
      // The kill really fell in the middle: batches were projected after it.
      expect(slow.batches()).toBeGreaterThan(projectedAtKill);
    } finally {
      await slow.close();
    }
    await d.restartProjector();
    await contactsFor(d, clients, 2, 'after');
    await expectBooksBalanced(d);
    for (const customerId of clients) {
      const view = await d.api.client.as('sales').get(`/customers/${customerId}`);
      expect({
        customerId,
        contacts: view.body.contacts.total,
        open: view.body.deals.open,
      }).toEqual({
        customerId,
        contacts: 12,
        open: 1,
      });
    }
  }, 240_000);

  it('recovers from a projector dying mid-batch, the read-store server dying with it, and commands during the outage', async () => {
    d = await startDistributed();
    const clients = await Promise.all(Array.from({ length: 12 }, () => createLead(d!.api.client)));
    await caughtUp(d);
    await d.projector.stop();

    // The doomed projector writes half of a batch's documents, then dies (offsets uncommitted).
    let crashed = false;
    const doomed = await ownProjector(
      d,
      (store) => {
        const commit = store.commit.bind(store);
        store.commit = async (batch: CommitBatch) => {
          if (!crashed && batch.writes.length > 3) {
            crashed = true;
            await commit({
              writes: batch.writes.slice(0, Math.ceil(batch.writes.length / 2)),
              checkpoints: [],
            });
            throw new Error('projector killed mid-batch');
          }
          if (crashed) throw new Error('projector is dead');
          return commit(batch);
        };
      },
      'doomed-projector',
    );
    await contactsFor(d, clients, 4, 'before');
    await until(async () => crashed, 'the projector to die mid-batch');
    await doomed.close();

    // The read-store server dies too; the relay is bounced; a new projector is started while
    // MongoDB is down, and clients keep sending commands (they need the key store, in MongoDB).
    killServer('mongo');
    await d.stopRelay();
    d.startRelay();
    const restarting = d.restartProjector();
    const duringOutage: Promise<HttpResponse>[] = clients.map((customerId, i) =>
      d!.api.client
        .as('sales')
        .post(
          `/customers/${customerId}/contacts`,
          { channel: 'web', direction: 'inbound', subject: `outage ${i}` },
          { headers: { 'idempotency-key': `outage-${i}` } },
        ),
    );
    // The outage lasts until those are answered (from caches and the SQLite log) or 2 s.
    let settled = 0;
    for (const answer of duringOutage) void answer.finally(() => settled++);
    await until(async () => settled === duringOutage.length, 'the outage', 2000).catch(
      () => undefined,
    );
    restartServer('mongo');
    await restarting;
    const answers = await Promise.all(duringOutage);

    // Every answer says what happened: acknowledged → in the log; failed → not in the log and
    // a clean error (never a 500); and a retry with the same key completes it exactly once.
    const log = await wholeLog(d);
    const recorded = new Set(log.map((e) => e.metadata.commandId));
    const problems: string[] = [];
    answers.forEach((answer, i) => {
      const stored = recorded.has(`sales-user/outage-${i}`);
      if (answer.status === 201 && !stored) problems.push(`outage-${i}: acknowledged, not stored`);
      if (answer.status !== 201 && stored)
        problems.push(`outage-${i}: ${answer.status} but stored`);
      if (answer.status >= 500 && answer.status !== 503)
        problems.push(`outage-${i}: ${answer.status} ${answer.body?.code}`);
    });
    expect(problems).toEqual([]);
    for (const [i, customerId] of clients.entries()) {
      if (answers[i]!.status === 201) continue;
      const retry = await d.api.client
        .as('sales')
        .post(
          `/customers/${customerId}/contacts`,
          { channel: 'web', direction: 'inbound', subject: `outage ${i}` },
          { headers: { 'idempotency-key': `outage-${i}` } },
        );
      expect(retry.status).toBe(201);
    }

    await contactsFor(d, clients, 2, 'after');
    await expectBooksBalanced(d);
    for (const customerId of clients) {
      const view = await d.api.client.as('sales').get(`/customers/${customerId}`);
      expect({ customerId, contacts: view.body.contacts.total }).toEqual({
        customerId,
        contacts: 7,
      });
    }
  }, 240_000);
  it('recovers by itself when the read-store server goes silent mid-projection (connections accepted, never answered)', async () => {
    d = await startDistributed();
    const clients = await Promise.all(Array.from({ length: 10 }, () => createLead(d!.api.client)));
    await caughtUp(d);
    await d.projector.stop();

    // The production wiring (libs/wiring's MongoDB client), reaching the server through a
    // proxy that can go silent; its socket timeout shortened like the stall time.
    const mongo = new URL(d.mongoUrl);
    const proxy = await startSilentProxy({ host: mongo.hostname, port: Number(mongo.port) });
    const config = loadConfig({
      CRM_MONGO_URL: `mongodb://${proxy.address}`,
      CRM_MONGO_DB: d.database,
      CRM_KAFKA_BROKERS: d.brokers.join(','),
      CRM_MONGO_SOCKET_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'silent',
    });
    const adapters = new Adapters(config, '/nonexistent', projectorLogger);
    const store = await adapters.readStore();
    const bus = kafkaBus(d, 'silenced-projector');
    const projector = new KafkaProjector(bus, store, PROJECTIONS, projectorLogger, {
      groupId: d.projector.groupId,
      topicPrefix: d.topicPrefix,
      watermarkEveryMs: 100,
      stallAfterMs: STALL_MS,
    });
    try {
      await projector.start();
      await contactsFor(d, clients, 2, 'before');
      await until(
        async () => projector.stats.watermark >= (await d!.api.eventStore.headPosition()),
        'the projector to project the first contacts',
      );

      proxy.goSilent();
      await contactsFor(d, clients, 3, 'while silent');
      const head = await d.api.eventStore.headPosition();
      await until(async () => d!.relay.progress.position >= head, 'the relay to publish them');
      // Stalled, and it says why: events wait in Kafka while the watermark stands still.
      await until(
        async () => projector.stats.stalled && projector.stats.lag > 0,
        'the projector to report the stall and its lag',
      );
      expect(projector.stats.watermark).toBeLessThan(head);

      proxy.speakAgain();
      await until(
        async () => projector.stats.watermark >= head && !projector.stats.stalled,
        'the projector to catch up by itself',
        90_000,
      );
    } finally {
      await projector.stop().catch(() => undefined);
      await bus.close();
      await store.close();
      await adapters.close().catch(() => undefined);
      await proxy.close();
    }
    await d.restartProjector();
    await expectBooksBalanced(d);
    for (const customerId of clients) {
      const view = await d.api.client.as('sales').get(`/customers/${customerId}`);
      expect({ customerId, contacts: view.body.contacts.total }).toEqual({
        customerId,
        contacts: 5,
      });
    }
  }, 240_000);
});
