import { Controller, Get, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { SessionAnswer } from '@rapport/contracts';
import {
  ApiError,
  AuthenticationError,
  Authenticator,
  header,
  isAllowed,
  PERMISSIONS,
  type HttpRequestLike,
  type Permission,
} from '@rapport/platform';
import { Public } from '../http/access.decorators';
import { RateLimiter } from '../http/rate-limiter';
import { NoClientData } from '../http/read-audit.decorators';

/**
 * Who a token is. Any valid token may ask (the role matrix has no permission for it), so the
 * route is public to the guard and authenticates here, with the guard's 401 and rate limit.
 */
@ApiTags('operations')
@Controller()
export class SessionController {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly rateLimiter: RateLimiter,
  ) {}

  @Get('me')
  @Public()
  @ApiBearerAuth()
  @ApiUnauthorizedResponse({ description: 'missing or invalid token' })
  @NoClientData("the caller's own actor id, roles and permissions: no client")
  @ApiOperation({ summary: 'The caller: actor id, roles and the permissions they grant' })
  me(@Req() request: HttpRequestLike): SessionAnswer {
    let principal;
    try {
      principal = this.authenticator.authenticate(header(request, 'authorization'));
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      throw new ApiError(401, 'UNAUTHENTICATED', error.reason, undefined, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    this.rateLimiter.take(principal.actor.id);
    const { actor } = principal;
    return {
      actor: actor.id,
      roles: [...actor.roles],
      kind: actor.kind,
      via: principal.via,
      permissions: (Object.keys(PERMISSIONS) as Permission[]).filter((permission) =>
        isAllowed(actor.roles, permission),
      ),
    };
  }
}
