import { randomUUID } from 'node:crypto';
import { newEvent, type NewEvent } from '@rapport/event-store';

/** A ContactLogged event of realistic size (~600 bytes with sealed fields and metadata). */
export function contactEvent(customerId: string): NewEvent {
  return newEvent(
    {
      type: 'ContactLogged',
      schemaVersion: 1,
      data: {
        customerId,
        contactId: randomUUID(),
        channel: 'call',
        direction: 'inbound',
        subject: `enc:v1:${'A'.repeat(16)}.${'B'.repeat(64)}`,
        notes: `enc:v1:${'C'.repeat(16)}.${'D'.repeat(160)}`,
        occurredAt: '2026-03-01T10:00:00.000Z',
        loggedAt: '2026-03-01T10:00:01.000Z',
      },
    },
    {
      customerId,
      actor: { id: 'bench', roles: ['service'], kind: 'service' },
      correlationId: randomUUID(),
      commandId: randomUUID(),
      source: 'bench',
    },
  );
}
