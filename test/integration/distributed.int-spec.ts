import { randomUUID } from 'node:crypto';
import { Kafka } from 'kafkajs';
import {
  decodeEnvelope,
  topicName,
  TOPICS,
  type IngestDeadLetter,
  type IngestReply,
} from '@rapport/contracts';
import { KafkaMessageBus } from '@rapport/messaging/adapters';
import { createLogger } from '@rapport/platform';
import { PROJECTIONS } from '@rapport/read-models';
import { MongoReadStore } from '@rapport/read-models/adapters';
import { MongoClient } from 'mongodb';
import { KafkaProjector } from '../../apps/projector/src/kafka-projector';
import { createLead } from '../support/world';
import { startDistributed, until, type Distributed } from './support/distributed-harness';
import { cleanRebuild, snapshot } from './support/read-model-snapshots';
import { killServer, restartServer, testServers } from './support/test-servers';

/** Waits until the projector has caught up with everything relayed. */
async function caughtUp(d: Distributed): Promise<void> {
  const head = await d.api.eventStore.headPosition();
  await until(async () => d.relay.progress.position >= head, 'the relay to publish everything');
  // One read-your-writes wait is 5 s; a loaded machine may take longer to project a burst.
  await until(
    async () =>
      (await d.api.client.as('analyst').get(`/pipeline?minPosition=${head}`)).status === 200,
    `the read models to reach position ${head}`,
    90_000,
  );
}

/** Reads a whole topic (fresh consumer group) and returns the envelopes per key. */
async function topicContents(d: Distributed, expected: number): Promise<Map<string, number[]>> {
  const kafka = new Kafka({ brokers: d.brokers, clientId: 'inspector', logLevel: 0 });
  const consumer = kafka.consumer({ groupId: `inspector-${randomUUID()}`, maxWaitTimeInMs: 50 });
  const byKey = new Map<string, number[]>();
  let seen = 0;
  await consumer.connect();
  await consumer.subscribe({
    topic: topicName(TOPICS.customerEvents, d.topicPrefix),
    fromBeginning: true,
  });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const envelope = decodeEnvelope(message.value!);
      const key = message.key!.toString();
      expect(key).toBe(envelope.metadata.customerId);
      byKey.set(key, [...(byKey.get(key) ?? []), envelope.position]);
      seen++;
    },
  });
  await until(async () => seen >= expected, `${expected} messages in the topic`);
  await consumer.disconnect();
  return byKey;
}

describe('distributed profile (real Kafka broker, MongoDB-wire server)', () => {
  let d: Distributed;
  beforeEach(async () => {
    d = await startDistributed();
  });
  afterEach(() => d.close());

  it('carries a command from HTTP through the log, the relay, Kafka and the projector to the 360 view', async () => {
    const created = await d.api.client
      .as('sales')
      .post('/customers', { name: 'Kafka Kate', source: 'web', email: 'kate@example.com' });
    expect(created.status).toBe(201);
    const view = await d.api.client
      .as('sales')
      .get(`/customers/${created.body.customerId}?minPosition=${created.body.position}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      status: 'lead',
      profile: { name: 'Kafka Kate', email: 'kate@example.com' },
    });
    const health = await d.api.client.anonymous.get('/health');
    expect(health.body.profile).toBe('distributed');
  });

  it('leaves no plaintext personal data in the Kafka topics, and erasure makes the client erased everywhere', async () => {
    const created = await d.api.client.as('sales').post('/customers', {
      name: 'Quentin Kafkaesque',
      email: 'quentin.kafkaesque@example.org',
      phone: '+49 30 1234567',
      source: 'web',
    });
    const customerId = created.body.customerId as string;
    await d.api.client.as('sales').post(`/customers/${customerId}/contacts`, {
      channel: 'call',
      direction: 'inbound',
      subject: 'Quentin calls',
      notes: 'Quentin likes jazz',
    });
    const planned = await d.api.client.as('sales').post(`/customers/${customerId}/activities`, {
      kind: 'call',
      subject: 'Call Quentin back',
      dueAt: '2030-01-01T09:00:00Z',
    });
    expect(planned.status).toBe(201);
    await d.api.client
      .as('sales')
      .get(`/customers/${customerId}?minPosition=${planned.body.position}`);
    const erased = await d.api.client
      .as('admin')
      .post(`/customers/${customerId}/erasure`, { reason: 'request' });
    expect(erased.status).toBe(201);
    await caughtUp(d);
    const view = await d.api.client
      .as('sales')
      .get(`/customers/${customerId}?minPosition=${erased.body.position}`);
    expect(view.body).toMatchObject({
      status: 'erased',
      profile: { name: null, email: null, phone: null },
      // The erasure cancelled the planned call: off the agenda, counted as cancelled.
      nextActivity: null,
      activities: { open: 0, scheduled: 1, cancelled: 1 },
    });
    const agenda = await d.api.client
      .as('admin')
      .get(`/activities?customerId=${customerId}&minPosition=${erased.body.position}`);
    expect(agenda.body.items).toEqual([]);

    const kafka = new Kafka({ brokers: d.brokers, clientId: 'scanner', logLevel: 0 });
    const consumer = kafka.consumer({ groupId: `scanner-${randomUUID()}`, maxWaitTimeInMs: 50 });
    const records: string[] = [];
    await consumer.connect();
    for (const topic of [TOPICS.customerEvents, TOPICS.auditEvents]) {
      await consumer.subscribe({ topic: topicName(topic, d.topicPrefix), fromBeginning: true });
    }
    await consumer.run({
      eachMessage: async ({ message }) =>
        void records.push(`${message.key}|${message.value}|${JSON.stringify(message.headers)}`),
    });
    const total = (await d.api.eventStore.readAll({ after: 0, limit: 10_000 })).length;
    await until(async () => records.length >= total, 'every record of both topics');
    await consumer.disconnect();
    for (const needle of [
      'Quentin',
      'Kafkaesque',
      'quentin.kafkaesque@example.org',
      '1234567',
      'likes jazz',
    ]) {
      expect({ needle, found: records.some((r) => r.includes(needle)) }).toEqual({
        needle,
        found: false,
      });
    }
    const mongo = await MongoClient.connect(d.mongoUrl);
    try {
      expect(
        await mongo
          .db(d.database)
          .collection('customer_keys')
          .countDocuments({ _id: customerId as never }),
      ).toBe(0);
    } finally {
      await mongo.close();
    }
  });

  it("keeps each client's events in order, end to end, with many clients interleaved", async () => {
    const clients = await Promise.all(Array.from({ length: 12 }, () => createLead(d.api.client)));
    await Promise.all(
      clients.map(async (customerId) => {
        for (let i = 0; i < 8; i++) {
          const response = await d.api.client
            .as('sales')
            .post(`/customers/${customerId}/contacts`, {
              channel: 'call',
              direction: 'outbound',
              subject: `call ${i}`,
              occurredAt: `2026-01-${String(i + 1).padStart(2, '0')}T10:00:00Z`,
            });
          expect(response.status).toBe(201);
        }
      }),
    );
    await caughtUp(d);
    const crmEvents = (await d.api.eventStore.readAll({ after: 0, limit: 10_000 })).filter(
      (e) => !e.streamId.startsWith('audit-'),
    );
    const byKey = await topicContents(d, crmEvents.length);
    for (const customerId of clients) {
      const positions = byKey.get(customerId)!;
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(positions).toHaveLength(9);
      const view = await d.api.client.as('sales').get(`/customers/${customerId}`);
      expect(view.body.contacts.total).toBe(8);
      expect(view.body.contacts.recent.map((c: { subject: string }) => c.subject)).toEqual(
        Array.from({ length: 8 }, (_, i) => `call ${7 - i}`),
      );
    }
  });

  it('changes no document when a batch is consumed again (offsets reset)', async () => {
    const customerId = await createLead(d.api.client);
    for (let i = 0; i < 5; i++) {
      await d.api.client.as('sales').post(`/customers/${customerId}/deals`, {
        title: `d${i}`,
        amount: 100 + i,
        currency: 'EUR',
      });
    }
    await caughtUp(d);
    const before = await snapshot(d);
    const groupId = d.projector.groupId;
    await d.projector.stop();
    const kafka = new Kafka({ brokers: d.brokers, clientId: 'reset', logLevel: 0 });
    const admin = kafka.admin();
    await admin.connect();
    await admin.resetOffsets({
      groupId,
      topic: topicName(TOPICS.customerEvents, d.topicPrefix),
      earliest: true,
    });
    await admin.disconnect();
    let redelivered = 0;
    await d.restartProjector({ groupId, onBatch: ({ events }) => (redelivered += events.length) });
    const total = (await d.api.eventStore.readAll({ after: 0, limit: 10_000 })).filter(
      (e) => !e.streamId.startsWith('audit-'),
    ).length;
    await until(async () => redelivered >= total, 'every event to be consumed again');
    expect(await snapshot(d)).toEqual(before);
  });

  it('equals a clean rebuild after the projector is killed mid-batch and restarted', async () => {
    const clients = await Promise.all(Array.from({ length: 6 }, () => createLead(d.api.client)));
    await caughtUp(d);
    // The next projector dies after writing part of a batch, before committing its offsets.
    await d.projector.stop();
    const crashingStore = async () => {
      const client = await MongoClient.connect(d.mongoUrl);
      return { client, store: new MongoReadStore(client, d.database) };
    };
    const { client, store } = await crashingStore();
    let crashed = false;
    const commit = store.commit.bind(store);
    store.commit = async (batch) => {
      if (!crashed && batch.writes.length > 1) {
        crashed = true;
        await commit({
          writes: batch.writes.slice(0, Math.ceil(batch.writes.length / 2)),
          checkpoints: [],
        });
        throw new Error('projector killed mid-batch');
      }
      return commit(batch);
    };
    const { KafkaProjector } = await import('../../apps/projector/src/kafka-projector');
    const { KafkaMessageBus } = await import('@rapport/messaging/adapters');
    const { createLogger } = await import('@rapport/platform');
    const bus = new KafkaMessageBus({ brokers: d.brokers, clientId: 'doomed', maxWaitMs: 50 });
    const doomed = new KafkaProjector(bus, store, PROJECTIONS, createLogger('silent'), {
      groupId: d.projector.groupId,
      topicPrefix: d.topicPrefix,
    });
    await doomed.start();
    for (const customerId of clients) {
      await d.api.client.as('sales').post(`/customers/${customerId}/contacts`, {
        channel: 'web',
        direction: 'inbound',
        subject: 'hi',
      });
      await d.api.client
        .as('sales')
        .post(`/customers/${customerId}/deals`, { title: 'x', amount: 10, currency: 'EUR' });
    }
    await until(async () => crashed, 'the crash');
    await doomed.stop();
    await bus.close();
    await client.close();
    await d.restartProjector();
    await caughtUp(d);
    expect(await snapshot(d)).toEqual(await cleanRebuild(d));
  });

  it('projects campaigns over Kafka: a campaign keyed by its id, responses by their member, figures equal to a clean rebuild', async () => {
    const marketing = d.api.client.as('marketing');
    const campaignId = (
      await marketing.post('/campaigns', {
        name: 'Kafka mailing',
        channel: 'email',
        startsAt: '2026-01-01T00:00:00Z',
      })
    ).body.campaignId as string;
    await marketing.post(`/campaigns/${campaignId}/launch`, {});
    await marketing.post(`/campaigns/${campaignId}/costs`, { amount: 100, currency: 'EUR' });
    const clients = await Promise.all(
      Array.from({ length: 6 }, () => createLead(d.api.client, { campaignId })),
    );
    for (const customerId of clients) {
      await d.api.client
        .as('sales')
        .post(`/customers/${customerId}/consents`, { purpose: 'marketing', granted: true });
    }
    await marketing.post(`/campaigns/${campaignId}/members`, { customerIds: clients });
    for (const [i, customerId] of clients.entries()) {
      await marketing.post(`/campaigns/${campaignId}/responses`, {
        customerId,
        response: i === 0 ? 'unsubscribed' : 'opened',
      });
      if (i % 2 === 1) {
        const deal = await d.api.client
          .as('sales')
          .post(`/customers/${customerId}/deals`, { title: 'x', amount: 100, currency: 'EUR' });
        await d.api.client.as('sales').post(`/deals/${deal.body.dealId}/won`, {});
      }
    }
    await caughtUp(d);
    const head = await d.api.eventStore.headPosition();
    const figures = await d.api.client
      .as('analyst')
      .get(`/analytics/campaigns?currency=EUR&minPosition=${head}`);
    expect(figures.body.campaigns).toEqual([
      expect.objectContaining({
        campaignId,
        members: 6,
        responders: 5,
        responses: expect.objectContaining({ opened: 5, unsubscribed: 1 }),
        leads: 6,
        dealsWon: { firstTouch: 3, lastTouch: 3 },
        revenue: { firstTouch: 300, lastTouch: 300 },
        cost: 100,
      }),
    ]);
    expect(await snapshot(d)).toEqual(await cleanRebuild(d));
  });

  it('rebuilds a projection beside the live one with its own consumer group, then swaps it in', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => createLead(d.api.client)));
    for (const customerId of clients) {
      await d.api.client
        .as('sales')
        .post(`/customers/${customerId}/deals`, { title: 'x', amount: 25, currency: 'EUR' });
    }
    await caughtUp(d);
    const started = await d.api.client.as('admin').post('/admin/projections/customer-360/rebuild');
    expect(started.status).toBe(202);
    // Writes and reads go on during the rebuild.
    for (const customerId of clients.slice(0, 4)) {
      await d.api.client.as('sales').post(`/customers/${customerId}/contacts`, {
        channel: 'web',
        direction: 'inbound',
        subject: 'during',
      });
      expect((await d.api.client.as('sales').get(`/customers/${customerId}`)).status).toBe(200);
    }
    await until(async () => {
      const status = await d.api.client.as('admin').get('/admin/projections');
      return (
        status.body.projections.find((p: { name: string }) => p.name === 'customer-360')
          .generation === 2
      );
    }, 'the swap to generation 2');
    await caughtUp(d);
    const head = await d.api.eventStore.headPosition();
    await d.api.client.as('sales').get(`/customers/${clients[0]}?minPosition=${head}`);
    const status = await d.api.client.as('admin').get('/admin/projections');
    expect(
      status.body.projections.find((p: { name: string }) => p.name === 'customer-360'),
    ).toMatchObject({ generation: 2, status: 'live' });
    await until(async () => {
      const now = await snapshot(d);
      const clean = await cleanRebuild(d);
      return JSON.stringify(now['customer-360']) === JSON.stringify(clean['customer-360']);
    }, 'generation 2 to equal a clean rebuild');
  });

  it('loses and reorders nothing when the broker restarts while the relay publishes and the projector consumes', async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => createLead(d.api.client)));
    await caughtUp(d);
    const batchesBefore = d.projector.stats.batches;
    const writes = (async () => {
      for (let round = 0; round < 6; round++) {
        for (const customerId of clients) {
          const response = await d.api.client
            .as('sales')
            .post(`/customers/${customerId}/contacts`, {
              channel: 'chat',
              direction: 'inbound',
              subject: `round ${round}`,
            });
          expect(response.status).toBe(201);
        }
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    // The projector is consuming the new contacts when the broker goes.
    await until(async () => d.projector.stats.batches > batchesBefore, 'the projector to consume');
    const batchesAtKill = d.projector.stats.batches;
    killServer('kafka');
    await new Promise((resolve) => setTimeout(resolve, 500));
    restartServer('kafka');
    await writes;
    await caughtUp(d);
    // The same consumer went on after the restart, and saw no stall.
    expect(d.projector.stats.batches).toBeGreaterThan(batchesAtKill);
    await until(
      async () => d.projector.stats.lag === 0 && !d.projector.stats.stalled,
      'no lag and no stall',
    );
    const crmEvents = (await d.api.eventStore.readAll({ after: 0, limit: 10_000 })).filter(
      (e) => !e.streamId.startsWith('audit-'),
    );
    const byKey = await topicContents(d, crmEvents.length);
    for (const customerId of clients) {
      const positions = byKey.get(customerId)!;
      const distinct = [...new Set(positions)];
      // At least once: a batch may be published twice, but never out of order, never missing.
      expect(distinct).toEqual(
        crmEvents.filter((e) => e.metadata.customerId === customerId).map((e) => e.position),
      );
      const ordered = positions.filter(
        (p, i) => i === 0 || p > positions[i - 1]! || positions.slice(0, i).includes(p),
      );
      expect(ordered).toEqual(positions);
    }
    expect(await snapshot(d)).toEqual(await cleanRebuild(d));
  });
});

describe('the projector on a broker where the relay never ran', () => {
  it('creates the topics it reads and starts, instead of failing on unknown topics', async () => {
    const { kafkaBrokers, mongoUrl } = testServers();
    const brokers = kafkaBrokers.split(',');
    const run = randomUUID().slice(0, 8);
    const topicPrefix = `first${run}.`;
    const bus = new KafkaMessageBus({ brokers, clientId: 'projector-first', maxWaitMs: 50 });
    const mongo = await MongoClient.connect(mongoUrl);
    const database = `rapport_first_${run}`;
    const projector = new KafkaProjector(
      bus,
      new MongoReadStore(mongo, database),
      PROJECTIONS,
      createLogger('silent'),
      { topicPrefix },
    );
    try {
      await projector.start();
      const admin = new Kafka({ brokers, clientId: 'inspector', logLevel: 0 }).admin();
      await admin.connect();
      const topics = await admin.listTopics();
      await admin.disconnect();
      expect(topics.filter((t) => t.startsWith(topicPrefix)).sort()).toEqual(
        [TOPICS.auditEvents, TOPICS.customerEvents].map((t) => topicName(t, topicPrefix)).sort(),
      );
    } finally {
      await projector.stop();
      await bus.close();
      await mongo.db(database).dropDatabase();
      await mongo.close();
    }
  });
});

describe('ingest from internal systems over Kafka (crm.ingest)', () => {
  let d: Distributed;
  beforeEach(async () => {
    d = await startDistributed();
  });
  afterEach(() => d.close());

  it('executes valid commands once per key, sends refused ones to crm.ingest.dlq with the reason, and keeps consuming', async () => {
    const kafka = new Kafka({ brokers: d.brokers, clientId: 'billing', logLevel: 0 });
    const producer = kafka.producer();
    await producer.connect();
    const customerId = randomUUID();
    const lead = JSON.stringify({
      command: 'CreateLead',
      idempotencyKey: 'lead-1',
      system: 'billing',
      targetId: customerId,
      data: { name: 'Grace Hopper', source: 'billing' },
    });
    const messages = [
      'not json at all',
      JSON.stringify({ command: 'CreateLead', idempotencyKey: 'bad-1', system: 'billing' }),
      JSON.stringify({
        command: 'CreateLead',
        idempotencyKey: 'bad-2',
        system: 'billing',
        data: { name: 'x', source: 'y', constructor: { prototype: { admin: true } } },
      }),
      JSON.stringify({
        command: 'LogContact',
        idempotencyKey: 'bad-3',
        system: 'billing',
        targetId: randomUUID(),
        data: { channel: 'call', direction: 'inbound', subject: 'Nobody' },
      }),
      lead,
      lead, // redelivered or resent: the same command
    ];
    await producer.send({
      topic: topicName(TOPICS.ingest, d.topicPrefix),
      messages: messages.map((value) => ({ key: customerId, value })),
    });
    await producer.disconnect();

    // The valid command ran once, after the refused ones: the consumer kept going.
    const stream = await until(async () => {
      const read = await d.api.eventStore.readStream(`customer-${customerId}`);
      return read.events.length > 0 ? read : undefined;
    }, 'the lead from crm.ingest');
    expect(stream.events.map((e) => e.type)).toEqual(['LeadCreated']);
    expect(stream.events[0]!.metadata.actor.id).toBe('service:billing');

    const letters: IngestDeadLetter[] = [];
    const consumer = kafka.consumer({ groupId: `dlq-${randomUUID()}`, maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({
      topic: topicName(TOPICS.ingestDeadLetters, d.topicPrefix),
      fromBeginning: true,
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        letters.push(JSON.parse(message.value!.toString()) as IngestDeadLetter);
      },
    });
    await until(async () => letters.length >= 4, 'four dead letters');
    await consumer.disconnect();
    expect(letters.map((l) => ({ code: l.code, original: l.original }))).toEqual([
      { code: 'MALFORMED_JSON', original: messages[0] },
      { code: 'VALIDATION_FAILED', original: messages[1] },
      { code: 'VALIDATION_FAILED', original: messages[2] },
      { code: 'CUSTOMER_NOT_FOUND', original: messages[3] },
    ]);
    for (const letter of letters) expect(letter.reason.length).toBeGreaterThan(0);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('answers campaign members pushed on crm.ingest on crm.ingest.replies, skipped ones with the reason, as POST /ingest does', async () => {
    const as = d.api.client.as.bind(d.api.client);
    const granted = await createLead(d.api.client);
    const silent = await createLead(d.api.client);
    await as('sales').post(`/customers/${granted}/consents`, {
      purpose: 'marketing',
      granted: true,
    });
    const planned = await as('marketing').post('/campaigns', {
      name: 'Spring',
      channel: 'email',
      startsAt: '2026-01-01T00:00:00Z',
    });
    const campaignId = planned.body.campaignId as string;
    await as('marketing').post(`/campaigns/${campaignId}/launch`, {});
    const message = {
      command: 'AddCampaignMembers',
      idempotencyKey: `members-${campaignId}`,
      system: 'mailer',
      targetId: campaignId,
      correlationId: `mailer-${campaignId}`,
      data: { customerIds: [granted, silent] },
    };

    const kafka = new Kafka({ brokers: d.brokers, clientId: 'mailer', logLevel: 0 });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topicName(TOPICS.ingest, d.topicPrefix),
      messages: [{ key: campaignId, value: JSON.stringify(message) }],
    });
    await producer.disconnect();

    const replies: IngestReply[] = [];
    const consumer = kafka.consumer({ groupId: `replies-${randomUUID()}`, maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({
      topic: topicName(TOPICS.ingestReplies, d.topicPrefix),
      fromBeginning: true,
    });
    await consumer.run({
      eachMessage: async ({ message: reply }) => {
        replies.push(JSON.parse(reply.value!.toString()) as IngestReply);
      },
    });
    await until(
      async () => replies.some((r) => r.idempotencyKey === message.idempotencyKey),
      'the reply to the members batch',
    );
    await consumer.disconnect();
    const reply = replies.find((r) => r.idempotencyKey === message.idempotencyKey)!;
    expect(reply).toMatchObject({
      system: 'mailer',
      command: 'AddCampaignMembers',
      correlationId: message.correlationId,
      duplicate: false,
    });
    expect(reply.answer).toMatchObject({
      campaignId,
      added: [granted],
      skipped: [{ customerId: silent, reason: 'no-consent' }],
    });
    // The same message through POST /ingest is the same command: answered the same.
    const http = await as('service').post('/ingest', message);
    expect(http.status).toBe(201);
    expect(http.body).toEqual(reply.answer);
  });
});
