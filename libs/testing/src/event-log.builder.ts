import { randomUUID } from 'node:crypto';
import type { CrmEvent, EventEnvelope } from '@rapport/domain';

/**
 * Builds envelopes as the store would record them: gapless positions, per-stream revisions,
 * metadata with the client id. For projection and analytics specs.
 */
export class EventLogBuilder {
  readonly events: EventEnvelope[] = [];
  private readonly revisions = new Map<string, number>();

  constructor(private clock = '2026-01-01T00:00:00.000Z') {}

  /** Appends one event; recordedAt is `at` (or the builder's clock). */
  append(event: CrmEvent, at: string = this.clock): EventEnvelope {
    const data = event.data as { customerId: string; dealId?: string; complaintId?: string };
    const streamId = event.type.startsWith('Deal')
      ? `deal-${data.dealId}`
      : event.type.startsWith('Complaint')
        ? `complaint-${data.complaintId}`
        : `customer-${data.customerId}`;
    const revision = (this.revisions.get(streamId) ?? -1) + 1;
    this.revisions.set(streamId, revision);
    const commandId = randomUUID();
    const envelope: EventEnvelope = {
      id: randomUUID(),
      type: event.type,
      schemaVersion: event.schemaVersion,
      streamId,
      streamRevision: revision,
      position: this.events.length + 1,
      recordedAt: at,
      data: event.data,
      metadata: {
        customerId: data.customerId,
        actor: { id: 'spec', roles: ['admin'], kind: 'user' },
        correlationId: commandId,
        causationId: commandId,
        commandId,
        source: 'spec',
      },
    };
    this.events.push(envelope);
    this.clock = at;
    return envelope;
  }

  appendAll(events: CrmEvent[], at?: string): EventEnvelope[] {
    return events.map((event) => this.append(event, at));
  }
}
