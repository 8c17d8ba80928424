import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { PERMISSIONS, type Permission } from '@rapport/platform';

export const PERMISSION_KEY = 'rapport:permission';
export const PUBLIC_KEY = 'rapport:public';

/** The permission a route needs; see the role matrix in libs/platform/src/auth/permissions.ts. */
export function Allow(permission: Permission) {
  const roles = ['admin', ...PERMISSIONS[permission]].join(', ');
  return applyDecorators(
    SetMetadata(PERMISSION_KEY, permission),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'missing or invalid token' }),
    ApiForbiddenResponse({ description: `roles allowed: ${roles}` }),
  );
}

/** A route anyone may call (health, docs, metrics). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
