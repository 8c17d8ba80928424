import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@rapport/domain';
import { ApiError, currentTraceparent, inSpan, isAllowed } from '@rapport/platform';
import { AuditRecorder } from '../audit/audit-recorder';
import { canonicalJson, type CommandContext } from '../commands/command-context';
import type { AnyCommandDefinition, CommandInput } from '../commands/command-definition';
import { CommandDispatcher } from '../commands/command-dispatcher';
import type { AnsweredCommand } from '../commands/command-result';
import { COMMANDS } from '../commands/command.catalogue';
import { assertPlainJson, validatedObject } from '../http/validation';
import { CLOCK, type Clock } from '../infrastructure/tokens';
import { IngestMessageDto } from './ingest.dto';

export interface PreparedCommand {
  definition: AnyCommandDefinition;
  input: CommandInput<object>;
}

/**
 * Commands from internal systems, by HTTP (POST /ingest) or Kafka (crm.ingest): each is the
 * command of the same name, with the same body rules and permission, run by the same
 * dispatcher as its HTTP route; the message's idempotency key is scoped to the sending system.
 */
@Injectable()
export class IngestService {
  constructor(
    private readonly dispatcher: CommandDispatcher,
    private readonly audit: AuditRecorder,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * `traceparent`: the transport's trace context (HTTP or Kafka header); the message's own
   * field wins when both are present.
   */
  async execute(raw: unknown, sender?: Actor, traceparent?: string): Promise<AnsweredCommand> {
    const message = await this.parse(raw);
    return inSpan(
      `ingest ${message.command}`,
      {
        kind: 'consumer',
        parent: message.traceparent ?? traceparent,
        attributes: { 'rapport.command': message.command, 'rapport.system': message.system },
      },
      async () => {
        const { definition, input } = await this.prepare(message, sender, traceparent);
        // The answer the command's HTTP route gives, with its definition's fields (skipped...).
        return this.dispatcher.answered(
          definition,
          input,
          await this.dispatcher.run(definition, input),
        );
      },
    );
  }

  /** A message checked against the ingest format (not yet its command's body). */
  async parse(raw: unknown): Promise<IngestMessageDto> {
    // Before class-transformer sees it (HTTP bodies get the same check in PlainJsonBodyGuard).
    assertPlainJson(raw);
    return validatedObject(IngestMessageDto, raw, { what: 'message' });
  }

  /**
   * A message made its command's input: permission, context (idempotency key scoped to the
   * system, business time, trace) and body checked. Imports decide these in batches.
   */
  async prepare(
    message: IngestMessageDto,
    sender: Actor | undefined,
    traceparent: string | undefined,
  ): Promise<PreparedCommand> {
    const definition = COMMANDS[message.command];
    const actor: Actor = sender ?? {
      id: `service:${message.system}`,
      roles: ['service'],
      kind: 'service',
    };
    const correlationId = message.correlationId ?? randomUUID();
    if (!isAllowed(actor.roles, definition.permission)) {
      await this.audit.recordDeniedCommand({
        actor,
        permission: definition.permission,
        command: `ingest ${message.command}`,
        ...(definition.target === 'customer' &&
          message.targetId && {
            customerId: message.targetId.toLowerCase(),
          }),
        correlationId,
      });
      throw new ApiError(
        403,
        'FORBIDDEN',
        `${message.command} requires the permission ${definition.permission}`,
        { permission: definition.permission },
      );
    }
    const receivedAt = this.clock().toISOString();
    const trace = currentTraceparent(message.traceparent ?? traceparent);
    const context: CommandContext = {
      actor,
      now: receivedAt,
      receivedAt,
      ...(trace !== undefined && { traceparent: trace }),
      correlationId,
      // The same key from the same system is one command, whichever route it took.
      commandId: `ingest:${message.system}/${message.idempotencyKey}`,
      idempotent: true,
      fingerprint: createHash('sha256')
        .update(
          canonicalJson({
            command: message.command,
            targetId: message.targetId,
            data: message.data,
            expectedRevision: message.expectedRevision,
            // Only when given: keys recorded before business time existed keep their digest.
            ...(message.occurredAt !== undefined && { occurredAt: message.occurredAt }),
          }),
        )
        .digest('hex'),
      ...(message.expectedRevision !== undefined && { expectedRevision: message.expectedRevision }),
      source: `ingest:${message.system}`,
    };
    const input = await this.dispatcher.prepareIngest(definition, {
      ...(message.targetId !== undefined && { targetId: message.targetId }),
      data: message.data,
      ...(message.occurredAt !== undefined && { occurredAt: message.occurredAt }),
      context,
    });
    return { definition, input };
  }
}
