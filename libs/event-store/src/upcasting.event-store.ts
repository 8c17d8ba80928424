import type { EventEnvelope } from '@rapport/domain';
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
} from './event-store.port';
import type { ChainHead, ChainRecord } from './hash-chain';

export type Upcast = (event: EventEnvelope) => EventEnvelope;

/**
 * Every read through this store presents old stored shapes in the current one, so deciders,
 * projections and the audit see one schema per event type. Writes go through unchanged.
 */
export class UpcastingEventStore implements EventStore {
  constructor(
    readonly inner: EventStore,
    private readonly upcast: Upcast,
  ) {}

  append(request: AppendRequest): Promise<AppendResult> {
    return this.inner
      .append(request)
      .then((result) => ({ ...result, events: result.events.map(this.upcast) }));
  }

  async appendBatch(requests: readonly AppendRequest[]): Promise<BatchAppendResult> {
    const batch = await this.inner.appendBatch(requests);
    return {
      ...batch,
      results: batch.results.map((result) => ({
        ...result,
        events: result.events.map(this.upcast),
      })),
    };
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<StreamRead> {
    const read = await this.inner.readStream(streamId, options);
    return { ...read, events: read.events.map(this.upcast) };
  }

  async readAll(options: ReadAllOptions): Promise<EventEnvelope[]> {
    return (await this.inner.readAll(options)).map(this.upcast);
  }

  async readCustomer(options: ReadCustomerOptions): Promise<EventEnvelope[]> {
    return (await this.inner.readCustomer(options)).map(this.upcast);
  }

  async *subscribe(options: SubscribeOptions): AsyncIterable<EventEnvelope[]> {
    for await (const batch of this.inner.subscribe(options)) yield batch.map(this.upcast);
  }

  async findCommand(commandId: string): Promise<CommandRecord | undefined> {
    const record = await this.inner.findCommand(commandId);
    return record && { ...record, events: record.events.map(this.upcast) };
  }

  async findCommands(commandIds: readonly string[]): Promise<Map<string, CommandRecord>> {
    const records = await this.inner.findCommands(commandIds);
    for (const [commandId, record] of records)
      records.set(commandId, { ...record, events: record.events.map(this.upcast) });
    return records;
  }

  /** As stored, not upcast: the chain proves what was written. */
  readChain(options: ReadAllOptions): Promise<ChainRecord[]> {
    return this.inner.readChain(options);
  }

  chainHead(): Promise<ChainHead> {
    return this.inner.chainHead();
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
