import { createHash, randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Actor } from '@rapport/domain';
import { ApiError, header, type HttpRequestLike } from '@rapport/platform';

/** Who asks, when, and under which idempotency and concurrency conditions. */
export interface CommandContext {
  actor: Actor;
  /** ISO time of receipt: the decision time handed to deciders. */
  now: string;
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
  return {
    actor: principal.actor,
    now: now.toISOString(),
    correlationId: request.rapport?.correlationId ?? randomUUID(),
    // Keys are scoped to the caller: two systems choosing the same key never collide.
    commandId: key === undefined ? randomUUID() : `${principal.actor.id}/${key}`,
    idempotent: key !== undefined,
    fingerprint,
    ...(expectedRevision !== undefined && { expectedRevision }),
    source: 'api',
  };
}

/** Injects the CommandContext of the current request into a controller method. */
export const CommandCtx = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<HttpRequestLike & { receivedAt?: Date }>();
  return commandContextFromRequest(request, request.receivedAt ?? new Date());
});
