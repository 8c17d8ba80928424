import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  decodeEnvelope,
  encodeCloudEvent,
  signWebhook,
  topicName,
  topicOf,
  TOPICS,
  WEBHOOK_HEADERS,
} from '@rapport/contracts';
import type { EventEnvelope } from '@rapport/domain';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import {
  CHECKPOINT_STORE,
  MESSAGE_BUS,
  type CheckpointStore,
  type MessageBus,
  type MessageConsumer,
} from '@rapport/messaging';
import { Metrics, type AppConfig, type Logger } from '@rapport/platform';
import { rangeKey, READ_STORE, type ReadStore } from '@rapport/read-models';
import { APP_CONFIG, LOGGER } from '../../infrastructure/tokens';
import {
  changeSubscription,
  commitDeliveries,
  DELIVERIES,
  DELIVERY_INDEXES,
  deliveryId,
  deliveryKeys,
  MAX_SUBSCRIPTIONS,
  newDelivery,
  SUBSCRIPTION_INDEXES,
  SUBSCRIPTIONS,
  type DeliveryAttempt,
  type DeliveryDocument,
  type SubscriptionDocument,
} from './webhook.documents';
import { WebhookSecrets } from './webhook-secrets';
import { postWebhook, type WebhookAnswer } from './webhook.sender';
import { WebhookUrlGuard, WebhookUrlRefused } from './webhook-url.guard';

export const WEBHOOK_DISPATCHER = 'webhook-dispatcher';
/** Clients of one subscription whose deliveries are sent at the same time. */
const LANES_PER_SUBSCRIPTION = 4;
/** Open deliveries a worker looks at per round: the heads of their clients' lanes among them. */
const WINDOW = 200;
/** How often a worker looks again without a wake-up (deliveries recorded by another process). */
const POLL_MS = 1_000;
const REPLAY_CHUNK = 500;
const HISTORY = 10;
const CHECKPOINT_EVERY_MS = 1_000;

/** Exponential backoff with jitter: base·2^(n−1), capped, then a random 50–100 % of it. */
export function retryDelay(attempts: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempts - 1, 40));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * The webhook dispatcher, a consumer of the log like a projector:
 * - **Fan-out**: for every event of the customer topic and every live subscription that wants
 *   it, a delivery document is recorded once (an insert keyed by subscription and position;
 *   a redelivered event records nothing new). Embedded: a checkpointed subscription to the
 *   event store (checkpoint after the deliveries are written). Distributed: the consumer group
 *   `rapport-webhooks` on the customer topic (offsets committed after), so the API processes
 *   share the work and the delivery state lives in MongoDB.
 * - **Workers**: one per subscription in each process. In log order, the oldest open delivery
 *   of each client (the head of that client's lane) is sent, up to 4 clients at a time; a
 *   client's later deliveries wait until it is delivered or dead, so each client's events
 *   arrive in order. A process takes a delivery by a lease (a versioned write that only one
 *   process wins); a dead process's lease runs out and another takes over. Subscriptions do
 *   not wait for each other: a slow or dead endpoint holds only its own worker.
 * - **Retries**: a non-2xx answer, a timeout, a refused address or a redirect is a failed
 *   attempt, retried with exponential backoff and jitter, and dead-lettered after
 *   CRM_WEBHOOK_MAX_ATTEMPTS; a replay sends dead (and delivered) ones again.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  readonly processId = randomUUID();
  private readonly stop = new AbortController();
  private readonly workers = new Map<string, Promise<void>>();
  private readonly wakers = new Map<string, () => void>();
  private readonly inFlight = new Map<string, Set<string>>();
  private readonly sending = new Set<Promise<void>>();
  private readonly guard: WebhookUrlGuard;
  private running: Promise<unknown>[] = [];
  private consumer?: MessageConsumer;
  private ready?: Promise<void>;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CHECKPOINT_STORE) private readonly checkpoints: CheckpointStore,
    @Optional() @Inject(MESSAGE_BUS) private readonly bus: MessageBus | null,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly secrets: WebhookSecrets,
    private readonly metrics: Metrics,
  ) {
    this.guard = new WebhookUrlGuard(config.consumers.webhookAllowHosts);
  }

  get urlGuard(): WebhookUrlGuard {
    return this.guard;
  }

  /** The collections exist (every caller of the store awaits this first). */
  ensureCollections(): Promise<void> {
    this.ready ??= (async () => {
      await this.store.ensureCollection(SUBSCRIPTIONS, SUBSCRIPTION_INDEXES);
      await this.store.ensureCollection(DELIVERIES, DELIVERY_INDEXES);
    })().catch((error: unknown) => {
      this.ready = undefined; // tried again by the next caller, not failed for ever
      throw error;
    });
    return this.ready;
  }

  onApplicationBootstrap(): void {
    const started = (async () => {
      for (;;) {
        try {
          await this.ensureCollections();
          break;
        } catch (error) {
          if (this.stop.signal.aborted) return;
          this.logger.warn({ err: error }, 'webhook collections not ready; trying again');
          await pause(1_000, this.stop.signal);
        }
      }
      if (this.stop.signal.aborted) return;
      this.running.push(this.supervise());
      if (this.bus) await this.consumeTopic(this.bus);
      else this.running.push(this.followLog());
    })();
    this.running.push(
      started.catch((error: unknown) =>
        this.logger.error({ err: error }, 'the webhook dispatcher did not start'),
      ),
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.stop.abort();
    for (const wake of this.wakers.values()) wake();
    await this.consumer?.stop().catch(() => undefined);
    await Promise.allSettled(this.running);
    await Promise.allSettled([...this.workers.values()]);
    await Promise.allSettled([...this.sending]);
  }

  /** A subscription changed here: its worker looks again now (others notice within a second). */
  poke(subscriptionId?: string): void {
    if (subscriptionId) this.wakers.get(subscriptionId)?.();
    this.startWorkers().catch(() => undefined);
  }

  // ---- fan-out -------------------------------------------------------------------------

  private async followLog(): Promise<void> {
    const { signal } = this.stop;
    while (!signal.aborted) {
      try {
        const after = await this.checkpoints.load(WEBHOOK_DISPATCHER);
        let savedAt = 0;
        let unsaved = 0;
        for await (const batch of this.eventStore.subscribe({ after, signal })) {
          await this.record(batch);
          // Recording is idempotent, so the checkpoint only bounds what a restart reads
          // again: saved at most once a second, not at every commit of the write path.
          unsaved = batch[batch.length - 1]!.position;
          if (Date.now() - savedAt >= CHECKPOINT_EVERY_MS) {
            await this.checkpoints.save(WEBHOOK_DISPATCHER, unsaved);
            savedAt = Date.now();
            unsaved = 0;
          }
        }
        if (unsaved > 0) await this.checkpoints.save(WEBHOOK_DISPATCHER, unsaved);
      } catch (error) {
        if (signal.aborted) return;
        this.logger.error(
          { err: error },
          'webhook fan-out failed; starting again from its checkpoint',
        );
        await pause(1_000, signal);
      }
    }
  }

  private async consumeTopic(bus: MessageBus): Promise<void> {
    const topic = topicName(TOPICS.customerEvents, this.config.kafkaTopicPrefix);
    this.consumer = bus.consumer({
      groupId: `${this.config.kafkaTopicPrefix}rapport-webhooks`,
      topics: [topic],
      // A new group reads the topic from its start: only events after a subscription's
      // creation are delivered, so nothing old is sent, and nothing recent is skipped.
      fromBeginning: true,
    });
    await this.consumer.start(async (messages) => {
      const events: EventEnvelope[] = [];
      for (const message of messages) {
        try {
          events.push(decodeEnvelope(message.value));
        } catch (error) {
          this.logger.warn(
            { err: error, offset: message.offset },
            'not an event envelope: skipped',
          );
        }
      }
      await this.record(events);
    });
  }

  /** Records the deliveries a batch of events owes (once each), then wakes their workers. */
  async record(events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    // Loaded after the batch was read: a subscription created later has a later fromPosition.
    const subscriptions = await this.activeSubscriptions();
    if (subscriptions.length === 0) return;
    const writes = [];
    const touched = new Set<string>();
    for (const event of events) {
      if (topicOf(event.streamId) !== TOPICS.customerEvents) continue;
      for (const subscription of subscriptions) {
        if (!wants(subscription, event)) continue;
        writes.push({ document: newDelivery(subscription.id, event), once: true });
        touched.add(subscription.id);
      }
    }
    if (writes.length === 0) return;
    await commitDeliveries(this.store, writes);
    this.metrics.webhookDeliveriesRecorded.inc(writes.length);
    for (const id of touched) this.wakers.get(id)?.();
  }

  private activeSubscriptions(): Promise<SubscriptionDocument[]> {
    return this.store.find<SubscriptionDocument>(SUBSCRIPTIONS, {
      where: { status: 'active' },
      limit: MAX_SUBSCRIPTIONS,
    });
  }

  // ---- workers -------------------------------------------------------------------------

  private async supervise(): Promise<void> {
    while (!this.stop.signal.aborted) {
      await this.startWorkers().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'could not list webhook subscriptions'),
      );
      await pause(POLL_MS, this.stop.signal);
    }
  }

  private async startWorkers(): Promise<void> {
    if (this.stop.signal.aborted) return;
    for (const subscription of await this.activeSubscriptions()) {
      if (this.workers.has(subscription.id)) continue;
      const worker = this.work(subscription.id)
        .catch((error: unknown) =>
          this.logger.error({ err: error, subscription: subscription.id }, 'webhook worker failed'),
        )
        .finally(() => this.workers.delete(subscription.id));
      this.workers.set(subscription.id, worker);
    }
  }

  private async work(subscriptionId: string): Promise<void> {
    const { signal } = this.stop;
    const inFlight = new Set<string>();
    this.inFlight.set(subscriptionId, inFlight);
    try {
      while (!signal.aborted) {
        const subscription = await this.store.get<SubscriptionDocument>(
          SUBSCRIPTIONS,
          subscriptionId,
        );
        if (!subscription || subscription.status !== 'active') return;
        if (subscription.replay) {
          await this.replayStep(subscription);
          continue;
        }
        const wait = await this.round(subscription, inFlight);
        await this.sleep(subscriptionId, wait);
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      this.inFlight.delete(subscriptionId);
    }
  }

  /** Starts the deliveries that are due; returns how long to wait before the next round. */
  private async round(subscription: SubscriptionDocument, inFlight: Set<string>): Promise<number> {
    const open = await this.store.findRange<DeliveryDocument>(DELIVERIES, {
      orderBy: 'openKey',
      from: rangeKey(subscription.id, ''),
      to: rangeKey(subscription.id, '~'),
      limit: WINDOW,
    });
    const now = Date.now();
    const lanes = new Set<string>();
    let wait = POLL_MS;
    for (const delivery of open) {
      if (lanes.has(delivery.customerId)) continue; // a later event of a client in progress
      lanes.add(delivery.customerId);
      if (inFlight.has(delivery.id)) continue;
      if (this.leasedElsewhere(delivery, now)) {
        wait = Math.min(wait, delivery.leaseUntil - now);
        continue;
      }
      if (delivery.nextAttemptAt > now) {
        wait = Math.min(wait, delivery.nextAttemptAt - now);
        continue;
      }
      if (inFlight.size >= LANES_PER_SUBSCRIPTION) break;
      inFlight.add(delivery.id);
      const sending = this.attempt(subscription, delivery)
        .catch((error: unknown) =>
          this.logger.warn({ err: error, delivery: delivery.id }, 'webhook attempt not recorded'),
        )
        .finally(() => {
          inFlight.delete(delivery.id);
          this.sending.delete(sending);
          this.wakers.get(subscription.id)?.();
        });
      this.sending.add(sending);
    }
    return Math.max(1, wait);
  }

  /**
   * Whether another live process holds the delivery. In the embedded profile one process owns
   * the data dir, so a lease of another process id is a leftover of a stopped one.
   */
  private leasedElsewhere(delivery: DeliveryDocument, now: number): boolean {
    if (delivery.leaseOwner === null || delivery.leaseUntil <= now) return false;
    return Boolean(this.bus) && delivery.leaseOwner !== this.processId;
  }

  private sleep(subscriptionId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(subscriptionId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.set(subscriptionId, done);
      if (this.stop.signal.aborted) done();
    });
  }

  /** One attempt of one delivery, under a lease; its outcome recorded in the delivery. */
  private async attempt(
    subscription: SubscriptionDocument,
    delivery: DeliveryDocument,
  ): Promise<void> {
    const settings = this.config.consumers;
    const leased: DeliveryDocument = {
      ...delivery,
      position: delivery.position + 1,
      leaseOwner: this.processId,
      leaseUntil: Date.now() + settings.webhookTimeoutMs + 30_000,
    };
    await this.store.commit({
      writes: [{ collection: DELIVERIES, document: leased }],
      checkpoints: [],
    });
    const held = await this.store.get<DeliveryDocument>(DELIVERIES, delivery.id);
    if (held?.position !== leased.position || held.leaseOwner !== this.processId) return; // taken

    const { events } = await this.eventStore.readStream(delivery.streamId, {
      fromRevision: delivery.streamRevision,
      maxCount: 1,
    });
    const event = events[0];
    const started = Date.now();
    let answer: WebhookAnswer;
    if (!event || event.id !== delivery.eventId) {
      answer = { error: 'the event is no longer in the log', durationMs: 0 };
    } else {
      answer = await this.send(subscription, event, started);
    }
    const attempts = held.attempts + 1;
    const ok = answer.error === undefined;
    const status = ok ? 'delivered' : attempts >= settings.webhookMaxAttempts ? 'dead' : 'failed';
    const record: DeliveryAttempt = {
      at: new Date(started).toISOString(),
      ...(answer.statusCode !== undefined && { statusCode: answer.statusCode }),
      ...(answer.error !== undefined && { error: answer.error }),
      durationMs: answer.durationMs,
    };
    const outcome: DeliveryDocument = {
      ...held,
      position: held.position + 1,
      status,
      attempts,
      nextAttemptAt:
        status === 'failed'
          ? Date.now() +
            retryDelay(attempts, settings.webhookRetryBaseMs, settings.webhookRetryMaxMs)
          : 0,
      deliveredAt: ok ? new Date().toISOString() : held.deliveredAt,
      history: [...held.history, record].slice(-HISTORY),
      leaseOwner: null,
      leaseUntil: 0,
      ...deliveryKeys(held.subscriptionId, held.eventPosition, status),
    };
    await this.store.commit({
      writes: [{ collection: DELIVERIES, document: outcome }],
      checkpoints: [],
    });
    this.metrics.webhookAttempts.inc({ outcome: status });
  }

  /** The POST itself, in a span continuing the event's trace when it carries one. */
  private async send(
    subscription: SubscriptionDocument,
    event: EventEnvelope,
    now: number,
  ): Promise<WebhookAnswer> {
    const { traceparent } = event.metadata;
    const carrier: Record<string, string> = traceparent === undefined ? {} : { traceparent };
    const parent = propagation.extract(context.active(), carrier);
    const tracer = trace.getTracer('rapport-webhooks');
    return tracer.startActiveSpan(
      'webhook delivery',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'rapport.subscription.id': subscription.id,
          'rapport.event.type': event.type,
          'rapport.event.position': event.position,
        },
      },
      parent,
      async (span) => {
        try {
          const body = encodeCloudEvent(event);
          const timestamp = Math.floor(now / 1000);
          const secrets = await this.secrets.inForce(subscription, now);
          const headers: Record<string, string> = {
            [WEBHOOK_HEADERS.id]: event.id,
            [WEBHOOK_HEADERS.timestamp]: String(timestamp),
            [WEBHOOK_HEADERS.signature]: signWebhook(secrets, event.id, timestamp, body),
            ...carrier,
          };
          // With an SDK registered, the span's own context replaces the event's traceparent.
          propagation.inject(trace.setSpan(context.active(), span), headers);
          let answer: WebhookAnswer;
          try {
            const target = await this.guard.check(subscription.url);
            answer = await postWebhook({
              target,
              headers,
              body,
              timeoutMs: this.config.consumers.webhookTimeoutMs,
            });
          } catch (error) {
            if (!(error instanceof WebhookUrlRefused)) throw error;
            answer = { error: `refused: ${error.message}`, durationMs: 0 };
          }
          if (answer.statusCode !== undefined)
            span.setAttribute('http.response.status_code', answer.statusCode);
          if (answer.error !== undefined)
            span.setStatus({ code: SpanStatusCode.ERROR, message: answer.error });
          return answer;
        } finally {
          span.end();
        }
      },
    );
  }

  // ---- replays -------------------------------------------------------------------------

  /** One chunk of a subscription's replay (or first catch-up), its cursor saved after. */
  private async replayStep(subscription: SubscriptionDocument): Promise<void> {
    const replay = subscription.replay!;
    const until = replay.until ?? (await this.eventStore.headPosition());
    const events =
      replay.cursor >= until
        ? []
        : await this.eventStore.readAll({ after: replay.cursor, limit: REPLAY_CHUNK });
    const chosen = events.filter(
      (event) =>
        event.position <= until &&
        topicOf(event.streamId) === TOPICS.customerEvents &&
        wants(subscription, event, replay.resend),
    );
    if (chosen.length > 0) {
      const existing = await this.store.getMany<DeliveryDocument>(
        DELIVERIES,
        chosen.map((event) => deliveryId(subscription.id, event.position)),
      );
      const writes = chosen.flatMap((event) => {
        const id = deliveryId(subscription.id, event.position);
        const known = existing.get(id);
        if (!known) return [{ document: newDelivery(subscription.id, event), once: true }];
        if (!replay.resend || known.status === 'pending' || known.status === 'failed') return [];
        // Sent again: the same webhook-id, so a receiver that kept it can tell.
        const again: DeliveryDocument = {
          ...known,
          position: known.position + 1,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: 0,
          leaseOwner: null,
          leaseUntil: 0,
          ...deliveryKeys(subscription.id, event.position, 'pending'),
        };
        return [{ document: again }];
      });
      if (writes.length > 0) await commitDeliveries(this.store, writes);
    }
    const last = events.filter((event) => event.position <= until).pop();
    const done = events.length < REPLAY_CHUNK || !last || last.position >= until;
    // Unless the replay was replaced meanwhile (a new request), its cursor moves on.
    await changeSubscription(this.store, subscription.id, (current) =>
      current.replay?.id === replay.id && current.replay.cursor === replay.cursor
        ? { ...current, replay: done ? null : { ...replay, until, cursor: last.position } }
        : undefined,
    );
  }
}

/** Whether a subscription delivers an event (a replay also reaches back before its creation). */
function wants(subscription: SubscriptionDocument, event: EventEnvelope, replay = false): boolean {
  return (
    (replay || event.position > subscription.fromPosition) &&
    (subscription.types === null || subscription.types.includes(event.type))
  );
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
