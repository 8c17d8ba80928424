import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DEFAULT_PARTITIONS, topicName, TOPICS, type IngestDeadLetter } from '@rapport/contracts';
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
import { IngestService } from './ingest.service';

export const INGEST_GROUP = 'rapport-ingest';

/**
 * Consumes crm.ingest when Kafka is configured. A message that is refused (invalid, or a
 * business rule) goes to crm.ingest.dlq with the reason and is never retried; a failure of
 * our own (store unavailable) is retried, so nothing is lost; nothing crashes the consumer.
 */
@Injectable()
export class IngestConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: MessageConsumer;
  private deadLetters?: MessagePublisher;

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
    ]);
    this.deadLetters = this.bus.publisher();
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
    await this.deadLetters?.close();
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
      await this.ingest.execute(parsed);
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
      // Ours, not the message's: the batch is retried (and nothing after it overtakes it).
      this.logger.error({ err: error, offset: message.offset }, 'ingest failed; retrying');
      throw error;
    }
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
    await this.deadLetters!.publish([
      {
        topic: this.topic(TOPICS.ingestDeadLetters),
        key: message.key ?? 'unknown',
        value: JSON.stringify(letter),
        headers: { 'content-type': 'application/json' },
      },
    ]);
  }
}
