import { randomUUID } from 'node:crypto';
import { CRM_EVENT_CATALOGUE, type CrmEvent, type EventEnvelope } from '@rapport/domain';
import { newEvent } from '@rapport/event-store';
import { sealed } from './decider.specification';

/**
 * Builds envelopes as the store would record them: gapless positions, per-stream revisions,
 * metadata with the client id. For projection and analytics specs.
 */
export class EventLogBuilder {
  readonly events: EventEnvelope[] = [];
  private readonly revisions = new Map<string, number>();

  constructor(private clock = '2026-01-01T00:00:00.000Z') {}

  /** Appends one event; recordedAt and (unless its data has its own) occurredAt are `at`. */
  append(event: CrmEvent, at: string = this.clock): EventEnvelope {
    const data = event.data as Record<string, unknown> & {
      customerId?: string;
      campaignId?: string;
    };
    const { aggregate } = CRM_EVENT_CATALOGUE[event.type];
    const streamId = `${aggregate}-${String(data[`${aggregate}Id`])}`;
    const revision = (this.revisions.get(streamId) ?? -1) + 1;
    this.revisions.set(streamId, revision);
    const commandId = randomUUID();
    const built = newEvent(event, {
      // A campaign's own events concern no single client: its id is their key, as in the API.
      customerId: data.customerId ?? data.campaignId ?? '',
      actor: { id: 'spec', roles: ['admin'], kind: 'user' },
      correlationId: commandId,
      commandId,
      source: 'spec',
    });
    const envelope: EventEnvelope = {
      ...built,
      streamId,
      streamRevision: revision,
      position: this.events.length + 1,
      recordedAt: at,
      occurredAt: built.occurredAt ?? at,
    };
    this.events.push(envelope);
    this.clock = at;
    return envelope;
  }

  appendAll(events: CrmEvent[], at?: string): EventEnvelope[] {
    return events.map((event) => this.append(event, at));
  }
}

/**
 * A history of `clients` clients (`c0`, `c1`, ...), each with a lead and then `contacts`
 * inbound calls, interleaved across clients as a busy log is; the k-th round of calls is on
 * the k-th day of February 2026.
 */
export function leadsWithContacts(clients: number, contacts: number): EventEnvelope[] {
  const log = new EventLogBuilder();
  for (let c = 0; c < clients; c++) {
    log.append({
      type: 'LeadCreated',
      schemaVersion: 1,
      data: {
        customerId: `c${c}`,
        name: sealed('n'),
        source: 's',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    });
  }
  for (let k = 0; k < contacts; k++) {
    const at = new Date(Date.UTC(2026, 1, 1 + k)).toISOString();
    for (let c = 0; c < clients; c++) {
      log.append({
        type: 'ContactLogged',
        schemaVersion: 3,
        data: {
          customerId: `c${c}`,
          contactId: `k${c}-${k}`,
          channel: 'call',
          direction: 'inbound',
          subject: sealed('s'),
          occurredAt: at,
          loggedAt: at,
        },
      });
    }
  }
  return log.events;
}
