import { Inject, Injectable } from '@nestjs/common';
import type { Decider, DomainEvent, EventEnvelope, Sealed } from '@rapport/domain';
import {
  CommandIdReusedError,
  EVENT_STORE,
  newEvent,
  WrongExpectedRevisionError,
  type EventStore,
} from '@rapport/event-store';
import { GUARANTEES_OFF, LOGGER, type BenchmarkedGuarantee } from '../infrastructure/tokens';
import { Metrics, type Logger } from '@rapport/platform';
import { PersonalDataCipher, SealingSession, type Seal } from '@rapport/privacy';
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
  /** The client the events are about (envelope metadata, Kafka key, whose key seals them). */
  customerId: string;
  /** The record the command addresses: If-Match applies to it, its revision is answered. */
  primary: StreamDecision;
  others?: StreamDecision[];
  /**
   * An effect that may only happen once the events are durably appended (erasure destroys
   * the client's key). Not run for a replayed idempotent answer. If the process dies before
   * it ran, a log consumer completes it (see ErasureCompleter).
   */
  afterAppend?: () => Promise<void>;
}

export type Load = <C, E, S>(decider: Decider<C, E, S>, streamId: string) => Promise<Loaded<S>>;

/** What a command definition gets to reach its decision: pure apart from these. */
export interface DecisionTools {
  load: Load;
  /** Personal text for the decision: encrypted only once the decision holds. */
  seal: Seal;
  /** An effect for Decision.afterAppend: crypto-shredding of the client's personal data. */
  destroyKey: (customerId: string) => () => Promise<void>;
}

export interface ExecuteOptions {
  /** Whether sealing may create the client's key (only a client's creation may). */
  createsKey?: boolean;
}

/** Streams whose folded state is kept between commands (least recently used ones go first). */
const AGGREGATE_CACHE_SIZE = 50_000;

/**
 * A concurrent change to a stream we did not pin with If-Match, or a client erased between
 * our decision and our sealing, is retried from a fresh load.
 */
const MAX_ATTEMPTS = 5;

/** The client's key vanished between the decision and the sealing: decide again. */
class KeyGoneMeanwhile extends Error {}

/**
 * The write path of every command: load → decide → check If-Match → seal → append → effects,
 * with idempotency and optimistic-concurrency retries handled once, here. Nothing with an
 * effect happens before the decision holds: sealing creates no key for a refused command,
 * and an erasure's key is destroyed only after its event is durably appended.
 */
@Injectable()
export class CommandExecutor {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly metrics: Metrics,
    private readonly cipher: PersonalDataCipher,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(GUARANTEES_OFF) private readonly off: ReadonlySet<BenchmarkedGuarantee>,
  ) {}

  async execute(
    name: string,
    context: CommandContext,
    decide: (tools: DecisionTools) => Promise<Decision>,
    options: ExecuteOptions = {},
  ): Promise<CommandResult> {
    const stopTimer = this.metrics.commandDuration.startTimer({ command: name });
    try {
      const result = await this.run(context, decide, options);
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
    decide: (tools: DecisionTools) => Promise<Decision>,
    options: ExecuteOptions,
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
      const sealing = new SealingSession();
      const decision = await decide({
        load: this.load,
        // Only the HTTP benchmark stores personal text unsealed (see GUARANTEES_OFF).
        seal: this.off.has('sealing') ? (text) => text as Sealed : sealing.seal,
        destroyKey: this.destroyKey,
      });
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
        const streams = await this.sealed(sealing, decision, options);
        const timer = this.metrics.appendDuration.startTimer();
        const appended = await this.eventStore.append({
          commandId: context.commandId,
          fingerprint: context.fingerprint,
          streams: streams.map((stream) => ({
            streamId: stream.streamId,
            expectedRevision: stream.revision === -1 ? 'no-stream' : stream.revision,
            events: stream.events.map((event) =>
              // The decision time is the events' business time (occurredAt).
              newEvent(event, {
                ...context,
                customerId: decision.customerId,
                occurredAt: context.now,
              }),
            ),
          })),
        });
        timer();
        if (!appended.duplicate) {
          for (const stream of streams) this.remember(stream);
          await this.runAfterAppend(decision);
        }
        return toCommandResult(appended.events, appended.duplicate);
      } catch (error) {
        const retry =
          attempt < MAX_ATTEMPTS &&
          (error instanceof KeyGoneMeanwhile ||
            (error instanceof WrongExpectedRevisionError &&
              !(context.expectedRevision !== undefined && error.streamId === primary.streamId)));
        if (!retry) {
          if (error instanceof KeyGoneMeanwhile) {
            throw new Error(
              `customer ${decision.customerId} has no data key although the log says they were not erased`,
            );
          }
          throw error;
        }
      }
    }
  }

  /** The decision's streams with their personal data sealed: the first effect, run only now. */
  private async sealed(
    sealing: SealingSession,
    decision: Decision,
    options: ExecuteOptions,
  ): Promise<StreamDecision[]> {
    const streams = [decision.primary, ...(decision.others ?? [])];
    if (sealing.isEmpty) return streams;
    const all = streams.flatMap((stream) => stream.events);
    const settled = await sealing.settle(
      this.cipher,
      decision.customerId,
      all,
      options.createsKey ?? false,
    );
    if (!settled) throw new KeyGoneMeanwhile();
    let next = 0;
    return streams.map((stream) => ({
      ...stream,
      events: stream.events.map(() => settled[next++]!),
    }));
  }

  /**
   * The append is durable and acknowledged whatever happens here: a failed effect is logged
   * and completed by its log consumer (the same effect, idempotent, from the event).
   */
  private async runAfterAppend(decision: Decision): Promise<void> {
    if (!decision.afterAppend) return;
    try {
      await decision.afterAppend();
    } catch (error) {
      this.logger.warn(
        { err: error, customerId: decision.customerId },
        'an effect after a durable append failed; its log consumer will complete it',
      );
    }
  }

  private readonly destroyKey = (customerId: string) => async () => {
    await this.cipher.forget(customerId);
  };

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
}

/** A stored envelope seen as the domain event it carries. */
function asDomainEvent<E>(envelope: EventEnvelope): E {
  return { type: envelope.type, schemaVersion: envelope.schemaVersion, data: envelope.data } as E;
}

/** Pairs a loaded aggregate with the events decided for it. */
export function decided<S>(loaded: Loaded<S>, events: DomainEvent[]): StreamDecision {
  return { streamId: loaded.streamId, revision: loaded.revision, events };
}
