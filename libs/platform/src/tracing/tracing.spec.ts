import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  currentTraceparent,
  inSpan,
  openChildSpans,
  startTracing,
  stopTracing,
  tracedBatch,
  tracingEnabled,
  validTraceparent,
} from './tracing';

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('tracing', () => {
  describe('off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
    it('does not start, and runs work directly without spans', async () => {
      expect(startTracing({ serviceName: 'test', env: {} })).toBe(false);
      expect(tracingEnabled()).toBe(false);
      await expect(inSpan('x', {}, async (span) => span)).resolves.toBeUndefined();
      expect(openChildSpans('x', 'producer', [CALLER])).toEqual([undefined]);
      await expect(tracedBatch('x', [CALLER], async () => 42)).resolves.toBe(42);
    });

    it("passes the caller's traceparent on unchanged, and drops an invalid one", () => {
      expect(currentTraceparent(CALLER)).toBe(CALLER);
      expect(currentTraceparent(CALLER.toUpperCase())).toBe(CALLER);
      expect(currentTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBe(
        undefined,
      );
      expect(currentTraceparent('not a trace')).toBeUndefined();
      expect(validTraceparent(undefined)).toBeUndefined();
    });
  });

  describe('on', () => {
    const exporter = new InMemorySpanExporter();
    beforeAll(() => startTracing({ serviceName: 'test', exporter }));
    afterAll(() => stopTracing());

    it('makes a span a child of the traceparent, and names it as the events’ traceparent', async () => {
      const inside = await inSpan('command', { kind: 'server', parent: CALLER }, async () =>
        currentTraceparent(CALLER),
      );
      const [span] = exporter.getFinishedSpans();
      expect(span!.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(span!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
      expect(inside).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${span!.spanContext().spanId}-01`);
    });

    it('ends a batch span per distinct trace, marked failed when the batch fails', async () => {
      exporter.reset();
      const other = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      await expect(
        tracedBatch('write', [CALLER, other, CALLER, undefined], async () => {
          throw new Error('disk full');
        }),
      ).rejects.toThrow('disk full');
      const spans = exporter.getFinishedSpans();
      expect(spans.map((s) => s.parentSpanContext?.spanId).sort()).toEqual([
        '00f067aa0ba902b7',
        'b7ad6b7169203331',
      ]);
      expect(spans.every((s) => s.status.code === 2)).toBe(true);
    });
  });
});
