import { ApiError, isAllowed, type HttpRequestLike, type Principal } from '@rapport/platform';
import type { AuditRecorder } from '../audit/audit-recorder';

/**
 * Whose activities a caller reads: analysts and admins (analytics:read) any owner they name,
 * or every owner; anyone else only their own (owner = their actor id). Asking for another
 * owner's is refused (403) and recorded like any refusal.
 */
export async function ownerScope(
  audit: AuditRecorder,
  request: HttpRequestLike,
  principal: Principal,
  askedOwnerId: string | undefined,
): Promise<{ ownerId?: string }> {
  if (isAllowed(principal.actor.roles, 'analytics:read'))
    return askedOwnerId === undefined ? {} : { ownerId: askedOwnerId };
  if (askedOwnerId !== undefined && askedOwnerId !== principal.actor.id) {
    await audit.recordDenied(request, principal, 'analytics:read');
    throw new ApiError(
      403,
      'FORBIDDEN',
      "only your own activities: another owner's need analytics:read",
      {
        permission: 'analytics:read',
      },
    );
  }
  return { ownerId: principal.actor.id };
}
