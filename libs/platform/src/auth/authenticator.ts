import { createHash, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Actor } from '@rapport/domain';
import { HASHED_API_KEY_PREFIX, type ApiKeyGrant, type JwtPolicy } from '../config/app-config';
import { isRole } from './permissions';

export interface Principal {
  actor: Actor;
  via: 'api-key' | 'jwt';
}

export class AuthenticationError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'AuthenticationError';
  }
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** The SHA-256 digest a configured key stands for: given as such, or computed from the token. */
function configuredDigest(key: string): Buffer {
  return key.startsWith(HASHED_API_KEY_PREFIX)
    ? Buffer.from(key.slice(HASHED_API_KEY_PREFIX.length), 'hex')
    : digest(key);
}

/**
 * Turns an Authorization header into a principal: an API key from CRM_API_KEYS (the token, or
 * its SHA-256 as "sha256:<hex>"), or an HS256 JWT signed with CRM_JWT_SECRET (claims sub, roles
 * and exp; iss and aud when configured; no longer-lived than the configured maximum). Only the
 * header is read: a token in the query string is never looked at.
 */
export class Authenticator {
  private readonly keys: { digest: Buffer; grant: ApiKeyGrant }[];

  constructor(
    apiKeys: Record<string, ApiKeyGrant>,
    private readonly jwtPolicy?: JwtPolicy,
    /** Milliseconds since the epoch; the tokens' clock, not the application's event clock. */
    private readonly now: () => number = Date.now,
  ) {
    this.keys = Object.entries(apiKeys).map(([key, grant]) => ({
      digest: configuredDigest(key),
      grant,
    }));
  }

  authenticate(authorization: string | undefined): Principal {
    if (!authorization) throw new AuthenticationError('missing bearer token');
    const match = /^Bearer ([^\s]+)$/i.exec(authorization.trim());
    if (!match) throw new AuthenticationError('the Authorization header must be "Bearer <token>"');
    const token = match[1]!;
    const grant = this.findApiKey(token);
    if (grant) return { actor: actorOf(grant.actor, grant.roles), via: 'api-key' };
    if (this.jwtPolicy && token.split('.').length === 3) return this.verifyJwt(token);
    throw new AuthenticationError('invalid token');
  }

  /** Compares against every key in constant time so the timing reveals nothing. */
  private findApiKey(token: string): ApiKeyGrant | undefined {
    const presented = digest(token);
    let found: ApiKeyGrant | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(presented, key.digest)) found = key.grant;
    }
    return found;
  }

  private verifyJwt(token: string): Principal {
    const policy = this.jwtPolicy!;
    const nowSeconds = Math.floor(this.now() / 1000);
    let claims: jwt.JwtPayload;
    try {
      const verified = jwt.verify(token, policy.secret, {
        algorithms: ['HS256'],
        clockTimestamp: nowSeconds,
      });
      if (typeof verified === 'string') throw new Error('payload is not a claims object');
      claims = verified;
    } catch (error) {
      throw new AuthenticationError(`invalid token: ${reasonOf(error)}`);
    }
    const refuse = (reason: string) => new AuthenticationError(`invalid token: ${reason}`);
    // A token without exp would be valid forever: whoever copies it once keeps the access.
    if (typeof claims.exp !== 'number') throw refuse('the exp (expiry) claim is required');
    const lifetime = Math.max(
      claims.exp - nowSeconds,
      typeof claims.iat === 'number' ? claims.exp - claims.iat : 0,
    );
    if (lifetime > policy.maxLifetimeSeconds) {
      throw refuse(
        `it is valid for ${lifetime} s, more than the accepted maximum of ${policy.maxLifetimeSeconds} s`,
      );
    }
    if (policy.issuers.length > 0 && !policy.issuers.includes(claims.iss as string)) {
      throw refuse(
        claims.iss === undefined
          ? 'the iss (issuer) claim is required'
          : 'the iss (issuer) claim is not an accepted issuer',
      );
    }
    if (policy.audiences.length > 0) {
      const audiences: unknown[] = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!audiences.some((a) => typeof a === 'string' && policy.audiences.includes(a))) {
        throw refuse(
          claims.aud === undefined
            ? 'the aud (audience) claim is required'
            : 'the aud (audience) claim names no accepted audience',
        );
      }
    }
    const roles: unknown = claims.roles;
    if (typeof claims.sub !== 'string' || claims.sub.length === 0) {
      throw refuse('the sub claim is required');
    }
    if (!Array.isArray(roles) || !roles.every(isRole)) {
      throw refuse('roles must be a list of known roles');
    }
    return { actor: actorOf(claims.sub, roles), via: 'jwt' };
  }
}

/** jsonwebtoken's reasons, with the times spelled out where it gives them. */
function reasonOf(error: unknown): string {
  if (error instanceof jwt.TokenExpiredError) return `expired at ${error.expiredAt.toISOString()}`;
  if (error instanceof jwt.NotBeforeError) return `not valid before ${error.date.toISOString()}`;
  return (error as Error).message;
}

function actorOf(id: string, roles: string[]): Actor {
  return { id, roles: [...roles], kind: roles.includes('service') ? 'service' : 'user' };
}
