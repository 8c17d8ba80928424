import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { auditStreamId, type AccessDenied } from '@rapport/domain';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import { header, type HttpRequestLike, type Permission, type Principal } from '@rapport/platform';
import { CLOCK, type Clock } from '../infrastructure/tokens';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Records every 403 as an AccessDenied audit event before the answer goes out. */
@Injectable()
export class AccessDenials {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(
    request: HttpRequestLike,
    principal: Principal,
    permission: Permission,
  ): Promise<void> {
    const path = request.url.split('?')[0] ?? request.url;
    const customerId = customerOf(request);
    const purpose = header(request, 'x-purpose')?.slice(0, 200);
    const correlationId = request.rapport?.correlationId ?? randomUUID();
    const event: AccessDenied = {
      type: 'AccessDenied',
      schemaVersion: 1,
      data: {
        actorId: principal.actor.id,
        roles: principal.actor.roles,
        permission,
        method: request.method,
        path,
        ...(customerId && { customerId }),
        ...(purpose && { purpose }),
        at: this.clock().toISOString(),
      },
    };
    await this.eventStore.append({
      streams: [
        {
          streamId: auditStreamId(customerId),
          expectedRevision: 'any',
          events: [
            {
              id: randomUUID(),
              ...event,
              metadata: {
                customerId: customerId ?? '',
                actor: principal.actor,
                correlationId,
                causationId: correlationId,
                commandId: randomUUID(),
                source: 'api',
              },
            },
          ],
        },
      ],
    });
  }
}

/** The client a request is about, when its path names one. */
function customerOf(request: HttpRequestLike): string | undefined {
  const match = /^\/(?:audit\/)?customers\/([^/?]+)/.exec(request.url);
  return match && UUID.test(match[1]!) ? match[1]!.toLowerCase() : undefined;
}
