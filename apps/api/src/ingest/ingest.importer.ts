import { DomainError } from '@rapport/domain';
import {
  CommandIdReusedError,
  WrongExpectedRevisionError,
  type EventStore,
} from '@rapport/event-store';
import { ApiError, Metrics, type AppConfig, type Logger } from '@rapport/platform';
import type { PersonalDataCipher } from '@rapport/privacy';
import { AuditRecorder } from '../audit/audit-recorder';
import { CommandDispatcher } from '../commands/command-dispatcher';
import { CommandExecutor, type BatchCommand } from '../commands/command-executor';
import { IngestService, type PreparedCommand } from './ingest.service';

/** One line of an import file: its number (1-based) and its text. */
export interface ImportLine {
  line: number;
  text: string;
}

/** A line refused, as the rejects file records it. */
export interface ImportReject {
  line: number;
  code: string;
  reason: string;
  details?: unknown;
  /** The line as read. */
  message: string;
}

/**
 * What a line's command answered beyond its ids, as POST /ingest answers it: for the commands
 * whose definition adds fields (AddCampaignMembers: `added`, `skipped` with the reason).
 */
export interface ImportAnswer {
  line: number;
  command: string;
  answer: Record<string, unknown>;
}

export interface ImportBatchOutcome {
  /** Commands appended now. */
  appended: number;
  /** Commands recorded before (a re-run after a crash): nothing appended for them. */
  duplicates: number;
  /** Events appended now. */
  events: number;
  rejects: ImportReject[];
  /** Lines appended (or recorded before) whose command answers more than its ids. */
  answers: ImportAnswer[];
}

/**
 * An import of an older system's history: lines in the ingest message format (one command per
 * line, see libs/contracts IngestMessage), each checked as POST /ingest checks it (format,
 * permission, body, business time), then decided and appended a batch at a time through the
 * command executor's batch path (one store transaction per batch). Idempotent by each line's
 * idempotencyKey: a re-run after a crash appends nothing twice and goes on where it stopped.
 */
export class IngestImporter {
  constructor(
    private readonly ingest: IngestService,
    private readonly executor: CommandExecutor,
    private readonly dispatcher: CommandDispatcher,
  ) {}

  async importBatch(lines: readonly ImportLine[]): Promise<ImportBatchOutcome> {
    const rejects: ImportReject[] = [];
    const commands: BatchCommand[] = [];
    const lineOf: ImportLine[] = [];
    const preparedOf: PreparedCommand[] = [];
    for (const line of lines) {
      try {
        const message = await this.ingest.parse(parseJson(line.text));
        const { definition, input } = await this.ingest.prepare(message, undefined, undefined);
        commands.push({
          name: definition.name,
          context: input.context,
          decide: (tools) => this.dispatcher.decide(definition, input, tools),
          createsKey: definition.createsKey ?? false,
        });
        lineOf.push(line);
        preparedOf.push({ definition, input });
      } catch (error) {
        rejects.push(rejectOf(line, error));
      }
    }
    const outcomes = await this.executor.executeBatch(commands);
    let appended = 0;
    let duplicates = 0;
    let events = 0;
    const answers: ImportAnswer[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      if ('error' in outcome) {
        rejects.push(rejectOf(lineOf[i]!, outcome.error));
        continue;
      }
      if (outcome.result.duplicate) {
        duplicates++;
      } else {
        appended++;
        events += outcome.result.events.length;
      }
      // The definition's own answer (one definition per command), read after the append.
      const { definition, input } = preparedOf[i]!;
      const answer = await this.dispatcher.answerFields(definition, input, outcome.result);
      if (Object.keys(answer).length > 0) {
        answers.push({ line: lineOf[i]!.line, command: definition.name, answer });
      }
    }
    rejects.sort((a, b) => a.line - b.line);
    return { appended, duplicates, events, rejects, answers };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError(400, 'INVALID_JSON', `the line is not JSON: ${(error as Error).message}`);
  }
}

/** Why a line was refused, as its sender would have been told (POST /ingest's answer). */
function rejectOf(line: ImportLine, error: unknown): ImportReject {
  const base = { line: line.line, message: line.text };
  if (error instanceof ApiError && error.statusCode < 500) {
    return {
      ...base,
      code: error.code,
      reason: error.message,
      ...(error.details !== undefined && { details: error.details }),
    };
  }
  if (error instanceof DomainError) {
    return { ...base, code: error.code, reason: error.message, details: error.details };
  }
  if (error instanceof CommandIdReusedError) {
    return {
      ...base,
      code: 'IDEMPOTENCY_KEY_REUSED',
      reason: 'this idempotencyKey was used for a different command',
    };
  }
  if (error instanceof WrongExpectedRevisionError) {
    return {
      ...base,
      code: 'REVISION_CONFLICT',
      reason: error.message,
      details: { currentRevision: error.actual },
    };
  }
  // Not the line's fault (storage, a bug): the import stops; a re-run resumes.
  throw error;
}

export interface ImporterParts {
  eventStore: EventStore;
  cipher: PersonalDataCipher;
  logger: Logger;
  config: AppConfig;
  clock?: () => Date;
}

/**
 * The importer outside the HTTP application (the CLI): the same executor, dispatcher, ingest
 * checks and audit recorder the API builds, without routes or read side.
 */
export function createIngestImporter({
  eventStore,
  cipher,
  logger,
  config,
  clock = () => new Date(),
}: ImporterParts): IngestImporter {
  const executor = new CommandExecutor(eventStore, new Metrics(), cipher, logger, new Set());
  const dispatcher = new CommandDispatcher(executor, eventStore, new Set(), config);
  const ingest = new IngestService(dispatcher, new AuditRecorder(eventStore, clock, true), clock);
  return new IngestImporter(ingest, executor, dispatcher);
}
