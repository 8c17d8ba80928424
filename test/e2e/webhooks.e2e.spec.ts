import { encodeCloudEvent, verifyWebhook, type StructuredCloudEvent } from '@rapport/contracts';
import { randomUUID } from 'node:crypto';
import type { EventEnvelope, EventMetadata } from '@rapport/domain';
import { newEvent, type NewEvent } from '@rapport/event-store';
import { startTestApi, type TestApi } from '../support/api-harness';
import { eventually, WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver';
import { buildWorld, createLead, openDeal } from '../support/world';

interface Subscription {
  id: string;
  secret: string;
  fromPosition: number;
}

const WEBHOOK_ENV = {
  CRM_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  CRM_WEBHOOK_RETRY_BASE_MS: '10',
  CRM_WEBHOOK_RETRY_MAX_MS: '80',
  CRM_WEBHOOK_MAX_ATTEMPTS: '4',
  CRM_WEBHOOK_TIMEOUT_MS: '1500',
};

async function subscribe(api: TestApi, url: string, body: Record<string, unknown> = {}) {
  const response = await api.client.as('admin').post('/subscriptions', { url, ...body });
  expect(response.status).toBe(201);
  return response.body as Subscription;
}

/** The events a subscription owes: the customer topic's, after its creation. */
async function owed(api: TestApi, subscription: Subscription): Promise<EventEnvelope[]> {
  const all = await api.eventStore.readAll({ after: subscription.fromPosition, limit: 10_000 });
  return all.filter((e) => !e.streamId.startsWith('audit-'));
}

const parse = (r: ReceivedWebhook) => JSON.parse(r.body) as StructuredCloudEvent;

/** Each client's events, in the order the receiver accepted them. */
function byClient(received: ReceivedWebhook[]): Map<string, number[]> {
  const lanes = new Map<string, number[]>();
  for (const r of received) {
    const event = parse(r);
    const lane = lanes.get(event.data.metadata.customerId) ?? [];
    lane.push(event.data.position);
    lanes.set(event.data.metadata.customerId, lane);
  }
  return lanes;
}

function expectInOrderPerClient(received: ReceivedWebhook[]): void {
  for (const positions of byClient(received).values()) {
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  }
}

describe('webhooks', () => {
  let api: TestApi;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (behaviour?: ConstructorParameters<typeof WebhookReceiver>[0]) => {
    const started = await new WebhookReceiver(behaviour).start();
    receivers.push(started);
    return started;
  };

  beforeAll(async () => {
    api = await startTestApi({ env: WEBHOOK_ENV });
  });
  afterAll(async () => {
    await api.close();
    for (const r of receivers) await r.stop();
  });

  it('delivers every event of a scenario once, in order per client, signed with the secret', async () => {
    const endpoint = await receiver();
    const subscription = await subscribe(api, endpoint.url, { description: 'billing sync' });
    expect(subscription.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);

    const first = await buildWorld(api.client);
    const second = await buildWorld(api.client);
    await openDeal(api.client, first.customerId);
    expect((await api.client.as('sales').post(`/deals/${first.dealId}/won`, {})).status).toBe(201);
    const expected = await owed(api, subscription);
    await endpoint.until((r) => r.received.length >= expected.length);

    const events = endpoint.received.map(parse);
    expect(events.map((e) => e.id).sort()).toEqual(expected.map((e) => e.id).sort());
    expect(new Set(endpoint.received.map((r) => r.headers['webhook-id'])).size).toBe(
      expected.length,
    );
    expectInOrderPerClient(endpoint.received);
    expect([...byClient(endpoint.received).keys()].sort()).toEqual(
      [first.customerId, second.customerId].sort(),
    );
    for (const r of endpoint.received) {
      expect(verifyWebhook({ body: r.body, headers: r.headers, secret: subscription.secret })).toBe(
        true,
      );
      const event = expected.find((e) => e.id === r.headers['webhook-id'])!;
      // The body is the structured CloudEvent of the feed, whose data is the Kafka value.
      expect(r.body).toBe(encodeCloudEvent(event));
      expect(r.headers['content-type']).toBe('application/json');
    }
    expect(JSON.stringify(endpoint.received)).not.toContain('Grace Hopper');

    const log = await eventually(
      () => api.client.as('admin').get(`/subscriptions/${subscription.id}/deliveries?limit=500`),
      (response) =>
        response.body.deliveries?.filter((d: { status: string }) => d.status === 'delivered')
          .length === expected.length,
    );
    expect(log.body.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 1 });
    const listed = await api.client.as('admin').get('/subscriptions');
    expect(listed.body.subscriptions).toContainEqual(
      expect.objectContaining({
        id: subscription.id,
        url: endpoint.url,
        description: 'billing sync',
      }),
    );
    expect(JSON.stringify(listed.body)).not.toContain(subscription.secret);
    expect(
      await api.client.as('admin').send('DELETE', `/subscriptions/${subscription.id}`, undefined),
    ).toMatchObject({
      status: 204,
    });
  });

  it('keeps retrying a receiver that fails for a while, which then gets everything', async () => {
    // Fewer failures than CRM_WEBHOOK_MAX_ATTEMPTS (4): on a loaded machine the first delivery
    // can take every one of them before the next event exists, and must still get through.
    let failures = 0;
    const endpoint = await receiver((n) => (n < 3 ? (failures++, 503) : 200));
    const subscription = await subscribe(api, endpoint.url, {
      types: ['LeadCreated', 'DealOpened'],
    });
    const a = await createLead(api.client);
    const b = await createLead(api.client);
    await openDeal(api.client, a);
    await openDeal(api.client, b);
    await openDeal(api.client, a);
    const expected = (await owed(api, subscription)).filter((e) =>
      ['LeadCreated', 'DealOpened'].includes(e.type),
    );
    expect(expected).toHaveLength(5);
    await endpoint.until(
      (r) => new Set(r.accepted.map(parse).map((e) => e.id)).size === expected.length,
    );

    expect(failures).toBe(3);
    expect(new Set(endpoint.accepted.map(parse).map((e) => e.id))).toEqual(
      new Set(expected.map((e) => e.id)),
    );
    expectInOrderPerClient(endpoint.accepted);
    const log = await eventually(
      () => api.client.as('admin').get(`/subscriptions/${subscription.id}/deliveries`),
      (response) =>
        response.body.deliveries.every((d: { status: string }) => d.status === 'delivered'),
    );
    const retried = log.body.deliveries.filter((d: { attempts: number }) => d.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
    expect(retried[0].attemptsLog[0]).toMatchObject({ statusCode: 503, error: 'answered 503' });
  });

  it('dead-letters what a dead receiver never took, lists it, and a replay delivers it', async () => {
    const endpoint = await receiver(() => 500);
    const subscription = await subscribe(api, endpoint.url);
    const customerId = await createLead(api.client);
    await openDeal(api.client, customerId);
    const expected = await owed(api, subscription);

    const dead = await eventually(
      () => api.client.as('admin').get(`/subscriptions/${subscription.id}/deliveries?status=dead`),
      (response) => response.body.deliveries.length === expected.length,
    );
    // The first is dead after its attempts; the client's next one waited for it, then died too.
    expect(dead.body.deliveries.map((d: { eventId: string }) => d.eventId)).toEqual(
      expected.map((e) => e.id),
    );
    expect(dead.body.deliveries[0]).toMatchObject({ status: 'dead', attempts: 4, customerId });
    expect(endpoint.received).toHaveLength(expected.length * 4);

    endpoint.behaviour = () => 200;
    const replay = await api.client
      .as('admin')
      .post(`/subscriptions/${subscription.id}/replay`, { from: subscription.fromPosition });
    expect(replay.status).toBe(202);
    await endpoint.until((r) => r.accepted.length === expected.length);
    expect(endpoint.accepted.map(parse).map((e) => e.id)).toEqual(expected.map((e) => e.id));
    await eventually(
      () => api.client.as('admin').get(`/subscriptions/${subscription.id}/deliveries?status=dead`),
      (response) => response.body.deliveries.length === 0,
    );
  });

  it('never lets one slow endpoint delay another', async () => {
    const slow = await receiver(() => 'hang');
    const fast = await receiver();
    const slowSubscription = await subscribe(api, slow.url);
    const fastSubscription = await subscribe(api, fast.url);
    const customerId = await createLead(api.client);
    for (let i = 0; i < 3; i++) await openDeal(api.client, customerId);
    const expected = await owed(api, fastSubscription);
    await fast.until((r) => r.accepted.length === expected.length);
    // Everything arrived at the fast endpoint while the slow one still holds its first request.
    expect(slow.received).toHaveLength(1);
    await api.client.as('admin').send('DELETE', `/subscriptions/${slowSubscription.id}`, undefined);
  });

  it('refuses URLs that are not https to a public address (SSRF), and does not follow redirects', async () => {
    for (const url of [
      'http://example.com/hook',
      'https://10.0.0.8/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook',
      'https://localhost/hook',
      'https://127.0.0.2/hook',
      'file:///etc/passwd',
    ]) {
      const response = await api.client.as('admin').post('/subscriptions', { url });
      expect({ url, status: response.status, code: response.body.code }).toEqual({
        url,
        status: 422,
        code: 'WEBHOOK_URL_REFUSED',
      });
    }
    const target = await receiver();
    const redirecting = await receiver(() => 307);
    const subscription = await subscribe(api, redirecting.url);
    await createLead(api.client);
    const failed = await eventually(
      () =>
        api.client.as('admin').get(`/subscriptions/${subscription.id}/deliveries?status=failed`),
      (response) => response.body.deliveries.length > 0,
    );
    expect(failed.body.deliveries[0].attemptsLog[0]).toMatchObject({
      statusCode: 307,
      error: expect.stringMatching(/^redirect to .* not followed$/),
    });
    expect(target.received).toEqual([]);
    await api.client.as('admin').send('DELETE', `/subscriptions/${subscription.id}`, undefined);
  });

  it('rotates the secret with an overlap during which both signatures are sent', async () => {
    const endpoint = await receiver();
    const subscription = await subscribe(api, endpoint.url, { types: ['LeadCreated'] });
    const old = subscription.secret;

    const rotated = await api.client
      .as('admin')
      .post(`/subscriptions/${subscription.id}/rotate-secret`, { overlapSeconds: 3600 });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).not.toBe(old);
    expect(rotated.body.previousSecretExpiresAt).toEqual(expect.any(String));
    await createLead(api.client);
    await endpoint.until((r) => r.received.length === 1);
    const during = endpoint.received[0]!;
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [old, fresh]) {
      expect(verifyWebhook({ body: during.body, headers: during.headers, secret })).toBe(true);
    }

    const ended = await api.client
      .as('admin')
      .post(`/subscriptions/${subscription.id}/rotate-secret`, { overlapSeconds: 0 });
    const newest = ended.body.secret as string;
    await createLead(api.client);
    await endpoint.until((r) => r.received.length === 2);
    const after = endpoint.received[1]!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifyWebhook({ body: after.body, headers: after.headers, secret: newest })).toBe(true);
    expect(verifyWebhook({ body: after.body, headers: after.headers, secret: fresh })).toBe(false);
  });

  it("sends an event's W3C traceparent with its delivery", async () => {
    const endpoint = await receiver();
    const subscription = await subscribe(api, endpoint.url, { types: ['TracedThingHappened'] });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const customerId = randomUUID();
    const commandId = randomUUID();
    const event = newEvent(
      { type: 'TracedThingHappened', schemaVersion: 1, data: {} },
      {
        customerId,
        actor: { id: 'test', roles: ['service'], kind: 'service' },
        correlationId: commandId,
        commandId,
        source: 'test',
      },
    );
    // Metadata's optional traceparent (set by the HTTP and ingest paths when a caller sends one).
    const traced: NewEvent = {
      ...event,
      metadata: { ...event.metadata, traceparent } as EventMetadata,
    };
    await api.eventStore.append({
      streams: [
        { streamId: `customer-${customerId}`, expectedRevision: 'no-stream', events: [traced] },
      ],
    });
    await endpoint.until((r) => r.received.length === 1);
    expect(endpoint.received[0]!.headers.traceparent).toBe(traceparent);
    expect(parse(endpoint.received[0]!).traceparent).toBe(traceparent);
    await api.client.as('admin').send('DELETE', `/subscriptions/${subscription.id}`, undefined);
  });

  it('is managed by admins only; bad input is refused with a code and changes nothing', async () => {
    const endpoint = await receiver();
    for (const role of ['sales', 'service', 'analyst', 'auditor', 'support'] as const) {
      expect((await api.client.as(role).post('/subscriptions', { url: endpoint.url })).status).toBe(
        403,
      );
      expect((await api.client.as(role).get('/subscriptions')).status).toBe(403);
    }
    const before = await api.client.as('admin').get('/subscriptions?limit=500');
    for (const body of [{}, { url: 42 }, { url: endpoint.url, types: ['not a type'] }]) {
      const response = await api.client.as('admin').post('/subscriptions', body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBeDefined();
    }
    const after = await api.client.as('admin').get('/subscriptions?limit=500');
    expect(after.body.subscriptions).toHaveLength(before.body.subscriptions.length);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(
      (await api.client.as('admin').send('DELETE', `/subscriptions/${unknown}`, undefined)).status,
    ).toBe(404);
    expect((await api.client.as('admin').get(`/subscriptions/nope/deliveries`)).status).toBe(404);
    expect(
      (await api.client.as('admin').post(`/subscriptions/${unknown}/replay`, { from: 0 })).status,
    ).toBe(404);
  });
});

describe('webhook delivery state across a restart', () => {
  it('delivers after a restart what a stopped process had recorded but not sent', async () => {
    // Retried until the receiver is back, however long the restart takes.
    const api = await startTestApi({ env: { ...WEBHOOK_ENV, CRM_WEBHOOK_MAX_ATTEMPTS: '100' } });
    let up = false;
    const endpoint = await new WebhookReceiver(() => (up ? 200 : 503)).start();
    try {
      const subscription = await subscribe(api, endpoint.url);
      const customerId = await createLead(api.client);
      await openDeal(api.client, customerId);
      const expected = await owed(api, subscription);
      await endpoint.until((r) => r.received.length > 0);
      await api.restart();
      up = true;
      await endpoint.until((r) => r.accepted.length >= expected.length);
      expect(endpoint.accepted.map(parse).map((e) => e.id)).toEqual(expected.map((e) => e.id));
    } finally {
      await api.close();
      await endpoint.stop();
    }
  });
});
