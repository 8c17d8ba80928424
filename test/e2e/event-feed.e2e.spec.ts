import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import { cloudEventHeaders, encodeEnvelope, type StructuredCloudEvent } from '@rapport/contracts';
import type { EventEnvelope } from '@rapport/domain';
import { newEvent } from '@rapport/event-store';
import { EventStreams } from '../../apps/api/src/consumers/event-streams.service';
import { startTestApi, TEST_TOKENS, type TestApi } from '../support/api-harness';
import { SseReader } from '../support/sse-reader';
import { buildWorld, createLead, openDeal } from '../support/world';

/** The events the customer topic carries: every stored event but the audit streams'. */
async function customerTopic(api: TestApi, after = 0): Promise<EventEnvelope[]> {
  const all = await api.eventStore.readAll({ after, limit: 10_000 });
  return all.filter((e) => !e.streamId.startsWith('audit-'));
}

async function feedPage(api: TestApi, query: string) {
  const response = await api.client.as('service').get(`/events?${query}`);
  expect(response.status).toBe(200);
  return response.body as {
    events: StructuredCloudEvent[];
    position: number;
    nextCursor: string | null;
  };
}

describe('GET /events: the change feed', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('lists the events exactly as the relay publishes them, personal data sealed, in log order', async () => {
    const world = await buildWorld(api.client);
    await api.client.as('sales').get(`/customers/${world.customerId}`); // an audit event
    const expected = await customerTopic(api);
    const head = await api.eventStore.headPosition();

    const page = await feedPage(api, 'after=0&limit=500');

    expect(page.events.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    for (const [i, event] of page.events.entries()) {
      const stored = expected[i]!;
      // The body of the Kafka message, byte for byte the same JSON...
      expect(JSON.stringify(event.data)).toBe(encodeEnvelope(stored));
      // ...and the CloudEvents headers of that message as attributes.
      const headers = cloudEventHeaders(stored);
      expect(event).toMatchObject({
        specversion: '1.0',
        id: headers.ce_id,
        type: headers.ce_type,
        source: headers.ce_source,
        time: headers.ce_time,
        subject: headers.ce_subject,
        datacontenttype: 'application/json',
        rapportposition: String(stored.position),
      });
    }
    expect(JSON.stringify(page)).not.toContain('Grace Hopper');
    expect(JSON.stringify(page)).not.toContain('grace@example.com');
    expect(page.events.some((e) => e.subject.startsWith('audit-'))).toBe(false);
    // Read up to the head (the audit event of the view included), the next poll goes on from there.
    expect(page.position).toBe(head);
    expect(page.nextCursor).toBeNull();
  });

  it('pages with limit and nextCursor, and a poll after the last position sees only what is new', async () => {
    const before = await api.eventStore.headPosition();
    const customerId = await createLead(api.client);
    await openDeal(api.client, customerId);
    const expected = await customerTopic(api, before);

    const first = await feedPage(api, `after=${before}&limit=1`);
    expect(first.events).toHaveLength(1);
    expect(first.nextCursor).toBe(String(first.events[0]!.data.position));
    const rest = await feedPage(api, `cursor=${first.nextCursor}&limit=500`);
    expect([...first.events, ...rest.events].map((e) => e.id)).toEqual(expected.map((e) => e.id));

    expect((await feedPage(api, `after=${rest.position}`)).events).toEqual([]);
    await openDeal(api.client, customerId);
    const next = await feedPage(api, `after=${rest.position}`);
    expect(next.events.map((e) => e.type)).toEqual(['DealOpened']);
  });

  it("filters by types and by client (the client's events of every stream)", async () => {
    const before = await api.eventStore.headPosition();
    const mine = await buildWorld(api.client);
    const other = await buildWorld(api.client);

    const deals = await feedPage(api, `after=${before}&types=DealOpened,ComplaintRaised`);
    expect(deals.events.map((e) => [e.type, e.data.metadata.customerId])).toEqual([
      ['DealOpened', mine.customerId],
      ['ComplaintRaised', mine.customerId],
      ['DealOpened', other.customerId],
      ['ComplaintRaised', other.customerId],
    ]);

    const client = await feedPage(api, `after=0&customerId=${mine.customerId}`);
    expect(client.events.map((e) => e.subject)).toEqual([
      `customer-${mine.customerId}`,
      `deal-${mine.dealId}`,
      `complaint-${mine.complaintId}`,
    ]);
    // Polling a client goes on from the head, not from their last event.
    expect(client.position).toBeGreaterThanOrEqual(
      Number(deals.events[deals.events.length - 1]!.rapportposition),
    );
    const both = await feedPage(api, `customerId=${mine.customerId}&types=DealOpened`);
    expect(both.events.map((e) => e.subject)).toEqual([`deal-${mine.dealId}`]);
  });

  it('records each page as a view of the clients it names', async () => {
    const customerId = await createLead(api.client);
    await feedPage(api, `customerId=${customerId}`);
    const trail = await api.eventStore.readStream(`audit-${customerId}`);
    expect(trail.events.map((e) => [e.type, (e.data as { view: string }).view])).toContainEqual([
      'CustomerDataViewed',
      'event-feed',
    ]);
  });

  it('is for services and admins; bad input is a 400 with a code', async () => {
    expect((await api.client.as('admin').get('/events')).status).toBe(200);
    for (const role of ['sales', 'support', 'analyst', 'auditor'] as const) {
      expect((await api.client.as(role).get('/events')).status).toBe(403);
    }
    expect((await api.client.anonymous.get('/events')).status).toBe(401);
    for (const query of [
      'limit=501',
      'limit=0',
      'after=-1',
      'types=drop table',
      'customerId=x',
      'cursor=abc',
    ]) {
      const response = await api.client.as('service').get(`/events?${query}`);
      expect(response.status).toBe(400);
      expect(response.body.code).toBeDefined();
    }
  });
});

describe('GET /events as Server-Sent Events', () => {
  let api: TestApi;
  let base: string;
  const readers: SseReader[] = [];
  const open = (path: string, headers: Record<string, string> = {}) => {
    const reader = new SseReader(`${base}${path}`, {
      authorization: `Bearer ${TEST_TOKENS.service}`,
      ...headers,
    });
    readers.push(reader);
    return reader;
  };

  beforeAll(async () => {
    api = await startTestApi({
      env: { CRM_FEED_STREAM_BUFFER_BYTES: '65536', CRM_FEED_SLOW_READER_TIMEOUT_MS: '300' },
    });
    await api.app.listen(0, '127.0.0.1');
    const { port } = api.app.getHttpServer().address() as AddressInfo;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    for (const reader of readers) reader.close();
    await api.close();
  });

  it('streams the log live; a reader that resumes with Last-Event-ID misses and repeats nothing', async () => {
    const start = await api.eventStore.headPosition();
    const customerId = await createLead(api.client);
    await openDeal(api.client, customerId);
    const first = open(`/events?after=${start}`);
    const received = await first.waitFor(2);
    expect(first.status).toBe(200);
    expect(first.headers?.['content-type']).toMatch(/^text\/event-stream/);
    // Live: an event appended while the reader listens arrives too.
    await openDeal(api.client, customerId);
    await first.waitFor(3);
    first.close();
    const seen = first.events.slice(0, 3);

    // Written while nobody listens.
    await openDeal(api.client, customerId);
    await openDeal(api.client, customerId);
    const resumed = open(`/events?after=${start}`, { 'last-event-id': seen[2]!.id! });
    await resumed.waitFor(2);
    await openDeal(api.client, customerId);
    await resumed.waitFor(3);

    const expected = await customerTopic(api, start);
    const ids = [...seen, ...resumed.events.slice(0, 3)].map((e) => e.id);
    expect(ids).toEqual(expected.map((e) => String(e.position)));
    const parsed = [...seen, ...resumed.events].map(
      (e) => JSON.parse(e.data) as StructuredCloudEvent,
    );
    expect(parsed.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(received[0]!.id).toBe(String(expected[0]!.position));
    resumed.close();
  });

  it('cuts off a reader that stops reading, with a bounded buffer, and keeps serving the others', async () => {
    const start = await api.eventStore.headPosition();
    // A reader that connects and then never reads its socket.
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `GET /events?after=${start} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${TEST_TOKENS.service}\r\n\r\n`,
    );
    socket.pause();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const streams = api.app.get(EventStreams);
    const finishedBefore = streams.finished.length;

    // Events of any type are carried; these are big, so the socket fills quickly.
    const big = 'x'.repeat(32 * 1024);
    const customerId = randomUUID();
    for (let batch = 0; batch < 40; batch++) {
      await api.eventStore.append({
        streams: [
          {
            streamId: `customer-${customerId}`,
            expectedRevision: 'any',
            events: Array.from({ length: 20 }, () =>
              newEvent(
                { type: 'BulkyThingHappened', schemaVersion: 1, data: { big } },
                {
                  customerId,
                  actor: { id: 'test', roles: ['service'], kind: 'service' },
                  correlationId: randomUUID(),
                  commandId: randomUUID(),
                  source: 'test',
                },
              ),
            ),
          },
        ],
      });
    }
    // A reader that keeps up gets everything meanwhile.
    const healthy = open(`/events?after=${start}`);
    await healthy.waitFor(800);
    expect(healthy.events).toHaveLength(800);

    // The reader that stopped is cut off while its socket is still paused (polled gently: a
    // spinning wait would keep the event loop busy, which the stream does not blame on readers).
    const cutOff = () => streams.finished.slice(finishedBefore).find((s) => s.ended === 'cut-off');
    while (!cutOff()) await new Promise((r) => setTimeout(r, 20));
    socket.resume(); // lets the client see the close
    await closed;
    const cut = cutOff();
    expect(cut).toBeDefined();
    // Its buffer never held more than the limit plus one event.
    expect(cut!.peakBufferedBytes).toBeLessThan(65536 + 40 * 1024);
    expect(cut!.sent).toBeLessThan(800);
    healthy.close();
  });
});
