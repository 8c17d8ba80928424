import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@rapport/domain';
import {
  rangeKey,
  type DocumentWrite,
  type ReadStore,
  type StoredDocument,
} from '@rapport/read-models';

/**
 * Webhook subscriptions and deliveries are operational state of the integration, not facts
 * about clients: they live in two collections of the read store (SQLite or MongoDB, shared by
 * every API process), not in the event log. Each document's `position` is its own version,
 * raised by one at every change, so the store's position guard makes each change apply once
 * even when two processes race (the loser's write is ignored, and it reads the winner's).
 */
export const SUBSCRIPTIONS = 'webhook_subscriptions';
export const DELIVERIES = 'webhook_deliveries';

export const SUBSCRIPTION_INDEXES = ['status'] as const;
export const DELIVERY_INDEXES = ['logKey', 'statusKey', 'openKey'] as const;

/** At most this many live subscriptions: each costs a worker in every API process. */
export const MAX_SUBSCRIPTIONS = 100;

export interface SealedSecret {
  /** The secret sealed with the subscription's data key (libs/privacy), never in clear. */
  sealed: string;
  createdAt: string;
  /** When it stops signing (set on the previous secret by a rotation); null: in force. */
  expiresAt: string | null;
}

/** A replay or the catch-up of a new subscription: events after `cursor` up to `until`. */
export interface ReplayState {
  /** Which request: a new one replaces a replay in progress. */
  id: string;
  cursor: number;
  /** Fixed when the replay starts: the head of the log then. */
  until: number | null;
  /** Deliveries already recorded are sent again (a replay) or left alone (a catch-up). */
  resend: boolean;
  requestedAt: string;
}

export interface SubscriptionDocument extends StoredDocument {
  url: string;
  types: string[] | null;
  description: string | null;
  status: 'active' | 'deleted';
  createdAt: string;
  createdBy: string;
  deletedAt: string | null;
  /** Events after this position are delivered (the head when it was created). */
  fromPosition: number;
  /** Newest first: the current secret, then the previous one during its overlap. */
  secrets: SealedSecret[];
  replay: ReplayState | null;
  /** Set by each write: whoever reads its own id back knows its change was the one kept. */
  writeId?: string;
}

export type DeliveryStatus = 'pending' | 'failed' | 'delivered' | 'dead';

export interface DeliveryAttempt {
  at: string;
  /** The receiver's HTTP status; absent when no answer came (refused, timeout, network). */
  statusCode?: number;
  error?: string;
  durationMs: number;
}

export interface DeliveryDocument extends StoredDocument {
  subscriptionId: string;
  eventId: string;
  eventType: string;
  eventPosition: number;
  /** Where the event is read from when it is sent (the log is the only copy of the body). */
  streamId: string;
  streamRevision: number;
  customerId: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt may start (epoch ms). */
  nextAttemptAt: number;
  deliveredAt: string | null;
  /** The latest attempts, newest last (at most 10). */
  history: DeliveryAttempt[];
  /** The process that holds the delivery while it sends it, and until when. */
  leaseOwner: string | null;
  leaseUntil: number;
  /** Every delivery of the subscription in log order. */
  logKey: string;
  /** The subscription's deliveries of one status in log order. */
  statusKey: string;
  /** The deliveries still to send (pending or failed) in log order; null once final. */
  openKey: string | null;
}

/** Positions as fixed-width text, so that string order is log order. */
export const positionKey = (position: number) => String(position).padStart(16, '0');

export const deliveryId = (subscriptionId: string, position: number) =>
  `${subscriptionId}:${positionKey(position)}`;

/** The indexed keys of a delivery in a given status. */
export function deliveryKeys(
  subscriptionId: string,
  eventPosition: number,
  status: DeliveryStatus,
): Pick<DeliveryDocument, 'logKey' | 'statusKey' | 'openKey'> {
  const at = positionKey(eventPosition);
  return {
    logKey: rangeKey(subscriptionId, at),
    statusKey: rangeKey(subscriptionId, status, at),
    openKey: status === 'pending' || status === 'failed' ? rangeKey(subscriptionId, at) : null,
  };
}

/** What a delivery needs of its event. */
export type DeliveredEvent = Pick<
  EventEnvelope,
  'id' | 'type' | 'position' | 'streamId' | 'streamRevision'
> & { metadata: Pick<EventEnvelope['metadata'], 'customerId'> };

/** A new delivery of an event to a subscription: pending, never attempted. */
export function newDelivery(subscriptionId: string, event: DeliveredEvent): DeliveryDocument {
  return {
    id: deliveryId(subscriptionId, event.position),
    position: 1,
    subscriptionId,
    eventId: event.id,
    eventType: event.type,
    eventPosition: event.position,
    streamId: event.streamId,
    streamRevision: event.streamRevision,
    customerId: event.metadata.customerId,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: 0,
    deliveredAt: null,
    history: [],
    leaseOwner: null,
    leaseUntil: 0,
    ...deliveryKeys(subscriptionId, event.position, 'pending'),
  };
}

/**
 * Writes deliveries (given in log order) so that a client's later delivery is never stored
 * without its earlier ones: one commit per rank (every client's first delivery of the lot,
 * then every client's second...). A commit on MongoDB is not atomic: one that fails may have
 * stored part of its writes, and a worker would then send a client's later event while the
 * earlier one is still missing. A failure at one rank leaves the later ranks unwritten, so
 * what is stored of each client is a prefix, and the retry (the batch read again) completes it.
 */
export async function commitDeliveries(
  store: ReadStore,
  deliveries: readonly { document: DeliveryDocument; once?: boolean }[],
): Promise<void> {
  const ranks: DocumentWrite[][] = [];
  const depth = new Map<string, number>();
  for (const { document, once } of deliveries) {
    const lane = `${document.subscriptionId}\u0000${document.customerId}`;
    const rank = depth.get(lane) ?? 0;
    depth.set(lane, rank + 1);
    (ranks[rank] ??= []).push({ collection: DELIVERIES, document, ...(once && { once }) });
  }
  for (const writes of ranks) await store.commit({ writes, checkpoints: [] });
}

/**
 * Changes a subscription without losing a concurrent change (an admin's rotation while a
 * worker moves a replay's cursor, in this process or another): read, change, write at the
 * next version, read back; if another write took that version, start again from it.
 * `change` returns undefined to leave the document as it is.
 */
export async function changeSubscription(
  store: ReadStore,
  id: string,
  change: (current: SubscriptionDocument) => SubscriptionDocument | undefined,
): Promise<SubscriptionDocument | undefined> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const current = await store.get<SubscriptionDocument>(SUBSCRIPTIONS, id);
    if (!current) return undefined;
    const changed = change(current);
    if (!changed) return current;
    const next: SubscriptionDocument = {
      ...changed,
      id,
      position: current.position + 1,
      writeId: randomUUID(),
    };
    await store.commit({
      writes: [{ collection: SUBSCRIPTIONS, document: next }],
      checkpoints: [],
    });
    const stored = await store.get<SubscriptionDocument>(SUBSCRIPTIONS, id);
    if (stored?.writeId === next.writeId) return next;
  }
  throw new Error(`subscription ${id} kept changing under 50 attempts in a row`);
}
