import { createHash, randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Actor } from '@rapport/domain';
import {
  ApiError,
  currentTraceparent,
  header,
  isServiceActor,
  type HttpRequestLike,
} from '@rapport/platform';
import { businessTime } from '@rapport/domain';
import { timeOrderedId } from '@rapport/event-store';

/** Who asks, when, and under which idempotency and concurrency conditions. */
export interface CommandContext {
  actor: Actor;
  /**
   * Business time: the decision time handed to deciders and the events' occurredAt. The time
   * of receipt, unless a service stated when the command happened (`occurredAt`, imports).
   */
  now: string;
  /** ISO time of receipt (our clock). */
  receivedAt: string;
  /** W3C trace context the events keep (metadata.traceparent), when there is one. */
  traceparent?: string;
  correlationId: string;
  /** Idempotency key: from Idempotency-Key (scoped to the caller), else a fresh id. */
  commandId: string;
  /** True when the caller sent an Idempotency-Key: retries must return the first result. */
  idempotent: boolean;
  /** Digest of the request, to detect a key reused for a different request. */
  fingerprint: string;
  /** From If-Match: the revision the caller last saw of the addressed record. */
  expectedRevision?: number;
  /** The system the command came from: "api", or "ingest:<system>". */
  source: string;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** Canonical JSON: the same body with keys in another order has the same digest. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      );
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function parseIfMatch(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(-?\d{1,15})"?\s*$/.exec(raw);
  const revision = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(revision) || revision < -1) {
    throw new ApiError(
      400,
      'INVALID_IF_MATCH',
      'If-Match must be a stream revision, e.g. 3 or "3"',
    );
  }
  return revision;
}

export function commandContextFromRequest(request: HttpRequestLike, now: Date): CommandContext {
  const principal = request.rapport?.principal;
  if (!principal) throw new Error('command context needs an authenticated request');
  const key = header(request, 'idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new ApiError(
      400,
      'INVALID_IDEMPOTENCY_KEY',
      'Idempotency-Key must be 1 to 200 printable ASCII characters',
    );
  }
  const expectedRevision = parseIfMatch(header(request, 'if-match'));
  const path = request.url.split('?')[0];
  const fingerprint = createHash('sha256')
    .update(
      `${request.method} ${path}\n${canonicalJson(request.body ?? {})}\n${expectedRevision ?? ''}`,
    )
    .digest('hex');
  const traceparent = currentTraceparent(header(request, 'traceparent'));
  return {
    actor: principal.actor,
    now: now.toISOString(),
    receivedAt: now.toISOString(),
    ...(traceparent !== undefined && { traceparent }),
    correlationId: request.rapport?.correlationId ?? randomUUID(),
    // Keys are scoped to the caller: two systems choosing the same key never collide.
    commandId: key === undefined ? timeOrderedId() : `${principal.actor.id}/${key}`,
    idempotent: key !== undefined,
    fingerprint,
    ...(expectedRevision !== undefined && { expectedRevision }),
    source: 'api',
  };
}

/**
 * The context in business time: a service's `occurredAt` (imports from an older system)
 * becomes the command's decision time, so every command gets it without code of its own.
 * Other roles may not move time (403 OCCURRED_AT_NOT_ALLOWED); a time in the future is
 * refused by the domain rule (422 OCCURRED_AT_IN_FUTURE).
 */
export function inBusinessTime(context: CommandContext, occurredAt: unknown): CommandContext {
  if (occurredAt === undefined) return context;
  if (!isServiceActor(context.actor)) {
    throw new ApiError(
      403,
      'OCCURRED_AT_NOT_ALLOWED',
      'only the service role may state when a command happened (occurredAt)',
      { field: 'occurredAt' },
    );
  }
  if (typeof occurredAt !== 'string' || !ISO_DATE_TIME.test(occurredAt)) {
    throw new ApiError(400, 'VALIDATION_FAILED', 'invalid occurredAt', {
      fields: [{ field: 'occurredAt', problems: [OCCURRED_AT_PROBLEM] }],
    });
  }
  return { ...context, now: businessTime(occurredAt, context.receivedAt) };
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const OCCURRED_AT_PROBLEM =
  'occurredAt must be an ISO 8601 date and time with a zone, e.g. 2026-03-01T10:00:00Z';

/** Injects the CommandContext of the current request into a controller method. */
export const CommandCtx = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<HttpRequestLike & { receivedAt?: Date }>();
  return commandContextFromRequest(request, request.receivedAt ?? new Date());
});
