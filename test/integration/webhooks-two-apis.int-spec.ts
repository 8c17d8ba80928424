// Two API instances share one webhook delivery stream in the distributed profile: the consumer
// group `rapport-webhooks` splits the customer topic's partitions between them, the delivery
// documents in MongoDB are their shared state, and a stopped instance's partitions (and the
// deliveries it had recorded) are taken over by the other. The receiver must get what the
// single-process tests demand: every event, in order per client, signed with the secret.
import { topicOf, TOPICS, verifyWebhook, type StructuredCloudEvent } from '@rapport/contracts';
import type { EventEnvelope } from '@rapport/domain';
import { Metrics } from '@rapport/platform';
import { MongoReadStore } from '@rapport/read-models/adapters';
import { Kafka } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { DELIVERIES } from '../../apps/api/src/consumers/webhooks/webhook.documents';
import { WebhookDispatcher } from '../../apps/api/src/consumers/webhooks/webhook.dispatcher';
import type { TestApi } from '../support/api-harness';
import {
  eventually,
  LOCAL_WEBHOOK_ENV,
  WebhookReceiver,
  type ReceivedWebhook,
} from '../support/webhook-receiver';
import { createLead, expectCreated, openDeal } from '../support/world';
import { startDistributed, until, type Distributed } from './support/distributed-harness';

/** The clients whose events each instance's fan-out recorded (from its share of partitions). */
function watchFanOut(api: TestApi): Set<string> {
  const clients = new Set<string>();
  const dispatcher = api.app.get(WebhookDispatcher);
  const record = dispatcher.record.bind(dispatcher);
  dispatcher.record = async (events: readonly EventEnvelope[]) => {
    await record(events);
    for (const event of events) clients.add(event.metadata.customerId);
  };
  return clients;
}

/** Resolves once the webhook dispatchers' consumer group is stable with `members` members. */
async function groupHas(d: Distributed, members: number): Promise<void> {
  const admin = new Kafka({ brokers: d.brokers, clientId: 'group-watch' }).admin();
  await admin.connect();
  try {
    await until(async () => {
      const { groups } = await admin.describeGroups([`${d.topicPrefix}rapport-webhooks`]);
      const [group] = groups;
      return group?.state === 'Stable' && group.members.length === members;
    }, `the webhook consumer group to have ${members} members`);
  } finally {
    await admin.disconnect();
  }
}

/** Delivery attempts an instance made so far (its rapport_webhook_attempts_total). */
async function attemptsOf(api: TestApi): Promise<number> {
  const { values } = await api.app.get(Metrics).webhookAttempts.get();
  return values.reduce((sum, { value }) => sum + value, 0);
}

const parse = (r: ReceivedWebhook) => JSON.parse(r.body) as StructuredCloudEvent;

/**
 * What at-least-once in order per client allows: each client's accepted events, in the order
 * they were accepted, are its events in log order, where an event may come again only right
 * after itself (an answer lost before it was recorded), never after a later one.
 */
function orderProblems(accepted: ReceivedWebhook[], expected: EventEnvelope[]): string[] {
  const problems: string[] = [];
  const lanes = new Map<string, number[]>();
  for (const event of accepted.map(parse)) {
    const lane = lanes.get(event.data.metadata.customerId) ?? [];
    lane.push(event.data.position);
    lanes.set(event.data.metadata.customerId, lane);
  }
  const owed = new Map<string, number[]>();
  for (const event of expected) {
    owed.set(event.metadata.customerId, [
      ...(owed.get(event.metadata.customerId) ?? []),
      event.position,
    ]);
  }
  for (const [client, positions] of owed) {
    const lane = lanes.get(client) ?? [];
    const firsts: number[] = [];
    for (const position of lane) {
      const last = firsts[firsts.length - 1];
      if (position === last) continue; // sent again before anything later: allowed
      if (last !== undefined && position < last)
        problems.push(`${client}: ${position} arrived after ${last}`);
      else firsts.push(position);
    }
    if (JSON.stringify(firsts) !== JSON.stringify(positions))
      problems.push(`${client}: got ${JSON.stringify(lane)}, owed ${JSON.stringify(positions)}`);
  }
  for (const client of lanes.keys())
    if (!owed.has(client)) problems.push(`${client}: events of a client not in the scenario`);
  return problems;
}

describe('webhooks with two API instances (real Kafka broker, MongoDB-wire server)', () => {
  let d: Distributed;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    // A slow receiver (so that deliveries are under way when an instance stops) that refuses
    // some requests early on: retries are scheduled in the shared delivery documents.
    receiver = await new WebhookReceiver((n) => ({
      status: n < 80 && n % 9 === 4 ? 503 : 200,
      afterMs: 30,
    })).start();
    d = await startDistributed({ env: LOCAL_WEBHOOK_ENV });
  });
  afterAll(async () => {
    await d?.close();
    await receiver?.stop();
  });

  it('shares the deliveries between the instances, and the one left takes over when the other stops mid-scenario', async () => {
    const a = d.api;
    const b = await d.startReplica();
    await groupHas(d, 2);
    const recordedByA = watchFanOut(a);
    const recordedByB = watchFanOut(b);

    const created = await a.client.as('admin').post('/subscriptions', { url: receiver.url });
    expect(created.status).toBe(201);
    const { id, secret, fromPosition } = created.body as {
      id: string;
      secret: string;
      fromPosition: number;
    };

    // Commands spread over 16 clients and both instances.
    const instances = [a, b];
    const via = (i: number) => instances[i % instances.length]!.client;
    const clients = await Promise.all(
      Array.from({ length: 16 }, (_, i) => createLead(via(i), { name: `Client ${i}` })),
    );
    const contact = async (i: number, subject: string) =>
      expectCreated(
        await via(i).as('sales').post(`/customers/${clients[i]!}/contacts`, {
          channel: 'call',
          direction: 'outbound',
          subject,
        }),
        'log contact',
      );
    await Promise.all(clients.map((customerId, i) => openDeal(via(i + 1), customerId)));
    await Promise.all(clients.map((_, i) => contact(i, 'first call')));

    // Both fan-outs have their share of the topic, and both instances send, when one stops.
    await until(
      async () =>
        recordedByA.size > 0 &&
        recordedByB.size > 0 &&
        (await attemptsOf(a)) > 0 &&
        (await attemptsOf(b)) >= 3,
      'both instances to record and send deliveries',
    );
    const delivered = receiver.accepted.length;
    await b.close();
    const stoppedAt = await a.eventStore.headPosition();
    const clientsOfB = new Set(recordedByB);
    recordedByA.clear();

    // The scenario goes on through the instance left; its fan-out now reads every partition.
    instances.pop();
    for (let round = 0; round < 2; round++) {
      await Promise.all(clients.map((_, i) => contact(i, `after the stop ${round}`)));
    }

    const expected = (await a.eventStore.readAll({ after: fromPosition, limit: 10_000 })).filter(
      (e) => topicOf(e.streamId) === TOPICS.customerEvents,
    );
    expect(expected).toHaveLength(16 * 5);
    const owedIds = new Set(expected.map((e) => e.id));
    await receiver.until(
      (r) => new Set(r.accepted.map((x) => x.headers['webhook-id'])).size >= owedIds.size,
    );

    // The stop came mid-scenario: much was still to deliver and to record.
    expect(delivered).toBeLessThan(16 * 3);
    // The partitions the stopped instance had were read by the other after the stop.
    const laterOfB = expected.filter(
      (e) => clientsOfB.has(e.metadata.customerId) && e.position > stoppedAt,
    );
    expect(laterOfB.length).toBeGreaterThan(0);
    expect(laterOfB.every((e) => recordedByA.has(e.metadata.customerId))).toBe(true);

    const accepted = receiver.accepted;
    expect(new Set(accepted.map((r) => parse(r).id))).toEqual(owedIds);
    expect(orderProblems(accepted, expected)).toEqual([]);
    // At least once allows a second copy only where an answer was lost (a process dying
    // between the receiver's 2xx and recording it). The stop here let the instance finish
    // what it had started, and the leases keep the two from sending the same delivery: once.
    expect(accepted.length).toBe(owedIds.size);
    for (const r of receiver.received) {
      expect(r.headers['webhook-id']).toBe(parse(r).id);
      expect(verifyWebhook({ body: r.body, headers: r.headers, secret })).toBe(true);
    }

    // One delivery document per event in the shared store, each delivered.
    const log = await eventually(
      () => a.client.as('admin').get(`/subscriptions/${id}/deliveries?limit=500`),
      (response) =>
        response.body.deliveries.length === expected.length &&
        response.body.deliveries.every((x: { status: string }) => x.status === 'delivered'),
    );
    expect(log.body.deliveries.map((x: { eventId: string }) => x.eventId)).toEqual(
      expected.map((e) => e.id),
    );
    const mongo = await MongoClient.connect(d.mongoUrl);
    try {
      expect(await new MongoReadStore(mongo, d.database).count(DELIVERIES)).toBe(expected.length);
    } finally {
      await mongo.close();
    }
  });
});
