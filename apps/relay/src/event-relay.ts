import { cloudEventHeaders, encodeEnvelope, topicName, TOPICS } from '@rapport/contracts';
import type { EventEnvelope } from '@rapport/domain';
import type { EventStore } from '@rapport/event-store';
import type { CheckpointStore, MessagePublisher, OutgoingMessage } from '@rapport/messaging';
import { openChildSpans, type Logger } from '@rapport/platform';

const traceOf = (event: EventEnvelope): string | undefined => event.metadata.traceparent;

export interface RelayProgress {
  /** Last position acknowledged by the broker and checkpointed. */
  position: number;
  published: number;
  /** Failed publish attempts since the last success (broker down). */
  failures: number;
}

/** The Kafka message of a stored event: keyed by client, audit events on their own topic. */
export function toMessage(envelope: EventEnvelope, topicPrefix = ''): OutgoingMessage {
  const audit = envelope.streamId.startsWith('audit-');
  return {
    topic: topicName(audit ? TOPICS.auditEvents : TOPICS.customerEvents, topicPrefix),
    key: envelope.metadata.customerId || 'access',
    value: encodeEnvelope(envelope),
    headers: cloudEventHeaders(envelope),
  };
}

/**
 * Copies the event store's global log to Kafka, in order, batch by batch. The checkpoint moves
 * only after the broker acknowledged the whole batch, so a crash or an outage replays some
 * events (consumers deduplicate by position) and never skips one. A publish that fails is
 * retried with the same batch until it succeeds: nothing later overtakes it.
 */
export class EventRelay {
  readonly progress: RelayProgress = { position: 0, published: 0, failures: 0 };

  constructor(
    private readonly eventStore: EventStore,
    private readonly publisher: MessagePublisher,
    private readonly checkpoints: CheckpointStore,
    private readonly logger: Logger,
    private readonly options: {
      name?: string;
      topicPrefix?: string;
      batchSize?: number;
      retryDelayMs?: number;
      onPublished?: (events: EventEnvelope[]) => void;
    } = {},
  ) {}

  get name(): string {
    return this.options.name ?? 'relay';
  }

  async run(signal: AbortSignal): Promise<void> {
    this.progress.position = await this.checkpoints.load(this.name);
    this.logger.info({ position: this.progress.position }, 'relay starting after its checkpoint');
    for await (const events of this.eventStore.subscribe({
      after: this.progress.position,
      batchSize: this.options.batchSize ?? 500,
      signal,
    })) {
      const messages = events.map((event) => toMessage(event, this.options.topicPrefix));
      // Tracing on: each event's publish is a span in its request's trace, and the message
      // carries that span as its traceparent, so the projector's write is its child.
      const spans = openChildSpans('relay publish', 'producer', events.map(traceOf), (i) => ({
        'messaging.system': 'kafka',
        'messaging.destination.name': messages[i]!.topic,
        'rapport.event.type': events[i]!.type,
        'rapport.position': events[i]!.position,
      }));
      spans.forEach((span, i) => {
        if (span) messages[i]!.headers = { ...messages[i]!.headers, traceparent: span.traceparent };
      });
      const published = await this.publish(messages, signal);
      for (const span of spans) span?.end();
      if (!published) return;
      const last = events[events.length - 1]!;
      await this.checkpoints.save(this.name, last.position);
      this.progress.position = last.position;
      this.progress.published += events.length;
      this.options.onPublished?.(events);
    }
  }

  /** Publishes until acknowledged; false if stopped first (nothing is checkpointed then). */
  private async publish(messages: OutgoingMessage[], signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal.aborted) return false;
      try {
        await this.publisher.publish(messages);
        this.progress.failures = 0;
        return true;
      } catch (error) {
        this.progress.failures++;
        this.logger.warn(
          { err: error, attempt: this.progress.failures },
          'publishing to Kafka failed; retrying the batch',
        );
        await new Promise((resolve) =>
          setTimeout(
            resolve,
            Math.min(5000, (this.options.retryDelayMs ?? 250) * this.progress.failures),
          ),
        );
      }
    }
  }
}
