import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { auditStreamId, type Actor, type AuditEvent } from '@rapport/domain';
import { EVENT_STORE, newEvent, timeOrderedId, type EventStore } from '@rapport/event-store';
import type { Customer360Document } from '@rapport/read-models';
import { header, type HttpRequestLike, type Permission, type Principal } from '@rapport/platform';
import { CLOCK, RECORD_VIEWS, type Clock } from '../infrastructure/tokens';
import { personalFieldsIn } from '../read-side/customer.views';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ViewRecord {
  request: HttpRequestLike;
  principal: Principal;
  customerIds: string[];
  view: string;
  fieldsShown: string[];
  fieldsMasked: string[];
  position: number;
}

/**
 * Records who saw client data and who was refused, before the answer goes out: a read that
 * cannot be recorded is not served. Recording is one append that the event store's group
 * commit batches with everything else arriving at the same moment.
 */
@Injectable()
export class AuditRecorder {
  /** Requests whose views were recorded (or needed none), for ReadAuditInterceptor's check. */
  private readonly recorded = new WeakSet<HttpRequestLike>();

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RECORD_VIEWS) private readonly recordViews: boolean,
  ) {}

  async recordDenied(
    request: HttpRequestLike,
    principal: Principal,
    permission: Permission,
  ): Promise<void> {
    const customerId = customerOf(request);
    const purpose = purposeOf(request);
    await this.record(request, principal, customerId, {
      type: 'AccessDenied',
      schemaVersion: 1,
      data: {
        actorId: principal.actor.id,
        roles: principal.actor.roles,
        permission,
        method: request.method,
        path: request.url.split('?')[0] ?? request.url,
        ...(customerId && { customerId }),
        ...(purpose && { purpose }),
        at: this.clock().toISOString(),
      },
    });
  }

  /** A command refused for its permission when no HTTP route was involved (Kafka ingest). */
  async recordDeniedCommand(denial: {
    actor: Actor;
    permission: Permission;
    command: string;
    customerId?: string;
    correlationId: string;
  }): Promise<void> {
    await this.append(denial.customerId, denial.actor, denial.correlationId, {
      type: 'AccessDenied',
      schemaVersion: 1,
      data: {
        actorId: denial.actor.id,
        roles: denial.actor.roles,
        permission: denial.permission,
        method: 'COMMAND',
        path: denial.command,
        ...(denial.customerId && { customerId: denial.customerId }),
        at: this.clock().toISOString(),
      },
    });
  }

  /** Records that one client's 360 document was shown, its personal fields shown or masked. */
  recordDocumentView(
    view: Pick<ViewRecord, 'request' | 'principal' | 'view' | 'position'> & {
      doc: Customer360Document;
      masked: boolean;
    },
  ): Promise<void> {
    const fields = personalFieldsIn(view.doc);
    return this.recordView({
      request: view.request,
      principal: view.principal,
      customerIds: [view.doc.customerId],
      view: view.view,
      fieldsShown: view.masked ? [] : fields,
      fieldsMasked: view.masked ? fields : [],
      position: view.position,
    });
  }

  /** Whether this request recorded its views (an answer naming no client needs none). */
  hasRecorded(request: HttpRequestLike): boolean {
    return this.recorded.has(request);
  }

  async recordView(view: ViewRecord): Promise<void> {
    if (view.customerIds.length === 0 || !this.recordViews) {
      this.recorded.add(view.request);
      return;
    }
    const purpose = purposeOf(view.request);
    const single = view.customerIds.length === 1 ? view.customerIds[0] : undefined;
    await this.record(view.request, view.principal, single, {
      type: 'CustomerDataViewed',
      schemaVersion: 1,
      data: {
        actorId: view.principal.actor.id,
        roles: view.principal.actor.roles,
        customerIds: view.customerIds,
        view: view.view,
        fieldsShown: view.fieldsShown,
        fieldsMasked: view.fieldsMasked,
        ...(purpose && { purpose }),
        position: view.position,
        at: this.clock().toISOString(),
      },
    });
    this.recorded.add(view.request);
  }

  private async record(
    request: HttpRequestLike,
    principal: Principal,
    customerId: string | undefined,
    event: AuditEvent,
  ): Promise<void> {
    await this.append(
      customerId,
      principal.actor,
      request.rapport?.correlationId ?? randomUUID(),
      event,
    );
  }

  private async append(
    customerId: string | undefined,
    actor: Actor,
    correlationId: string,
    event: AuditEvent,
  ): Promise<void> {
    const origin = {
      customerId: customerId ?? '',
      actor,
      correlationId,
      causationId: correlationId,
      commandId: timeOrderedId(),
      source: 'api',
    };
    await this.eventStore.append({
      streams: [
        {
          streamId: auditStreamId(customerId),
          expectedRevision: 'any',
          events: [newEvent(event, origin)],
        },
      ],
    });
  }
}

/** Why the caller reads (X-Purpose), kept short. */
function purposeOf(request: HttpRequestLike): string | undefined {
  return header(request, 'x-purpose')?.trim().slice(0, 200) || undefined;
}

/** The client a request is about, when its path names one. */
function customerOf(request: HttpRequestLike): string | undefined {
  const match = /^\/(?:audit\/)?customers\/([^/?]+)/.exec(request.url);
  return match && UUID.test(match[1]!) ? match[1]!.toLowerCase() : undefined;
}
