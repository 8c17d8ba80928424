import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook deliveries follow the Standard Webhooks scheme (https://www.standardwebhooks.com):
 * headers `webhook-id` (the same for every attempt of one message: deduplicate on it),
 * `webhook-timestamp` (seconds since the epoch) and `webhook-signature`, a space-separated
 * list of `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret in force (two
 * during a rotation's overlap). The secret is `whsec_` + base64 of its bytes; the HMAC key is
 * those bytes. The body is a structured CloudEvent (see encodeCloudEvent).
 */
export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** A new random signing secret (24 bytes, as Standard Webhooks libraries create them). */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(24).toString('base64');
}

function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX)
    ? secret.slice(WEBHOOK_SECRET_PREFIX.length)
    : secret;
  return Buffer.from(encoded, 'base64');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` for one secret. */
export function webhookSignature(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`, 'utf8');
  return `v1,${mac.digest('base64')}`;
}

/** The value of the webhook-signature header: one signature per secret in force. */
export function signWebhook(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): string {
  return secrets.map((secret) => webhookSignature(secret, id, timestamp, body)).join(' ');
}

export interface WebhookVerification {
  /** The raw request body, exactly as received. */
  body: string;
  headers: Record<string, string | string[] | undefined>;
  secret: string;
  /** Seconds since the epoch; defaults to the current time. */
  now?: number;
  /** How far the timestamp may be from now (replay protection), default 300 s. */
  toleranceSeconds?: number;
}

/**
 * What a receiver runs: true when one of the header's signatures is the one this secret
 * gives and the timestamp is recent. Compared in constant time.
 */
export function verifyWebhook({
  body,
  headers,
  secret,
  now = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
}: WebhookVerification): boolean {
  const one = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const id = one(WEBHOOK_HEADERS.id);
  const timestamp = Number(one(WEBHOOK_HEADERS.timestamp));
  const signatures = one(WEBHOOK_HEADERS.signature);
  if (!id || !Number.isInteger(timestamp) || !signatures) return false;
  if (Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, id, timestamp, body));
  return signatures.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
