import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DomainError, type Actor, type SlaTargetKind } from '@rapport/domain';
import type { AppConfig, Logger } from '@rapport/platform';
import {
  READ_STORE,
  serviceCasesProjection,
  type RangeCursor,
  type ReadStore,
  type ServiceCaseDocument,
} from '@rapport/read-models';
import type { CommandContext } from '../commands/command-context';
import { CommandExecutor } from '../commands/command-executor';
import { decideOnCase } from '../commands/definitions/decide-on-streams';
import { APP_CONFIG, CLOCK, LOGGER, type Clock } from '../infrastructure/tokens';
import { ReadModelCatalog } from '../read-side/read-model.catalog';

/** Who records SLA breaches: the system itself, recorded as such in the audit trail. */
export const SLA_PROCESSOR_ACTOR: Actor = {
  id: 'system:sla-deadlines',
  roles: ['service'],
  kind: 'service',
};

const PAGE = 200;

/** Refusals that mean "nothing (more) to record": met, recorded by another run, client erased. */
const NOTHING_TO_RECORD = new Set(['SLA_NOT_DUE', 'CUSTOMER_ERASED', 'CASE_NOT_FOUND']);

export interface SlaRunResult {
  /** Breaches this run appended. */
  recorded: number;
  /** Deadlines it looked at (due ones, including those recorded meanwhile by another run). */
  examined: number;
}

/**
 * The SLA deadline processor: records a missed target as CaseSlaBreached + CaseEscalated,
 * once per case, target and cycle.
 *
 * - **Where deadlines come from.** The service-cases read model keeps every running deadline
 *   in the indexed field `slaDueAt` (null once met, missed, while the case waits on the
 *   customer, or once it is resolved). A run reads the range `slaDueAt < now` a page at a
 *   time: its cost is the number of deadlines due, never the number of cases.
 * - **Checkpointed like a projector.** Its progress is the read model's, which the projector
 *   checkpoints with the log: a deadline leaves the range only when its breach (or the
 *   response, resolution or wait that stopped it) has been projected. A deadline that passed
 *   while no process ran is still in the range at the next start, and the first run (at
 *   bootstrap) records it.
 * - **Exactly once, with any number of processors.** The breach is a command on the case's
 *   stream, decided from the case's own events: it is refused (SLA_NOT_DUE) unless the target
 *   of that cycle is running and past due, and is appended with the stream revision it was
 *   decided at and a deterministic idempotency key `sla/<case>/<target>/<cycle>`. Two
 *   processors (API replicas, or a run that sees a stale read model) racing: one append wins,
 *   the other's conflicts, is decided again and refused, or is answered as a duplicate.
 * - **Now** comes from the injectable clock, so tests move time by hand.
 */
@Injectable()
export class SlaDeadlineProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly stop = new AbortController();
  private running?: Promise<void>;
  private resolveFirstRun!: () => void;
  /** Settles after the first run of this process (the catch-up of deadlines missed while down). */
  readonly firstRun = new Promise<void>((resolve) => (this.resolveFirstRun = resolve));

  constructor(
    private readonly executor: CommandExecutor,
    private readonly catalog: ReadModelCatalog,
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.loop();
  }

  async onModuleDestroy(): Promise<void> {
    this.stop.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { signal } = this.stop;
    while (!signal.aborted) {
      try {
        await this.runOnce(signal);
      } catch (error) {
        if (signal.aborted) break;
        this.logger.warn({ err: error }, 'SLA deadline run failed; retrying');
      } finally {
        this.resolveFirstRun();
      }
      await pause(this.config.slaCheckIntervalMs, signal);
    }
    this.resolveFirstRun();
  }

  /** Records every target missed by now (the clock's) that the read model shows running. */
  async runOnce(signal?: AbortSignal): Promise<SlaRunResult> {
    const now = this.clock().toISOString();
    const collection = await this.catalog.collection(serviceCasesProjection);
    const result: SlaRunResult = { recorded: 0, examined: 0 };
    let after: RangeCursor | undefined;
    while (!signal?.aborted) {
      const due = await this.store.findRange<ServiceCaseDocument>(collection, {
        orderBy: 'slaDueAt',
        // Every deadline at or before now: ISO times compare as text.
        to: `${now}\u0000`,
        limit: PAGE,
        ...(after && { after }),
      });
      for (const doc of due) {
        result.examined++;
        if (doc.slaDueTarget && (await this.record(doc, doc.slaDueTarget, now))) {
          result.recorded++;
        }
      }
      if (due.length < PAGE) break;
      const last = due[due.length - 1]!;
      after = { value: last.slaDueAt!, id: last.id };
    }
    return result;
  }

  /** Whether this call appended the breach (false: nothing due, or recorded already). */
  private async record(
    doc: ServiceCaseDocument,
    target: SlaTargetKind,
    now: string,
  ): Promise<boolean> {
    const key = `sla/${doc.caseId}/${target}/${doc.cycle}`;
    const context: CommandContext = {
      actor: SLA_PROCESSOR_ACTOR,
      now,
      receivedAt: now,
      correlationId: key,
      commandId: key,
      idempotent: true,
      fingerprint: key,
      source: 'sla-deadlines',
    };
    try {
      const result = await this.executor.execute('RecordSlaBreach', context, ({ load }) =>
        decideOnCase(load, {
          type: 'RecordSlaBreach',
          now,
          data: { caseId: doc.caseId, target, cycle: doc.cycle },
        }),
      );
      return !result.duplicate;
    } catch (error) {
      if (error instanceof DomainError && NOTHING_TO_RECORD.has(error.code)) return false;
      throw error;
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms).unref();
    signal.addEventListener('abort', done, { once: true });
  });
}
