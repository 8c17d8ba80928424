import { verifyWebhook, type StructuredCloudEvent } from '@rapport/contracts';
import { MongoReadStore } from '@rapport/read-models/adapters';
import { MongoClient } from 'mongodb';
import { DELIVERIES } from '../../apps/api/src/consumers/webhooks/webhook.documents';
import { eventually, LOCAL_WEBHOOK_ENV, WebhookReceiver } from '../support/webhook-receiver';
import { createLead, openDeal } from '../support/world';
import { startDistributed, type Distributed } from './support/distributed-harness';

describe('webhooks in the distributed profile (real Kafka broker, MongoDB-wire server)', () => {
  let d: Distributed;
  let receiver: WebhookReceiver;
  let flaky = true;

  beforeAll(async () => {
    // Fails its first requests: deliveries are retried from the state kept in MongoDB.
    receiver = await new WebhookReceiver((n) => (flaky && n < 3 ? 503 : 200)).start();
    d = await startDistributed({ env: LOCAL_WEBHOOK_ENV });
  });
  afterAll(async () => {
    await d.close();
    await receiver.stop();
  });

  it('delivers every event from the customer topic once per subscription, in order per client, with retries from the state in MongoDB', async () => {
    const created = await d.api.client
      .as('admin')
      .post('/subscriptions', { url: receiver.url, types: ['LeadCreated', 'DealOpened'] });
    expect(created.status).toBe(201);
    const { id, secret, fromPosition } = created.body as {
      id: string;
      secret: string;
      fromPosition: number;
    };
    const a = await createLead(d.api.client);
    const b = await createLead(d.api.client);
    await openDeal(d.api.client, a);
    await openDeal(d.api.client, b);
    await receiver.until((r) => r.accepted.length >= 2);

    flaky = false;
    await openDeal(d.api.client, a);
    const expected = (await d.api.eventStore.readAll({ after: fromPosition, limit: 1000 })).filter(
      (e) => ['LeadCreated', 'DealOpened'].includes(e.type),
    );
    expect(expected).toHaveLength(5);
    await receiver.until(
      (r) => new Set(r.accepted.map((x) => x.headers['webhook-id'])).size === expected.length,
    );

    const accepted = receiver.accepted.map((r) => JSON.parse(r.body) as StructuredCloudEvent);
    expect(new Set(accepted.map((e) => e.id))).toEqual(new Set(expected.map((e) => e.id)));
    for (const client of [a, b]) {
      const positions = accepted
        .filter((e) => e.data.metadata.customerId === client)
        .map((e) => e.data.position);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
    }
    for (const r of receiver.accepted) {
      expect(verifyWebhook({ body: r.body, headers: r.headers, secret })).toBe(true);
    }

    // One delivery document per event in MongoDB, all delivered.
    const log = await eventually(
      () => d.api.client.as('admin').get(`/subscriptions/${id}/deliveries`),
      (response) =>
        response.body.deliveries.length === expected.length &&
        response.body.deliveries.every((x: { status: string }) => x.status === 'delivered'),
    );
    expect(log.body.deliveries.map((x: { eventId: string }) => x.eventId)).toEqual(
      expected.map((e) => e.id),
    );
    const mongo = await MongoClient.connect(d.mongoUrl);
    try {
      // Another process's view of the shared store: the same deliveries, recorded once each.
      const store = new MongoReadStore(mongo, d.database);
      expect(await store.count(DELIVERIES)).toBe(expected.length);
    } finally {
      await mongo.close();
    }
  });
});
