import type { EventEnvelope } from '@rapport/domain';
import {
  appendOneByOne,
  checkExpectedRevision,
  duplicateResult,
  lastPosition,
  serialize,
  validateAppendRequest,
} from '../append-rules';
import { AppendSignal, catchUp } from '../catch-up';
import { InvalidAppendError } from '../event-store.errors';
import { CHAIN_START, chainHash, type ChainHead, type ChainRecord } from '../hash-chain';
import type {
  AppendRequest,
  AppendResult,
  BatchAppendResult,
  CommandRecord,
  EventStore,
  ReadAllOptions,
  ReadCustomerOptions,
  ReadStreamOptions,
  StreamRead,
  SubscribeOptions,
} from '../event-store.port';

/** For tests and tools: the same guarantees as the durable stores, except durability. */
export class InMemoryEventStore implements EventStore {
  private readonly log: EventEnvelope[] = [];
  /** The chain record of log[i]: the stored JSON text and the hash. */
  private readonly chain: ChainRecord[] = [];
  private readonly streams = new Map<string, EventEnvelope[]>();
  /** Each client's events in position order: the index readCustomer reads. */
  private readonly byCustomer = new Map<string, EventEnvelope[]>();
  private readonly commands = new Map<string, CommandRecord>();
  private readonly eventIds = new Set<string>();
  private readonly appended = new AppendSignal();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** One by one (see EventStore.appendBatch). */
  appendBatch(requests: readonly AppendRequest[]): Promise<BatchAppendResult> {
    return appendOneByOne((request) => this.append(request), requests);
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    validateAppendRequest(request);
    // Yield once so that "concurrent" appends interleave as they would against a server.
    await Promise.resolve();
    if (request.commandId !== undefined) {
      const record = this.commands.get(request.commandId);
      if (record) return duplicateResult(request, record);
    }
    for (const stream of request.streams) {
      checkExpectedRevision(
        stream.streamId,
        stream.expectedRevision,
        this.revisionOf(stream.streamId),
      );
    }
    // Build everything first: a failure leaves the log untouched.
    const recordedAt = this.clock().toISOString();
    const pending: EventEnvelope[] = [];
    const links: ChainRecord[] = [];
    const ids = new Set<string>();
    let position = this.log.length;
    let previousHash = this.chain[this.chain.length - 1]?.hash ?? CHAIN_START.hash;
    for (const stream of request.streams) {
      let revision = this.revisionOf(stream.streamId);
      for (const event of stream.events) {
        if (this.eventIds.has(event.id) || ids.has(event.id)) {
          throw new InvalidAppendError(`event id ${event.id} is already in the store`);
        }
        ids.add(event.id);
        const data = serialize(event.data, `data of ${event.type}`);
        const metadata = serialize(event.metadata, `metadata of ${event.type}`);
        const envelope: EventEnvelope = {
          id: event.id,
          type: event.type,
          schemaVersion: event.schemaVersion,
          streamId: stream.streamId,
          streamRevision: ++revision,
          position: ++position,
          recordedAt,
          occurredAt: event.occurredAt ?? recordedAt,
          data: JSON.parse(data),
          metadata: JSON.parse(metadata),
        };
        const content = { ...envelope, sequence: envelope.position, data, metadata };
        previousHash = chainHash(content, previousHash);
        links.push({ ...content, hash: previousHash });
        pending.push(envelope);
      }
    }
    this.chain.push(...links);
    for (const event of pending) {
      this.log.push(event);
      this.eventIds.add(event.id);
      const stream = this.streams.get(event.streamId) ?? [];
      stream.push(event);
      this.streams.set(event.streamId, stream);
      const customerId = event.metadata.customerId;
      if (customerId) {
        const events = this.byCustomer.get(customerId) ?? [];
        events.push(event);
        this.byCustomer.set(customerId, events);
      }
    }
    if (request.commandId !== undefined) {
      this.commands.set(request.commandId, {
        commandId: request.commandId,
        ...(request.fingerprint !== undefined && { fingerprint: request.fingerprint }),
        events: pending,
      });
    }
    this.appended.notify();
    const revisions: Record<string, number> = {};
    for (const stream of request.streams)
      revisions[stream.streamId] = this.revisionOf(stream.streamId);
    return { events: pending, revisions, position: lastPosition(pending), duplicate: false };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StreamRead> {
    const stream = this.streams.get(streamId) ?? [];
    const from = options.fromRevision ?? 0;
    const selected = stream.slice(
      from,
      options.maxCount === undefined ? undefined : from + options.maxCount,
    );
    return { events: selected, revision: stream.length - 1 };
  }

  async readAll({ after, limit }: ReadAllOptions): Promise<EventEnvelope[]> {
    return this.log.slice(Math.max(0, after), Math.max(0, after) + limit);
  }

  async readCustomer({ customerId, after, limit }: ReadCustomerOptions): Promise<EventEnvelope[]> {
    const events = this.byCustomer.get(customerId) ?? [];
    // Binary search for the first event after `after`.
    let low = 0;
    let high = events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (events[middle]!.position <= after) low = middle + 1;
      else high = middle;
    }
    return events.slice(low, low + Math.max(0, limit));
  }

  subscribe(options: SubscribeOptions): AsyncIterable<EventEnvelope[]> {
    return catchUp(
      {
        readAll: (o) => this.readAll(o),
        waitForAppend: async (position, signal) => {
          if (this.log.length > position) return;
          await this.appended.wait(signal);
        },
      },
      options,
    );
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    return this.commands.get(commandId);
  }

  async findCommands(commandIds: readonly string[]): Promise<Map<string, CommandRecord>> {
    const records = new Map<string, CommandRecord>();
    for (const commandId of commandIds) {
      const record = this.commands.get(commandId);
      if (record) records.set(commandId, record);
    }
    return records;
  }

  async readChain({ after, limit }: ReadAllOptions): Promise<ChainRecord[]> {
    // Copies: a caller changing a record must not change the log.
    return this.chain
      .slice(Math.max(0, after), Math.max(0, after) + limit)
      .map((record) => ({ ...record }));
  }

  async chainHead(): Promise<ChainHead> {
    const last = this.chain[this.chain.length - 1];
    return last
      ? { position: last.position, sequence: last.sequence, hash: last.hash! }
      : CHAIN_START;
  }

  async headPosition(): Promise<number> {
    return this.log.length;
  }

  async close(): Promise<void> {
    this.appended.notify();
  }

  private revisionOf(streamId: string): number {
    return (this.streams.get(streamId)?.length ?? 0) - 1;
  }
}
