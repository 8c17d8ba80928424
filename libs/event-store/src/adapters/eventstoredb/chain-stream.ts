import { randomUUID } from 'node:crypto';
import type { JSONEventData, JSONType } from '@kurrent/kurrentdb-client';
import { CHAIN_START, chainHash } from '../../hash-chain';
import { encodeMetadata, toEventData, type PreparedStream, type StoredEvent } from './event.codec';
import { firstRevision } from './expectations';
import { toSafeNumber } from './log-position';

/**
 * The head of the hash chain: one ChainExtended event per append, written in the same atomic
 * multi-stream append as the events it chains, expecting the revision read before. Of two
 * concurrent appends only one extends a given head; the other fails on this stream, reads the
 * new head and hashes again. That makes appends to one KurrentDB one chain in $all order.
 */
export const CHAIN_STREAM = 'rapport_chain';
const CHAIN_EXTENDED = 'ChainExtended';

export interface ChainTip {
  /** Revision of the chain stream's last event; -1 before the first chained append. */
  revision: number;
  sequence: number;
  hash: string;
}

interface ChainExtendedData {
  sequence: number;
  hash: string;
}

export async function readChainTip(reader: {
  lastOf(streamId: string): Promise<StoredEvent[]>;
}): Promise<ChainTip> {
  const [last] = await reader.lastOf(CHAIN_STREAM);
  if (!last) return { revision: -1, sequence: CHAIN_START.sequence, hash: CHAIN_START.hash };
  const { sequence, hash } = last.data as Partial<ChainExtendedData>;
  if (!Number.isSafeInteger(sequence) || typeof hash !== 'string') {
    throw new Error(`the last event of ${CHAIN_STREAM} is not a ChainExtended event`);
  }
  return { revision: toSafeNumber(last.revision, 'stream revision'), sequence: sequence!, hash };
}

/**
 * Gives every event of an append its place in the chain after `tip`, in the order the append
 * writes them (streams in request order, events in stream order), and the ChainExtended
 * event that moves the head.
 */
export function extendChain(
  written: PreparedStream[],
  observed: ReadonlyMap<string, number>,
  tip: ChainTip,
  recordedAt: string,
): { events: JSONEventData[][]; extended: JSONEventData; tip: ChainTip } {
  let { sequence, hash } = tip;
  const events = written.map(({ stream, events: prepared }) => {
    let revision = firstRevision(stream, observed);
    return prepared.map((event) => {
      sequence += 1;
      const occurredAt = event.occurredAt ?? recordedAt;
      hash = chainHash(
        {
          sequence,
          id: event.id,
          type: event.type,
          schemaVersion: event.schemaVersion,
          streamId: stream.streamId,
          streamRevision: revision++,
          recordedAt,
          occurredAt,
          data: event.dataText,
          metadata: event.metadataText,
        },
        hash,
      );
      return toEventData(event, { sequence, hash, recordedAt, occurredAt });
    });
  });
  const data: ChainExtendedData = { sequence, hash };
  return {
    events,
    extended: {
      id: randomUUID(),
      contentType: 'application/json',
      type: CHAIN_EXTENDED,
      data: data as unknown as JSONType,
      metadata: encodeMetadata({ schemaVersion: 1 }),
    },
    tip: { revision: tip.revision + 1, sequence, hash },
  };
}
