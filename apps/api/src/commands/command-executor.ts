import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Decider, DomainEvent, EventEnvelope } from '@rapport/domain';
import {
  CommandIdReusedError,
  EVENT_STORE,
  WrongExpectedRevisionError,
  type EventStore,
  type NewEvent,
} from '@rapport/event-store';
import { Metrics } from '@rapport/platform';
import type { CommandContext } from './command-context';
import { toCommandResult, type CommandResult } from './command-result';

/** An aggregate as loaded: its state and the revision the append will expect. */
export interface Loaded<State> {
  streamId: string;
  state: State;
  revision: number;
}

export interface StreamDecision {
  streamId: string;
  /** The revision the stream was loaded at: the append's expectation. */
  revision: number;
  /** May be empty: the stream is then a condition (e.g. "the client was not erased meanwhile"). */
  events: DomainEvent[];
}

export interface Decision {
  /** The client the events are about (envelope metadata, Kafka key). */
  customerId: string;
  /** The record the command addresses: If-Match applies to it, its revision is answered. */
  primary: StreamDecision;
  others?: StreamDecision[];
}

export type Load = <C, E, S>(decider: Decider<C, E, S>, streamId: string) => Promise<Loaded<S>>;

/** Streams whose folded state is kept between commands (least recently used ones go first). */
const AGGREGATE_CACHE_SIZE = 50_000;

/** A concurrent change to a stream we did not pin with If-Match is retried from a fresh load. */
const MAX_ATTEMPTS = 5;

/**
 * The write path of every command: load → decide → append, with idempotency, If-Match and
 * optimistic-concurrency retries handled once, here.
 */
@Injectable()
export class CommandExecutor {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly metrics: Metrics,
  ) {}

  async execute(
    name: string,
    context: CommandContext,
    decide: (load: Load) => Promise<Decision>,
  ): Promise<CommandResult> {
    const stopTimer = this.metrics.commandDuration.startTimer({ command: name });
    try {
      const result = await this.run(context, decide);
      this.metrics.commands.inc({ command: name, outcome: result.duplicate ? 'duplicate' : 'ok' });
      return result;
    } catch (error) {
      const outcome = error instanceof Error && 'code' in error ? 'rejected' : 'error';
      this.metrics.commands.inc({ command: name, outcome });
      throw error;
    } finally {
      stopTimer();
    }
  }

  private async run(
    context: CommandContext,
    decide: (load: Load) => Promise<Decision>,
  ): Promise<CommandResult> {
    if (context.idempotent) {
      const record = await this.eventStore.findCommand(context.commandId);
      if (record) {
        if (record.fingerprint !== undefined && record.fingerprint !== context.fingerprint) {
          throw new CommandIdReusedError(context.commandId);
        }
        return toCommandResult(record.events, true);
      }
    }
    for (let attempt = 1; ; attempt++) {
      const decision = await decide(this.load);
      const { primary } = decision;
      if (context.expectedRevision !== undefined && context.expectedRevision !== primary.revision) {
        throw new WrongExpectedRevisionError(
          primary.streamId,
          context.expectedRevision,
          primary.revision,
        );
      }
      if (primary.events.length === 0) {
        throw new Error(`a command must record at least one event on ${primary.streamId}`);
      }
      try {
        const timer = this.metrics.appendDuration.startTimer();
        const appended = await this.eventStore.append({
          commandId: context.commandId,
          fingerprint: context.fingerprint,
          streams: [primary, ...(decision.others ?? [])].map((stream) => ({
            streamId: stream.streamId,
            expectedRevision: stream.revision === -1 ? 'no-stream' : stream.revision,
            events: stream.events.map((event) =>
              this.toNewEvent(event, decision.customerId, context),
            ),
          })),
        });
        timer();
        if (!appended.duplicate) {
          for (const stream of [primary, ...(decision.others ?? [])]) this.remember(stream);
        }
        return toCommandResult(appended.events, appended.duplicate);
      } catch (error) {
        const retry =
          error instanceof WrongExpectedRevisionError &&
          attempt < MAX_ATTEMPTS &&
          !(context.expectedRevision !== undefined && error.streamId === primary.streamId);
        if (!retry) throw error;
      }
    }
  }

  /**
   * Folded aggregates by stream, so a command reads only the events appended since (usually
   * none) instead of the whole stream: long-lived clients would otherwise make every command
   * slower. Always checked against the store (the tail is read), so another writer's appends
   * are never missed; deciders are pure, so a cached state is never mutated.
   */
  private readonly aggregates = new Map<
    string,
    { decider: unknown; state: unknown; revision: number }
  >();

  private readonly load: Load = async (decider, streamId) => {
    const cached = this.aggregates.get(streamId);
    const base = cached && cached.decider === decider ? cached : undefined;
    const fromRevision = base ? base.revision + 1 : 0;
    const { events, revision } = await this.eventStore.readStream(streamId, { fromRevision });
    let state = (base ? base.state : decider.initialState()) as ReturnType<
      typeof decider.initialState
    >;
    for (const envelope of events) state = decider.evolve(state, asDomainEvent(envelope));
    if (revision < fromRevision - 1) {
      // The stream is shorter than what we cached (a restored store): fold it from scratch.
      this.aggregates.delete(streamId);
      return this.load(decider, streamId);
    }
    this.aggregates.delete(streamId);
    this.aggregates.set(streamId, { decider, state, revision });
    if (this.aggregates.size > AGGREGATE_CACHE_SIZE) {
      this.aggregates.delete(this.aggregates.keys().next().value as string);
    }
    return { streamId, state, revision };
  };

  /**
   * Folds what a command just appended into the cached aggregate, so the next command on the
   * stream finds an empty tail. Only when the cache held exactly the revision the append
   * expected; otherwise the next load folds the tail from the store as usual.
   */
  private remember({ streamId, revision, events }: StreamDecision): void {
    const cached = this.aggregates.get(streamId);
    if (!cached || cached.revision !== revision || events.length === 0) return;
    const decider = cached.decider as Decider<unknown, DomainEvent, unknown>;
    let state = cached.state;
    for (const event of events) state = decider.evolve(state, event);
    this.aggregates.set(streamId, { decider, state, revision: revision + events.length });
  }

  private toNewEvent(event: DomainEvent, customerId: string, context: CommandContext): NewEvent {
    return {
      id: randomUUID(),
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data,
      metadata: {
        customerId,
        actor: context.actor,
        correlationId: context.correlationId,
        causationId: context.commandId,
        commandId: context.commandId,
        source: context.source,
      },
    };
  }
}

/** A stored envelope seen as the domain event it carries. */
function asDomainEvent<E>(envelope: EventEnvelope): E {
  return { type: envelope.type, schemaVersion: envelope.schemaVersion, data: envelope.data } as E;
}

/** Pairs a loaded aggregate with the events decided for it. */
export function decided<S>(loaded: Loaded<S>, events: DomainEvent[]): StreamDecision {
  return { streamId: loaded.streamId, revision: loaded.revision, events };
}
