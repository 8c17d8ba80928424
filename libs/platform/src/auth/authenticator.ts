import { createHash, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Actor } from '@rapport/domain';
import type { ApiKeyGrant } from '../config/app-config';
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

/**
 * Turns an Authorization header into a principal: an API key from CRM_API_KEYS, or an HS256
 * JWT signed with CRM_JWT_SECRET (claims sub and roles). Only the header is read: a token
 * in the query string is never looked at.
 */
export class Authenticator {
  private readonly keys: { digest: Buffer; grant: ApiKeyGrant }[];

  constructor(
    apiKeys: Record<string, ApiKeyGrant>,
    private readonly jwtSecret?: string,
  ) {
    this.keys = Object.entries(apiKeys).map(([token, grant]) => ({ digest: digest(token), grant }));
  }

  authenticate(authorization: string | undefined): Principal {
    if (!authorization) throw new AuthenticationError('missing bearer token');
    const match = /^Bearer ([^\s]+)$/i.exec(authorization.trim());
    if (!match) throw new AuthenticationError('the Authorization header must be "Bearer <token>"');
    const token = match[1]!;
    const grant = this.findApiKey(token);
    if (grant) return { actor: actorOf(grant.actor, grant.roles), via: 'api-key' };
    if (this.jwtSecret && token.split('.').length === 3) return this.verifyJwt(token);
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
    let claims: jwt.JwtPayload;
    try {
      const verified = jwt.verify(token, this.jwtSecret!, { algorithms: ['HS256'] });
      if (typeof verified === 'string') throw new Error('payload is not a claims object');
      claims = verified;
    } catch (error) {
      throw new AuthenticationError(`invalid token: ${(error as Error).message}`);
    }
    const roles: unknown = claims.roles;
    if (typeof claims.sub !== 'string' || claims.sub.length === 0) {
      throw new AuthenticationError('invalid token: the sub claim is required');
    }
    if (!Array.isArray(roles) || !roles.every(isRole)) {
      throw new AuthenticationError('invalid token: roles must be a list of known roles');
    }
    return { actor: actorOf(claims.sub, roles), via: 'jwt' };
  }
}

function actorOf(id: string, roles: string[]): Actor {
  return { id, roles: [...roles], kind: roles.includes('service') ? 'service' : 'user' };
}
