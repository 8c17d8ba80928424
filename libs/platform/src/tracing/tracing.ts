import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/**
 * Distributed tracing (W3C Trace Context, OpenTelemetry). A request's `traceparent` (HTTP
 * header, ingest field, Kafka header) is kept in the metadata of the events it causes; the
 * relay and the projector continue that trace, their spans children of the command's.
 *
 * The SDK starts only when OTEL_EXPORTER_OTLP_ENDPOINT is set (OTLP over HTTP, the standard
 * OTEL_* variables apply). Otherwise nothing is started and `inSpan` runs its function
 * directly: no span objects, no context switches, no cost beyond one boolean test.
 */

const TRACER = 'rapport';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

let provider: NodeTracerProvider | undefined;

export interface TracingOptions {
  serviceName: string;
  /** Tests: spans go here (with a simple processor) instead of the OTLP exporter. */
  exporter?: SpanExporter;
  env?: NodeJS.ProcessEnv;
}

/** Starts the SDK if OTEL_EXPORTER_OTLP_ENDPOINT is set (or an exporter is given). */
export function startTracing(options: TracingOptions): boolean {
  if (provider) return true;
  const env = options.env ?? process.env;
  const endpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (!options.exporter && !endpoint) return false;
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter());
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env['OTEL_SERVICE_NAME'] ?? options.serviceName,
    }),
    spanProcessors: [processor],
  });
  // Installs the W3C trace-context propagator and the async-hooks context manager.
  provider.register();
  return true;
}

/** Flushes and stops the SDK (on shutdown, and between tests). */
export async function stopTracing(): Promise<void> {
  const running = provider;
  if (!running) return;
  provider = undefined;
  await running.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
}

export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/** A syntactically valid W3C traceparent (version 00, ids not all zeros), else undefined. */
export function validTraceparent(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return undefined;
  return match[0];
}

/**
 * The traceparent events should keep: the active span's (a child of the caller's) when
 * tracing is on, else the caller's own, passed on unchanged. An invalid one is dropped, as
 * the W3C recommendation says (a new trace starts).
 */
export function currentTraceparent(incoming: string | undefined): string | undefined {
  if (provider) {
    const span = trace.getSpan(context.active())?.spanContext();
    if (span && trace.isSpanContextValid(span)) {
      const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
      return `00-${span.traceId}-${span.spanId}-${flags}`;
    }
  }
  return validTraceparent(incoming);
}

function parentContext(traceparent: string | undefined): Context {
  const valid = validTraceparent(traceparent);
  return valid ? propagation.extract(ROOT_CONTEXT, { traceparent: valid }) : context.active();
}

export interface SpanOptions {
  kind?: 'server' | 'client' | 'producer' | 'consumer' | 'internal';
  /** The span's parent: a W3C traceparent; the active context when absent. */
  parent?: string;
  /** Parents to link to (a batch of events from several traces). */
  links?: readonly (string | undefined)[];
  attributes?: Attributes;
}

const KINDS = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
} as const;

/**
 * Runs `run` inside a span (active for everything it calls) when tracing is on; runs it
 * directly otherwise. The span records a thrown error and ends when `run` settles.
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  run: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!provider) return run(undefined);
  const links = (options.links ?? []).flatMap((link) => {
    const valid = validTraceparent(link);
    if (!valid) return [];
    const spanContext = trace.getSpanContext(
      propagation.extract(ROOT_CONTEXT, { traceparent: valid }),
    );
    return spanContext ? [{ context: spanContext }] : [];
  });
  return trace.getTracer(TRACER).startActiveSpan(
    name,
    {
      kind: KINDS[options.kind ?? 'internal'],
      ...(options.attributes && { attributes: options.attributes }),
      ...(links.length > 0 && { links }),
    },
    parentContext(options.parent),
    async (span) => {
      try {
        return await run(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** A span opened for one item of a batch: its traceparent (for a header) and its end. */
export interface OpenSpan {
  traceparent: string;
  end(error?: unknown): void;
}

/**
 * One span per item that carries a trace context, each a child of its item's: a relay's
 * publish or a projector's write serves events of many requests at once, and each request's
 * trace should show it. Undefined items (and everything, when tracing is off) get none.
 */
export function openChildSpans(
  name: string,
  kind: SpanOptions['kind'],
  parents: readonly (string | undefined)[],
  attributes: (index: number) => Attributes = () => ({}),
): (OpenSpan | undefined)[] {
  if (!provider) return parents.map(() => undefined);
  const tracer = trace.getTracer(TRACER);
  return parents.map((parent, index) => {
    const valid = validTraceparent(parent);
    if (!valid) return undefined;
    const span = tracer.startSpan(
      name,
      { kind: KINDS[kind ?? 'internal'], attributes: attributes(index) },
      propagation.extract(ROOT_CONTEXT, { traceparent: valid }),
    );
    const { traceId, spanId, traceFlags } = span.spanContext();
    return {
      traceparent: `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`,
      end: (error?: unknown) => {
        if (error !== undefined) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        }
        span.end();
      },
    };
  });
}

/**
 * Runs `run` (a batch's write) with one child span per distinct trace among `parents`, all
 * ended when it settles. Runs it directly when tracing is off.
 */
export async function tracedBatch<T>(
  name: string,
  parents: readonly (string | undefined)[],
  run: () => Promise<T>,
): Promise<T> {
  if (!provider) return run();
  const distinct = [...new Set(parents.filter((parent) => parent !== undefined))];
  const spans = openChildSpans(name, 'consumer', distinct);
  try {
    const result = await run();
    for (const span of spans) span?.end();
    return result;
  } catch (error) {
    for (const span of spans) span?.end(error);
    throw error;
  }
}
