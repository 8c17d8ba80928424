import type { AuditEvent } from '@rapport/domain';
import { timeOrderedId, type EventStore } from '@rapport/event-store';

/** Who runs the CLI, as far as the environment tells. */
export function operator(): string {
  return process.env.USER || process.env.LOGNAME || 'operator';
}

/** The actor the CLI records audit facts as: the operator, with the admin role it acts with. */
export const cliActor = () => ({
  id: `cli:${operator()}`,
  roles: ['admin'],
  kind: 'user' as const,
});

/** Appends one audit fact (a key rotation, a bulk export) to its audit stream, as the operator. */
export async function recordAuditEvent(
  events: EventStore,
  streamId: string,
  event: AuditEvent,
): Promise<void> {
  const commandId = timeOrderedId();
  await events.append({
    streams: [
      {
        streamId,
        expectedRevision: 'any',
        events: [
          {
            id: timeOrderedId(),
            ...event,
            metadata: {
              customerId: '',
              actor: cliActor(),
              correlationId: commandId,
              causationId: commandId,
              commandId,
              source: 'cli',
            },
          },
        ],
      },
    ],
  });
}
