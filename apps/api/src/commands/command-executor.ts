import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  type Decider,
  type DomainEvent,
  type EventEnvelope,
  type Sealed,
} from '@rapport/domain';
import {
  CommandIdReusedError,
  type AppendRequest,
  EVENT_STORE,
  newEvent,
  WrongExpectedRevisionError,
  type EventStore,
} from '@rapport/event-store';
import { GUARANTEES_OFF, LOGGER, type BenchmarkedGuarantee } from '../infrastructure/tokens';
import { ApiError, Metrics, type Logger } from '@rapport/platform';
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

/** One command of a batch (see CommandExecutor.executeBatch). */
export interface BatchCommand {
  name: string;
  context: CommandContext;
  decide: (tools: DecisionTools) => Promise<Decision>;
  createsKey?: boolean;
}

/** What became of one command of a batch: its answer, or why it was refused. */
export type BatchOutcome = { result: CommandResult } | { error: unknown };

/** A command of a batch that was decided and waits for the batch's append. */
interface Decided {
  index: number;
  command: BatchCommand;
  decision: Decision;
  sealing: SealingSession;
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

  /**
   * Many commands (an import) decided in order and appended together: each is decided as if
   * the ones before it were already appended (their events folded into the states it loads),
   * with the same rules as `execute` (idempotency, If-Match, sealing only once decided, effects
   * after the append), then the whole batch goes to the store in one `appendBatch` (one SQLite
   * transaction). A refused command is answered with its error and leaves the others alone.
   * If the append stops at a command (another writer moved a stream meanwhile), the commands
   * appended stay, that one runs through `execute` (fresh loads, retries), and the rest are
   * decided again.
   */
  async executeBatch(commands: readonly BatchCommand[]): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = new Array<BatchOutcome>(commands.length);
    let from = 0;
    while (from < commands.length) {
      const next = await this.batchFrom(commands, from, outcomes);
      from = next;
    }
    for (const [index, outcome] of outcomes.entries()) {
      const command = commands[index]!;
      const label =
        'error' in outcome
          ? outcome.error instanceof Error && 'code' in outcome.error
            ? 'rejected'
            : 'error'
          : outcome.result.duplicate
            ? 'duplicate'
            : 'ok';
      this.metrics.commands.inc({ command: command.name, outcome: label });
    }
    return outcomes;
  }

  /** Decides and appends commands[from..]; returns where to go on (the end when all went in). */
  private async batchFrom(
    commands: readonly BatchCommand[],
    from: number,
    outcomes: BatchOutcome[],
  ): Promise<number> {
    // A batch trusts the cached states without reading their tails: if another writer moved
    // a stream meanwhile, the append's expected revision says so and the command runs again.
    const overlay = new BatchOverlay(this.loadTrustingCache);
    const decided: Decided[] = [];
    const firstOfKey = new Map<string, number>();
    // The commands recorded before (a re-run after a crash), looked up at once. The append
    // checks again inside its transaction, so one recorded meanwhile is still answered once.
    const recorded = await this.eventStore.findCommands(
      commands
        .slice(from)
        .filter((command) => command.context.idempotent)
        .map((command) => command.context.commandId),
    );
    for (let index = from; index < commands.length; index++) {
      const command = commands[index]!;
      const { context } = command;
      try {
        if (context.idempotent) {
          const earlier = firstOfKey.get(context.commandId);
          const record = earlier === undefined && recorded.get(context.commandId);
          if (earlier !== undefined || record) {
            const fingerprint = record
              ? record.fingerprint
              : commands[earlier!]!.context.fingerprint;
            if (fingerprint !== undefined && fingerprint !== context.fingerprint) {
              throw new CommandIdReusedError(context.commandId);
            }
            // The same command twice in one batch: the second is answered after the append.
            if (record) outcomes[index] = { result: toCommandResult(record.events, true) };
            else
              decided.push({
                index,
                command,
                decision: SAME_AS_EARLIER,
                sealing: new SealingSession(),
              });
            continue;
          }
          firstOfKey.set(context.commandId, index);
        }
        const sealing = new SealingSession();
        const decision = await command.decide({
          load: overlay.load,
          seal: sealing.seal,
          destroyKey: this.destroyKey,
        });
        const { primary } = checkedDecision(context, decision);
        overlay.decided([primary, ...(decision.others ?? [])]);
        decided.push({ index, command, decision, sealing });
      } catch (error) {
        if (!isRefusal(error)) throw error;
        outcomes[index] = { error };
      }
    }
    // Sealing: one client's commands in order (the first may create the key the next use),
    // clients side by side (the key store creates a tick's new keys in one transaction).
    const sealedStreams = new Map<number, StreamDecision[]>();
    const chains = new Map<string, Promise<void>>();
    let keyGone: number | undefined;
    for (const item of decided) {
      if (item.decision === SAME_AS_EARLIER) continue;
      const previous = chains.get(item.decision.customerId) ?? Promise.resolve();
      chains.set(
        item.decision.customerId,
        previous.then(async () => {
          try {
            sealedStreams.set(
              item.index,
              await this.sealed(item.sealing, item.decision, {
                createsKey: item.command.createsKey ?? false,
              }),
            );
          } catch (error) {
            if (!(error instanceof KeyGoneMeanwhile)) throw error;
            keyGone = Math.min(keyGone ?? item.index, item.index);
          }
        }),
      );
    }
    await Promise.all(chains.values());
    // Appended: everything decided before a command whose client's key vanished meanwhile.
    const appendable = decided.filter(
      (item) =>
        item.decision !== SAME_AS_EARLIER && (keyGone === undefined || item.index < keyGone),
    );
    const { results, failed } = await this.eventStore.appendBatch(
      appendable.map((item) =>
        this.appendRequest(item.command.context, item.decision, sealedStreams.get(item.index)!),
      ),
    );
    const stoppedAt =
      failed !== undefined ? appendable[failed.index]!.index : (keyGone ?? commands.length);
    const resultOf = new Map<string, CommandResult>();
    results.forEach((appended, i) => {
      const item = appendable[i]!;
      const result = toCommandResult(appended.events, appended.duplicate);
      outcomes[item.index] = { result };
      resultOf.set(item.command.context.commandId, result);
    });
    for (const item of decided) {
      if (item.decision === SAME_AS_EARLIER && item.index < stoppedAt) {
        const first = resultOf.get(item.command.context.commandId);
        if (first) outcomes[item.index] = { result: { ...first, duplicate: true } };
      }
    }
    // What was appended is what the overlay folded up to the first command not appended.
    if (failed === undefined && keyGone === undefined) overlay.commitTo(this.aggregates);
    else for (const streamId of overlay.streams()) this.aggregates.delete(streamId);
    for (const item of appendable.slice(0, results.length))
      await this.runAfterAppend(item.decision);
    if (stoppedAt >= commands.length) return commands.length;
    // The command the batch stopped at runs on its own, as any command does (fresh loads,
    // concurrency retries); what follows it is decided again.
    const stopped = commands[stoppedAt]!;
    try {
      outcomes[stoppedAt] = {
        result: await this.run(stopped.context, stopped.decide, {
          createsKey: stopped.createsKey ?? false,
        }),
      };
    } catch (error) {
      if (!isRefusal(error) && !(error instanceof Error && /no data key/.test(error.message)))
        throw error;
      outcomes[stoppedAt] = { error };
    }
    return stoppedAt + 1;
  }

  /** The append of one decided command: its streams, expectations and envelopes. */
  private appendRequest(
    context: CommandContext,
    decision: Decision,
    streams: StreamDecision[],
  ): AppendRequest {
    return {
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
    };
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
      const { primary } = checkedDecision(context, decision);
      try {
        const streams = await this.sealed(sealing, decision, options);
        const timer = this.metrics.appendDuration.startTimer();
        const appended = await this.eventStore.append(
          this.appendRequest(context, decision, streams),
        );
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

  private readonly loadTrustingCache: Load = async (decider, streamId) => {
    const cached = this.aggregates.get(streamId);
    if (cached && cached.decider === decider) {
      const state = cached.state as ReturnType<typeof decider.initialState>;
      return { streamId, state, revision: cached.revision };
    }
    return this.load(decider, streamId);
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

/** Marks the repetition of a command earlier in the same batch (answered as a duplicate). */
const SAME_AS_EARLIER: Decision = {
  customerId: '',
  primary: { streamId: '', revision: -1, events: [] },
};

/** A refusal of the command (answered to its sender), not a failure of the system. */
function isRefusal(error: unknown): boolean {
  return (
    error instanceof DomainError ||
    error instanceof ApiError ||
    error instanceof CommandIdReusedError ||
    error instanceof WrongExpectedRevisionError
  );
}

type CacheEntry = { decider: unknown; state: unknown; revision: number };

/**
 * The states a batch's commands decide on: what the store holds plus the events decided
 * earlier in the batch and not appended yet.
 */
class BatchOverlay {
  private readonly entries = new Map<string, CacheEntry & { pending: DomainEvent[] }>();

  constructor(private readonly base: Load) {}

  readonly load: Load = async (decider, streamId) => {
    const entry = this.entries.get(streamId);
    if (entry && entry.decider === decider) {
      return {
        streamId,
        state: entry.state as ReturnType<typeof decider.initialState>,
        revision: entry.revision,
      };
    }
    // First use in the batch, or with another decider: the store's state, then the pending.
    const loaded = await this.base(decider, streamId);
    const pending = entry?.pending ?? [];
    let state = loaded.state;
    for (const event of pending) state = decider.evolve(state, event as never);
    const revision = loaded.revision + pending.length;
    this.entries.set(streamId, { decider, state, revision, pending });
    return { streamId, state, revision };
  };

  /** Folds a decided command's events into the states the next commands load. */
  decided(streams: readonly StreamDecision[]): void {
    for (const { streamId, events } of streams) {
      if (events.length === 0) continue;
      const entry = this.entries.get(streamId);
      if (!entry) throw new Error(`a decision appends to ${streamId}, which it did not load`);
      const decider = entry.decider as Decider<unknown, DomainEvent, unknown>;
      let state = entry.state;
      for (const event of events) state = decider.evolve(state, event);
      entry.state = state;
      entry.revision += events.length;
      entry.pending.push(...events);
    }
  }

  streams(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** Once appended: the states are the store's, and the executor's cache keeps them. */
  commitTo(cache: Map<string, CacheEntry>): void {
    for (const [streamId, { decider, state, revision }] of this.entries) {
      cache.delete(streamId);
      cache.set(streamId, { decider, state, revision });
    }
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

/**
 * A decision the executor may append: its record at the revision the caller's If-Match states
 * (else 409), and at least one event on it (a definition that records nothing is a bug).
 */
function checkedDecision(context: CommandContext, decision: Decision): Decision {
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
  return decision;
}
