import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  CHAIN_START,
  checkpointClaims,
  EVENT_STORE,
  readCheckpoints,
  sealCheckpoint,
  verifyChainOf,
  WrongExpectedRevisionError,
  type ChainHead,
  type ChainProblem,
  type EventStore,
  type SealedCheckpoint,
} from '@rapport/event-store';
import { collectGarbage, type AppConfig, type Logger } from '@rapport/platform';
import { APP_CONFIG, CLOCK, DATA_DIR, LOGGER, type Clock } from '../infrastructure/tokens';

/** The monitor's checkpoint: how far the chain was verified, and what was found. */
export interface IntegrityVerification {
  verifiedThrough: ChainHead;
  /** When the last verification run ended; null before the first one. */
  at: string | null;
  problem: ChainProblem | null;
}

const STATE_FILE = 'integrity-verification.json';
/** A verification run over at least this many events is followed by a garbage collection. */
const COLLECT_AFTER_EVENTS = 50_000;

/**
 * Watches the log's hash chain from inside the API, in the background:
 * - verifies new events incrementally from the head it verified last (kept in the data dir,
 *   so a restart goes on instead of rehashing the whole log), checking the checkpoints sealed
 *   in the log on the way; once it finds a problem it keeps reporting it;
 * - seals an AuditCheckpointSealed (head position and hash) after CRM_AUDIT_SEAL_EVERY_EVENTS
 *   events or CRM_AUDIT_SEAL_EVERY_MINUTES minutes with new events (0 turns either off). One sealing at a time:
 *   this process never runs two, and the seal expects the checkpoint stream's revision, so of
 *   several API instances only one seals a given head.
 * `rapport verify --integrity` re-verifies the whole log from the start.
 */
@Injectable()
export class IntegrityMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private verification: IntegrityVerification = {
    verifiedThrough: CHAIN_START,
    at: null,
    problem: null,
  };
  private lastCheckpoint: SealedCheckpoint | undefined;
  /** Revision of the checkpoint stream as last read (-1: none yet). */
  private checkpointRevision = -1;
  /** Checkpoints read but not verified yet (their position beyond verifiedThrough). */
  private pendingCheckpoints: SealedCheckpoint[] = [];
  private readonly startedAt: Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DATA_DIR) private readonly dataDir: string,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.startedAt = clock();
  }

  onApplicationBootstrap(): void {
    this.verification = this.loadState() ?? this.verification;
    this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** What GET /audit/integrity reports: no hashing here, only the monitor's state. */
  async status() {
    return {
      head: await this.eventStore.chainHead(),
      lastCheckpoint: this.lastCheckpoint ?? null,
      verification: {
        status: this.verification.problem
          ? 'broken'
          : this.verification.at === null
            ? 'pending'
            : 'intact',
        ...this.verification,
      },
      sealing: {
        everyEvents: this.config.auditSealEveryEvents,
        everyMinutes: this.config.auditSealEveryMinutes,
      },
    };
  }

  /** One run: read new checkpoints, verify new events, seal if due. */
  async runOnce(): Promise<void> {
    await this.readNewCheckpoints();
    await this.verifyNewEvents();
    await this.sealIfDue();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'integrity monitor: run failed, retrying later'),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(this.config.auditVerifyIntervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  private async readNewCheckpoints(): Promise<void> {
    const { checkpoints, revision } = await readCheckpoints(
      this.eventStore,
      this.checkpointRevision + 1,
    );
    this.checkpointRevision = Math.max(this.checkpointRevision, revision);
    this.pendingCheckpoints.push(...checkpoints);
    this.lastCheckpoint = checkpoints[checkpoints.length - 1] ?? this.lastCheckpoint;
  }

  private async verifyNewEvents(): Promise<void> {
    if (this.verification.problem) return;
    const from = this.verification.verifiedThrough;
    // A checkpoint of the head verified last is checked here; older ones were checked when
    // the walk passed them, or are left to rapport verify --integrity (a full walk).
    const atHead = this.pendingCheckpoints.find(
      (c) => c.position === from.position && c.hash !== from.hash,
    );
    if (atHead) {
      this.verification = {
        ...this.verification,
        at: this.clock().toISOString(),
        problem: {
          position: from.position,
          kind: 'checkpoint-mismatch',
          message: `the chain at position ${from.position} is not what the checkpoint sealed at position ${atHead.eventPosition} says`,
        },
      };
      this.saveState();
      return;
    }
    const pending = this.pendingCheckpoints.filter((c) => c.position > from.position);
    const result = await verifyChainOf(this.eventStore, {
      from,
      claims: checkpointClaims(pending),
      end: false,
    });
    this.pendingCheckpoints = pending.filter((c) => c.position > result.head.position);
    // A long run (the whole log, on a first start beside an existing one) leaves its pages as
    // garbage that V8 keeps for a long while: at 200,000 events ~200 MiB of the API's RSS.
    if (result.checked >= COLLECT_AFTER_EVENTS) collectGarbage();
    this.verification = {
      verifiedThrough: result.head,
      at: this.clock().toISOString(),
      problem: result.problem ?? null,
    };
    if (result.problem) {
      this.logger.error(
        { problem: result.problem },
        `the event log's hash chain is broken at position ${result.problem.position}`,
      );
    }
    this.saveState();
  }

  private async sealIfDue(): Promise<void> {
    const head = await this.eventStore.chainHead();
    const last = this.lastCheckpoint;
    // Nothing but the last seal itself since it was sealed: nothing to seal.
    if (head.position <= (last?.eventPosition ?? 0)) return;
    const { auditSealEveryEvents: everyEvents, auditSealEveryMinutes: everyMinutes } = this.config;
    const events = head.sequence - (last?.sequence ?? 0);
    const since = last ? new Date(last.sealedAt) : this.startedAt;
    const minutes = (this.clock().getTime() - since.getTime()) / 60_000;
    const due =
      (everyEvents > 0 && events >= everyEvents) || (everyMinutes > 0 && minutes >= everyMinutes);
    if (!due) return;
    try {
      const sealed = await sealCheckpoint(this.eventStore, {
        expectedRevision: this.checkpointRevision,
        previousPosition: last?.eventPosition ?? 0,
        at: this.clock(),
        actor: { id: 'rapport-api', roles: ['service'], kind: 'service' },
        source: 'api:integrity',
      });
      this.checkpointRevision += 1;
      this.lastCheckpoint = sealed;
      this.pendingCheckpoints.push(sealed);
    } catch (error) {
      // Another instance sealed first: its checkpoint is read on the next run.
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
    }
  }

  private loadState(): IntegrityVerification | undefined {
    const file = join(this.dataDir, STATE_FILE);
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as IntegrityVerification;
    } catch {
      this.logger.warn({ file }, 'integrity monitor: unreadable state, verifying from the start');
      return undefined;
    }
  }

  private saveState(): void {
    const file = join(this.dataDir, STATE_FILE);
    writeFileSync(`${file}.tmp`, JSON.stringify(this.verification) + '\n');
    renameSync(`${file}.tmp`, file);
  }
}
