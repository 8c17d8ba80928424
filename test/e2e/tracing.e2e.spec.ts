// One trace from an HTTP command to the projector's write: the API's server span continues the
// caller's traceparent, the events keep it, the relay's publish is its child and travels as the
// Kafka header, and the projector's write is the relay span's child. Spans are checked in an
// in-memory exporter (the SDK otherwise starts only with OTEL_EXPORTER_OTLP_ENDPOINT).
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createLogger, startTracing, stopTracing } from '@rapport/platform';
import { InMemoryCheckpointStore, InMemoryMessageBus } from '@rapport/messaging/adapters';
import { PROJECTIONS } from '@rapport/read-models';
import { InMemoryReadStore } from '@rapport/read-models/adapters';
import { KafkaProjector } from '../../apps/projector/src/kafka-projector';
import { EventRelay } from '../../apps/relay/src/event-relay';
import { startTestApi, type TestApi } from '../support/api-harness';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('tracing: W3C traceparent from the HTTP command to the projector', () => {
  const exporter = new InMemorySpanExporter();
  let api: TestApi;
  let projector: KafkaProjector | undefined;
  const relayStop = new AbortController();

  beforeAll(async () => {
    startTracing({ serviceName: 'rapport-test', exporter });
    api = await startTestApi();
  });
  afterAll(async () => {
    relayStop.abort();
    await projector?.stop();
    await api.close();
    await stopTracing();
  });

  it('continues the caller’s trace through the command, the relay and the projector’s write', async () => {
    const created = await api.client
      .as('sales')
      .post(
        '/customers',
        { name: 'Traced', source: 'web' },
        { headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` } },
      );
    expect(created.status).toBe(201);
    const head = created.body.position as number;

    // The distributed profile's relay and projector, on an in-memory bus.
    const bus = new InMemoryMessageBus();
    const logger = createLogger('silent');
    const relay = new EventRelay(
      api.eventStore,
      bus.publisher(),
      new InMemoryCheckpointStore(),
      logger,
    );
    const relaying = relay.run(relayStop.signal);
    projector = new KafkaProjector(bus, new InMemoryReadStore(), PROJECTIONS, logger, {});
    await projector.start();
    await until(() => relay.progress.position >= head, 'the relay to publish the command');
    await until(() => projector!.stats.watermark >= head, 'the projector to write it');
    relayStop.abort();
    await relaying;

    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'POST /customers');
    expect(server).toBeDefined();
    expect(server!.spanContext().traceId).toBe(CALLER_TRACE);
    expect(parentOf(server!)).toBe(CALLER_SPAN);

    const [lead] = (await api.eventStore.readStream(`customer-${created.body.customerId}`)).events;
    expect(lead!.metadata.traceparent).toBe(
      `00-${CALLER_TRACE}-${server!.spanContext().spanId}-01`,
    );

    const ofTrace = spans.filter((s) => s.spanContext().traceId === CALLER_TRACE);
    const publish = ofTrace.find((s) => s.name === 'relay publish');
    expect(publish).toBeDefined();
    expect(parentOf(publish!)).toBe(server!.spanContext().spanId);
    expect(publish!.attributes['rapport.event.type']).toBe('LeadCreated');

    const write = ofTrace.find((s) => s.name === 'projector write');
    expect(write).toBeDefined();
    expect(parentOf(write!)).toBe(publish!.spanContext().spanId);
  });
});
