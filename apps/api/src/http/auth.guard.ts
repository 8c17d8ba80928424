import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  ApiError,
  AuthenticationError,
  Authenticator,
  header,
  isAllowed,
  type HttpRequestLike,
  type Permission,
} from '@rapport/platform';
import { AuditRecorder } from '../audit/audit-recorder';
import { PERMISSION_KEY, PUBLIC_KEY } from './access.decorators';
import { RateLimiter } from './rate-limiter';

/**
 * Authenticates every request and checks the route's permission. Fails closed: a route
 * that declares neither a permission nor @Public() is admin-only.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly audit: AuditRecorder,
    private readonly rateLimiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<HttpRequestLike>();
    let principal;
    try {
      principal = this.authenticator.authenticate(header(request, 'authorization'));
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      throw new ApiError(401, 'UNAUTHENTICATED', error.reason, undefined, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    request.rapport = { ...request.rapport, principal };
    this.rateLimiter.take(principal.actor.id);
    const permission =
      this.reflector.getAllAndOverride<Permission>(PERMISSION_KEY, targets) ?? 'admin:operate';
    if (isAllowed(principal.actor.roles, permission)) return true;
    await this.audit.recordDenied(request, principal, permission);
    throw new ApiError(403, 'FORBIDDEN', `this requires the permission ${permission}`, {
      permission,
    });
  }
}
