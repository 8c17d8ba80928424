import {
  AUDIT_CHECKPOINT_STREAM,
  type AuditCheckpointSealed,
  type EventEnvelope,
  type EventMetadata,
} from '@rapport/domain';
import { timeOrderedId } from './time-ordered-id';
import type { EventStore } from './event-store.port';
import type { ChainClaim } from './hash-chain';

/** A sealed head of the chain, as exported to an outside witness (one JSON line each). */
export interface SealedCheckpoint {
  /** The sealed head: position, rank in the chain and hash of the newest event then. */
  position: number;
  sequence: number;
  hash: string;
  previousPosition: number;
  sealedAt: string;
  /** Where the AuditCheckpointSealed event itself is in the log. */
  eventPosition: number;
  eventId: string;
}

/** Every checkpoint sealed in the log from stream revision `fromRevision`, oldest first. */
export async function readCheckpoints(
  store: EventStore,
  fromRevision = 0,
): Promise<{ checkpoints: SealedCheckpoint[]; revision: number }> {
  const read = await store.readStream(AUDIT_CHECKPOINT_STREAM, { fromRevision });
  return {
    checkpoints: read.events.filter(isSeal).map(toCheckpoint),
    revision: read.revision,
  };
}

/** What the checkpoints claim, for a ChainVerifier. */
export function checkpointClaims(checkpoints: readonly SealedCheckpoint[]): ChainClaim[] {
  return checkpoints.map((checkpoint) => ({
    position: checkpoint.position,
    hash: checkpoint.hash,
    source: `the checkpoint sealed at position ${checkpoint.eventPosition}`,
  }));
}

/** Reads a witness's export (JSON lines of SealedCheckpoint) into claims. */
export function witnessClaims(text: string, source: string): ChainClaim[] {
  const claims: ChainClaim[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${source} line ${index + 1} is not JSON`);
    }
    const { position, hash } = (parsed ?? {}) as Partial<SealedCheckpoint>;
    if (!Number.isSafeInteger(position) || position! < 1 || typeof hash !== 'string') {
      throw new Error(`${source} line ${index + 1} has no position and hash`);
    }
    claims.push({ position: position!, hash, source: `${source} line ${index + 1}` });
  });
  return claims;
}

/**
 * Appends an AuditCheckpointSealed event for the current head of the chain. `expectedRevision`
 * is the checkpoint stream's revision the caller last saw: of two sealers only one succeeds
 * (the other gets WrongExpectedRevisionError and seals nothing).
 */
export async function sealCheckpoint(
  store: EventStore,
  options: {
    expectedRevision: number;
    previousPosition: number;
    at: Date;
    actor: EventMetadata['actor'];
    source: string;
  },
): Promise<SealedCheckpoint> {
  const head = await store.chainHead();
  const commandId = timeOrderedId();
  const event: AuditCheckpointSealed = {
    type: 'AuditCheckpointSealed',
    schemaVersion: 1,
    data: {
      position: head.position,
      sequence: head.sequence,
      hash: head.hash,
      previousPosition: options.previousPosition,
      sealedAt: options.at.toISOString(),
    },
  };
  const result = await store.append({
    streams: [
      {
        streamId: AUDIT_CHECKPOINT_STREAM,
        expectedRevision: options.expectedRevision,
        events: [
          {
            id: timeOrderedId(),
            ...event,
            metadata: {
              customerId: '',
              actor: options.actor,
              correlationId: commandId,
              causationId: commandId,
              commandId,
              source: options.source,
            },
          },
        ],
      },
    ],
  });
  return toCheckpoint(result.events[0]!);
}

function isSeal(event: EventEnvelope): boolean {
  return event.type === 'AuditCheckpointSealed';
}

function toCheckpoint(event: EventEnvelope): SealedCheckpoint {
  const data = event.data as AuditCheckpointSealed['data'];
  return {
    position: data.position,
    sequence: data.sequence,
    hash: data.hash,
    previousPosition: data.previousPosition,
    sealedAt: data.sealedAt,
    eventPosition: event.position,
    eventId: event.id,
  };
}
