import type { JSONEventData, JSONType, Position } from '@kurrent/kurrentdb-client';
import type { EventEnvelope, EventMetadata } from '@rapport/domain';
import { serialize } from '../../append-rules';
import { InvalidAppendError } from '../../event-store.errors';
import type { NewEvent, StreamAppend } from '../../event-store.port';
import type { ChainRecord } from '../../hash-chain';
import { positionOf, toSafeNumber } from './log-position';

/** A recorded event as both read paths of the client return it (gRPC and Rust bridge). */
export interface StoredEvent {
  id: string;
  type: string;
  streamId: string;
  revision: bigint;
  created: Date;
  data: unknown;
  metadata: unknown;
  position?: Position;
}

/** An event checked and serialised before the first network call. */
export interface PreparedEvent {
  id: string;
  type: string;
  schemaVersion: number;
  /** Business time, stored with the chain fields. */
  occurredAt?: string;
  /** The data as the client will send it (its parsed form: the client stringifies it). */
  data: JSONType;
  /** JSON text of the data, as it will be stored. */
  dataText: string;
  metadata: EventMetadata;
  /** Canonical JSON text of the metadata, as the chain hashes it (see canonicalMetadata). */
  metadataText: string;
}

export interface PreparedStream {
  stream: StreamAppend;
  events: PreparedEvent[];
}

/** An event's place in the hash chain, stored in its metadata under CHAIN_KEY. */
export interface ChainFields {
  sequence: number;
  hash: string;
  /** The adapter's clock at the append: the server's own timestamp is not known before. */
  recordedAt: string;
  /** Business time (see EventEnvelope.occurredAt); absent on events from before it existed. */
  occurredAt?: string;
}

export const CHAIN_KEY = 'rapportChain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function prepareEvent(event: NewEvent): PreparedEvent {
  if (!UUID.test(event.id)) {
    throw new InvalidAppendError(`event id ${event.id} is not a UUID, which KurrentDB requires`);
  }
  const dataText = serialize(event.data, `data of ${event.type}`);
  const metadata = JSON.parse(serialize(event.metadata, `metadata of ${event.type}`)) as object;
  return {
    // KurrentDB reports ids in lower case: the chain hashes them as read back.
    id: event.id.toLowerCase(),
    type: event.type,
    schemaVersion: event.schemaVersion,
    ...(event.occurredAt !== undefined && { occurredAt: event.occurredAt }),
    data: JSON.parse(dataText) as JSONType,
    dataText,
    metadata: metadata as EventMetadata,
    metadataText: canonicalMetadata(metadata),
  };
}

/**
 * The v2 append stores metadata as a map of properties, which does not keep their order: the
 * chain hashes the top-level fields sorted by name (each value keeps its own JSON text).
 */
export function canonicalMetadata(metadata: object): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
}

/** The event as sent: metadata fields JSON-encoded (the v2 append takes strings only). */
export function toEventData(event: PreparedEvent, chain?: ChainFields): JSONEventData {
  return {
    id: event.id,
    contentType: 'application/json',
    type: event.type,
    data: event.data,
    metadata: encodeMetadata({
      ...event.metadata,
      schemaVersion: event.schemaVersion,
      ...(chain && { [CHAIN_KEY]: chain }),
    }),
  };
}

export function encodeMetadata(metadata: object): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata).map(([key, value]) => [key, JSON.stringify(value)]),
  );
}

interface DecodedMetadata {
  schemaVersion: number;
  metadata: EventMetadata;
  chain?: ChainFields;
}

function decodeMetadata(raw: unknown): DecodedMetadata {
  const fields: Record<string, unknown> = {};
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !ArrayBuffer.isView(raw)) {
    for (const [key, value] of Object.entries(raw)) {
      if (key.startsWith('$')) continue; // properties the server adds (schema info)
      fields[key] = typeof value === 'string' ? parseOr(value) : value;
    }
  }
  const { schemaVersion, [CHAIN_KEY]: chain, ...metadata } = fields;
  return {
    // Events written by other tools carry no schemaVersion: they are read as version 1.
    schemaVersion:
      typeof schemaVersion === 'number' && Number.isInteger(schemaVersion) ? schemaVersion : 1,
    metadata: metadata as unknown as EventMetadata,
    ...(isChainFields(chain) && { chain }),
  };
}

function isChainFields(value: unknown): value is ChainFields {
  if (value === null || typeof value !== 'object') return false;
  const { sequence, hash, recordedAt, occurredAt } = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(sequence) &&
    typeof hash === 'string' &&
    typeof recordedAt === 'string' &&
    (occurredAt === undefined || typeof occurredAt === 'string')
  );
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function toEnvelope(event: StoredEvent): EventEnvelope {
  const { schemaVersion, metadata, chain } = decodeMetadata(event.metadata);
  return {
    id: event.id,
    type: event.type,
    schemaVersion,
    streamId: event.streamId,
    streamRevision: toSafeNumber(event.revision, 'stream revision'),
    position: positionOf(event),
    // The time the chain covers; events from before the chain keep the server's.
    recordedAt: chain?.recordedAt ?? event.created.toISOString(),
    occurredAt: chain?.occurredAt ?? chain?.recordedAt ?? event.created.toISOString(),
    data: event.data,
    metadata,
  };
}

/** The event as the chain covers it; an event without chain fields has no hash. */
export function toChainRecord(event: StoredEvent): ChainRecord {
  const { schemaVersion, metadata, chain } = decodeMetadata(event.metadata);
  return {
    position: positionOf(event),
    sequence: chain?.sequence ?? 0,
    id: event.id.toLowerCase(),
    type: event.type,
    schemaVersion,
    streamId: event.streamId,
    streamRevision: toSafeNumber(event.revision, 'stream revision'),
    recordedAt: chain?.recordedAt ?? event.created.toISOString(),
    ...(chain?.occurredAt !== undefined && { occurredAt: chain.occurredAt }),
    data: JSON.stringify(event.data) ?? 'null',
    metadata: canonicalMetadata(metadata),
    hash: chain?.hash ?? null,
  };
}
