import { Inject, Injectable } from '@nestjs/common';
import { ApiError, type AppConfig } from '@rapport/platform';
import { APP_CONFIG } from '../infrastructure/tokens';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Per-actor rate limit (CRM_RATE_LIMIT_PER_MINUTE, 0 = off): a token bucket per actor that
 * refills continuously, so short bursts pass and a sustained flood gets 429 with Retry-After.
 */
@Injectable()
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMinute: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.perMinute = config.rateLimitPerMinute;
  }

  take(actorId: string, now = Date.now()): void {
    if (this.perMinute <= 0) return;
    const refillPerMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(actorId) ?? { tokens: this.perMinute, updatedAt: now };
    bucket.tokens = Math.min(
      this.perMinute,
      bucket.tokens + (now - bucket.updatedAt) * refillPerMs,
    );
    bucket.updatedAt = now;
    if (bucket.tokens < 1) {
      this.buckets.set(actorId, bucket);
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
      throw new ApiError(
        429,
        'RATE_LIMITED',
        `too many requests: ${this.perMinute} per minute per caller`,
        { retryAfterSeconds: retryAfter },
        {
          'Retry-After': String(retryAfter),
        },
      );
    }
    bucket.tokens -= 1;
    this.buckets.set(actorId, bucket);
    // Forget idle callers so the map does not grow without bound.
    if (this.buckets.size > 100_000) {
      for (const [id, b] of this.buckets) if (now - b.updatedAt > 60_000) this.buckets.delete(id);
    }
  }
}
