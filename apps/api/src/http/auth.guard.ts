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
  type Principal,
} from '@rapport/platform';
import { AuditRecorder } from '../audit/audit-recorder';
import { PERMISSION_KEY, PUBLIC_KEY } from './access.decorators';
import { RateLimiter } from './rate-limiter';

/**
 * The HTTP benchmark's stand-in for the AuthGuard when it measures what authentication costs:
 * every request acts as one administrator. Wired only when createApiApp is given
 * guaranteesOff: ['auth'], which no configuration can ask for (see GUARANTEES_OFF).
 */
@Injectable()
export class BenchmarkPrincipalGuard implements CanActivate {
  private readonly principal: Principal = {
    actor: { id: 'benchmark', roles: ['admin'], kind: 'service' },
    via: 'api-key',
  };

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<HttpRequestLike>();
    request.rapport = { ...request.rapport, principal: this.principal };
    return true;
  }
}

/**
 * Authenticates every request and checks the route's permission. Fails closed: a route
 * that declares neither a permission nor @Public() is admin-only.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** A route's access rule, read from its decorators once (they do not change at run time). */
  private readonly rules = new WeakMap<object, { isPublic: boolean; permission: Permission }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly audit: AuditRecorder,
    private readonly rateLimiter: RateLimiter,
  ) {}

  /** Synchronous when the request may pass: Nest awaits only what is a promise. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const { isPublic, permission } = this.ruleOf(context);
    if (isPublic) return true;
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
    if (isAllowed(principal.actor.roles, permission)) return true;
    return this.deny(request, principal, permission);
  }

  private async deny(
    request: HttpRequestLike,
    principal: Principal,
    permission: Permission,
  ): Promise<never> {
    await this.audit.recordDenied(request, principal, permission);
    throw new ApiError(403, 'FORBIDDEN', `this requires the permission ${permission}`, {
      permission,
    });
  }

  private ruleOf(context: ExecutionContext): { isPublic: boolean; permission: Permission } {
    const handler = context.getHandler();
    let rule = this.rules.get(handler);
    if (!rule) {
      const targets = [handler, context.getClass()];
      rule = {
        isPublic: this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) === true,
        permission:
          this.reflector.getAllAndOverride<Permission>(PERMISSION_KEY, targets) ?? 'admin:operate',
      };
      this.rules.set(handler, rule);
    }
    return rule;
  }
}
