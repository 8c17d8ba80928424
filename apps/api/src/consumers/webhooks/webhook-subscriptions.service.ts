import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { newWebhookSecret } from '@rapport/contracts';
import { conflict, invalid, notFound } from '@rapport/domain';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import type { AppConfig } from '@rapport/platform';
import { rangeKey, READ_STORE, type ReadStore } from '@rapport/read-models';
import { APP_CONFIG, CLOCK, type Clock } from '../../infrastructure/tokens';
import {
  changeSubscription,
  DELIVERIES,
  MAX_SUBSCRIPTIONS,
  SUBSCRIPTIONS,
  type DeliveryDocument,
  type DeliveryStatus,
  type SubscriptionDocument,
} from './webhook.documents';
import { WebhookDispatcher } from './webhook.dispatcher';
import { WebhookSecrets } from './webhook-secrets';
import { WebhookUrlRefused } from './webhook-url.guard';

export interface SubscriptionView {
  id: string;
  url: string;
  types: string[] | null;
  description: string | null;
  status: 'active' | 'deleted';
  createdAt: string;
  createdBy: string;
  deletedAt: string | null;
  fromPosition: number;
  /** When the previous secret stops signing, during a rotation's overlap. */
  previousSecretExpiresAt: string | null;
  replay: { from: number; until: number | null; requestedAt: string } | null;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  position: number;
  customerId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  attemptsLog: DeliveryDocument['history'];
}

/** What admins do with subscriptions (POST/GET/DELETE /subscriptions...). */
@Injectable()
export class WebhookSubscriptions {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly dispatcher: WebhookDispatcher,
    private readonly secrets: WebhookSecrets,
  ) {}

  async create(
    input: { url: string; types?: string[]; description?: string },
    actorId: string,
  ): Promise<{ subscription: SubscriptionView; secret: string }> {
    await this.dispatcher.ensureCollections();
    try {
      await this.dispatcher.urlGuard.check(input.url);
    } catch (error) {
      if (error instanceof WebhookUrlRefused) {
        throw invalid('WEBHOOK_URL_REFUSED', error.message, { url: input.url });
      }
      throw error;
    }
    const live = await this.store.find<SubscriptionDocument>(SUBSCRIPTIONS, {
      where: { status: 'active' },
      limit: MAX_SUBSCRIPTIONS,
    });
    if (live.length >= MAX_SUBSCRIPTIONS) {
      throw conflict(
        'TOO_MANY_SUBSCRIPTIONS',
        `at most ${MAX_SUBSCRIPTIONS} subscriptions are live at once`,
      );
    }
    const id = randomUUID();
    const secret = newWebhookSecret();
    const createdAt = this.clock().toISOString();
    const fromPosition = await this.eventStore.headPosition();
    const document: SubscriptionDocument = {
      id,
      position: 1,
      url: input.url,
      types: input.types?.length ? [...new Set(input.types)] : null,
      description: input.description ?? null,
      status: 'active',
      createdAt,
      createdBy: actorId,
      deletedAt: null,
      fromPosition,
      secrets: [await this.secrets.seal(id, secret, createdAt)],
      // Events appended while the subscription was being stored are caught up from the log.
      replay: {
        id: randomUUID(),
        cursor: fromPosition,
        until: null,
        resend: false,
        requestedAt: createdAt,
      },
    };
    await this.store.commit({ writes: [{ collection: SUBSCRIPTIONS, document }], checkpoints: [] });
    this.dispatcher.poke(id);
    return { subscription: view(document), secret };
  }

  async list(options: { cursor?: string; limit: number }) {
    await this.dispatcher.ensureCollections();
    const page = await this.store.find<SubscriptionDocument>(SUBSCRIPTIONS, {
      ...(options.cursor && { afterId: options.cursor }),
      limit: options.limit + 1,
    });
    const more = page.length > options.limit;
    const shown = page.slice(0, options.limit);
    return {
      subscriptions: shown.map(view),
      nextCursor: more ? shown[shown.length - 1]!.id : null,
    };
  }

  async remove(id: string): Promise<void> {
    await this.live(id);
    const deletedAt = this.clock().toISOString();
    await changeSubscription(this.store, id, (current) =>
      current.status === 'deleted'
        ? undefined
        : { ...current, status: 'deleted', deletedAt, replay: null, secrets: [] },
    );
    await this.secrets.forget(id);
    this.dispatcher.poke(id);
  }

  /** A new secret; the previous one keeps signing for the overlap (both signatures are sent). */
  async rotate(id: string, overlapSeconds?: number) {
    await this.live(id);
    const overlap = overlapSeconds ?? this.config.consumers.webhookSecretOverlapSeconds;
    const secret = newWebhookSecret();
    const sealed = await this.secrets.seal(id, secret, this.clock().toISOString());
    // Real time: deliveries compare the expiry with the time they are sent.
    const expiresAt = new Date(Date.now() + overlap * 1000).toISOString();
    const next = await changeSubscription(this.store, id, (current) => {
      if (current.status !== 'active') throw deleted(id);
      const [previous] = current.secrets;
      return {
        ...current,
        secrets: [sealed, ...(previous && overlap > 0 ? [{ ...previous, expiresAt }] : [])],
      };
    });
    return { subscription: view(next!), secret };
  }

  async replay(id: string, from: number) {
    await this.live(id);
    const head = await this.eventStore.headPosition();
    if (from > head) {
      throw invalid(
        'REPLAY_FROM_BEYOND_HEAD',
        `position ${from} is beyond the head of the log (${head})`,
        {
          from,
          head,
        },
      );
    }
    const requestedAt = this.clock().toISOString();
    await changeSubscription(this.store, id, (current) => {
      if (current.status !== 'active') throw deleted(id);
      return {
        ...current,
        replay: { id: randomUUID(), cursor: from, until: head, resend: true, requestedAt },
      };
    });
    this.dispatcher.poke(id);
    return { subscriptionId: id, from, until: head, requestedAt };
  }

  async deliveries(
    id: string,
    options: { status?: 'failed' | 'dead'; cursor?: string; limit: number },
  ) {
    await this.get(id);
    const page = await this.store.findRange<DeliveryDocument>(DELIVERIES, {
      orderBy: options.status ? 'statusKey' : 'logKey',
      from: options.status ? rangeKey(id, options.status, '') : rangeKey(id, ''),
      to: options.status ? rangeKey(id, options.status, '~') : rangeKey(id, '~'),
      ...(options.cursor && {
        after: {
          value: options.status
            ? rangeKey(id, options.status, options.cursor)
            : rangeKey(id, options.cursor),
          id: `${id}:${options.cursor}`,
        },
      }),
      limit: options.limit + 1,
    });
    const more = page.length > options.limit;
    const shown = page.slice(0, options.limit);
    return {
      deliveries: shown.map(deliveryView),
      nextCursor: more ? shown[shown.length - 1]!.id.split(':')[1]! : null,
    };
  }

  async get(id: string): Promise<SubscriptionDocument> {
    await this.dispatcher.ensureCollections();
    const subscription = await this.store.get<SubscriptionDocument>(SUBSCRIPTIONS, id);
    if (!subscription) {
      throw notFound('SUBSCRIPTION_NOT_FOUND', `subscription ${id} does not exist`, { id });
    }
    return subscription;
  }

  private async live(id: string): Promise<SubscriptionDocument> {
    const subscription = await this.get(id);
    if (subscription.status !== 'active') throw deleted(id);
    return subscription;
  }
}

const deleted = (id: string) =>
  conflict('SUBSCRIPTION_DELETED', `subscription ${id} was deleted`, { id });

function view(document: SubscriptionDocument): SubscriptionView {
  const previous = document.secrets[1];
  return {
    id: document.id,
    url: document.url,
    types: document.types,
    description: document.description,
    status: document.status,
    createdAt: document.createdAt,
    createdBy: document.createdBy,
    deletedAt: document.deletedAt,
    fromPosition: document.fromPosition,
    previousSecretExpiresAt: previous?.expiresAt ?? null,
    replay:
      document.replay && document.replay.resend
        ? {
            from: document.replay.cursor,
            until: document.replay.until,
            requestedAt: document.replay.requestedAt,
          }
        : null,
  };
}

function deliveryView(document: DeliveryDocument): DeliveryView {
  return {
    id: document.id,
    eventId: document.eventId,
    eventType: document.eventType,
    position: document.eventPosition,
    customerId: document.customerId,
    status: document.status,
    attempts: document.attempts,
    nextAttemptAt:
      document.status === 'failed' ? new Date(document.nextAttemptAt).toISOString() : null,
    deliveredAt: document.deliveredAt,
    attemptsLog: document.history,
  };
}
