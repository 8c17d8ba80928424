import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  DEFAULT_PARTITIONS,
  topicName,
  TOPICS,
  type IngestDeadLetter,
  type IngestReply,
} from '@rapport/contracts';
import { DomainError } from '@rapport/domain';
import { CommandIdReusedError, WrongExpectedRevisionError } from '@rapport/event-store';
import {
  MESSAGE_BUS,
  type IncomingMessage,
  type MessageBus,
  type MessageConsumer,
  type MessagePublisher,
} from '@rapport/messaging';
import { ApiError, type AppConfig, type Logger } from '@rapport/platform';
import { APP_CONFIG, CLOCK, LOGGER, type Clock } from '../infrastructure/tokens';
import type { AnsweredCommand } from '../commands/command-result';
import { IngestService } from './ingest.service';

export const INGEST_GROUP = 'rapport-ingest';

/** Attempts at a message that fails with an error that is not an outage (a bug). */
export const INGEST_ATTEMPTS = 3;
const RETRY_DELAY_MS = 100;

/** Errors of a store that cannot be reached right now, as opposed to errors of the message. */
const OUTAGE_ERRORS = new Set([
  'EventStoreUnavailableError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
]);

function isOutage(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (OUTAGE_ERRORS.has(cause.name)) return true;
    if (cause instanceof ApiError && cause.statusCode === 503) return true;
  }
  return false;
}

/**
 * Consumes crm.ingest when Kafka is configured. A message that is refused (invalid, or a
 * business rule) goes to crm.ingest.dlq with the reason and is never retried. An outage
 * (a store that cannot be reached) is retried without limit, holding the partition, so
 * nothing is lost and nothing overtakes it. Any other error is ours but tied to the message (a
 * bug it triggers): it is tried INGEST_ATTEMPTS times, then goes to the DLQ with the error
 * (code INGEST_FAILED), so it cannot hold its partition for ever. Nothing crashes the consumer.
 */
@Injectable()
export class IngestConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: MessageConsumer;
  private publisher?: MessagePublisher;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus | null,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ingest: IngestService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.bus) return;
    await this.bus.ensureTopics([
      { name: this.topic(TOPICS.ingest), partitions: DEFAULT_PARTITIONS },
      { name: this.topic(TOPICS.ingestDeadLetters), partitions: 1 },
      { name: this.topic(TOPICS.ingestReplies), partitions: DEFAULT_PARTITIONS },
    ]);
    this.publisher = this.bus.publisher();
    this.consumer = this.bus.consumer({
      groupId: INGEST_GROUP,
      topics: [this.topic(TOPICS.ingest)],
      fromBeginning: true,
    });
    await this.consumer.start(async (messages) => {
      for (const message of messages) await this.handle(message);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    await this.publisher?.close();
  }

  private topic(topic: (typeof TOPICS)[keyof typeof TOPICS]): string {
    return topicName(topic, this.config.kafkaTopicPrefix);
  }

  private async handle(message: IncomingMessage): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.value);
    } catch {
      return this.reject(message, 'MALFORMED_JSON', 'the message is not JSON');
    }
    try {
      await this.executeWithRetries(parsed, message);
    } catch (error) {
      if (error instanceof ApiError && error.statusCode < 500) {
        return this.reject(message, error.code, error.message, error.details);
      }
      if (error instanceof DomainError)
        return this.reject(message, error.code, error.message, error.details);
      if (error instanceof CommandIdReusedError) {
        return this.reject(
          message,
          'IDEMPOTENCY_KEY_REUSED',
          'this idempotencyKey was used for a different command',
        );
      }
      if (error instanceof WrongExpectedRevisionError) {
        return this.reject(message, 'REVISION_CONFLICT', error.message, {
          currentRevision: error.actual,
        });
      }
      if (isOutage(error)) {
        // Not the message's fault: the batch is retried (and nothing after it overtakes it).
        this.logger.error({ err: error, offset: message.offset }, 'ingest failed; retrying');
        throw error;
      }
      const failure = error as Error;
      return this.reject(
        message,
        'INGEST_FAILED',
        `processing failed ${INGEST_ATTEMPTS} times: ${failure.message}`,
        { error: failure.name, message: failure.message, attempts: INGEST_ATTEMPTS },
      );
    }
  }

  /**
   * Runs the command and publishes its answer on crm.ingest.replies; a failure that is not a
   * refusal nor an outage is tried again (a reply published before a failure to publish is
   * sent again: replies are at least once, like everything on Kafka).
   */
  private async executeWithRetries(command: unknown, message: IncomingMessage): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const answered = await this.ingest.execute(
          command,
          undefined,
          message.headers['traceparent'],
        );
        await this.reply(command as Record<string, unknown>, answered, message);
        return;
      } catch (error) {
        if (attempt >= INGEST_ATTEMPTS || isOutage(error) || isRefusal(error)) throw error;
        this.logger.error(
          { err: error, partition: message.partition, offset: message.offset, attempt },
          'ingest failed unexpectedly; trying again',
        );
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt));
      }
    }
  }

  /** The answer POST /ingest would have given, keyed as the message was. */
  private async reply(
    command: Record<string, unknown>,
    answered: AnsweredCommand,
    message: IncomingMessage,
  ): Promise<void> {
    const { duplicate, ...answer } = answered;
    const reply: IngestReply = {
      system: String(command['system']),
      idempotencyKey: String(command['idempotencyKey']),
      command: command['command'] as IngestReply['command'],
      ...(typeof command['correlationId'] === 'string' && {
        correlationId: command['correlationId'],
      }),
      duplicate,
      answer,
      answeredAt: this.clock().toISOString(),
    };
    await this.publisher!.publish([
      {
        topic: this.topic(TOPICS.ingestReplies),
        key: message.key ?? answered.customerId,
        value: JSON.stringify(reply),
        headers: { 'content-type': 'application/json' },
      },
    ]);
  }

  private async reject(
    message: IncomingMessage,
    code: string,
    reason: string,
    details?: unknown,
  ): Promise<void> {
    const letter: IngestDeadLetter = {
      reason,
      code,
      ...(details !== undefined && { details }),
      original: message.value,
      failedAt: this.clock().toISOString(),
    };
    this.logger.warn(
      { code, reason, partition: message.partition, offset: message.offset },
      'ingest message refused',
    );
    await this.publisher!.publish([
      {
        topic: this.topic(TOPICS.ingestDeadLetters),
        key: message.key ?? 'unknown',
        value: JSON.stringify(letter),
        headers: { 'content-type': 'application/json' },
      },
    ]);
  }
}

/** The message's own fault: answered with a reason, never retried. */
function isRefusal(error: unknown): boolean {
  return (
    (error instanceof ApiError && error.statusCode < 500) ||
    error instanceof DomainError ||
    error instanceof CommandIdReusedError ||
    error instanceof WrongExpectedRevisionError
  );
}
