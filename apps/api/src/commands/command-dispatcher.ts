import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import { ApiError, type AppConfig, type HttpRequestLike } from '@rapport/platform';
import { validatedObject } from '../http/validation';
import { APP_CONFIG, GUARANTEES_OFF, type BenchmarkedGuarantee } from '../infrastructure/tokens';
import { commandContextFromRequest, type CommandContext } from './command-context';
import {
  addressesRecord,
  type AnyCommandDefinition,
  type CommandInput,
} from './command-definition';
import { CommandExecutor } from './command-executor';
import { respond, type CommandResponseBody } from './command-response';
import type { CommandResult } from './command-result';
import { recordId } from './record-id.pipe';

/** A command as an internal system sends it (POST /ingest, topic crm.ingest). */
export interface IngestedCommand {
  /** The record addressed, as the HTTP path's :id (see IngestMessage.targetId). */
  targetId?: string;
  data: unknown;
  context: CommandContext;
}

/**
 * Runs any command from its definition: the HTTP routes and the ingest routes come here, so
 * a body is validated, an id checked and a decision reached the same way whichever way a
 * command arrives.
 */
@Injectable()
export class CommandDispatcher {
  constructor(
    private readonly executor: CommandExecutor,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(GUARANTEES_OFF) private readonly off: ReadonlySet<BenchmarkedGuarantee>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** An HTTP command: the path's id, then the body, then the headers are checked, in that order. */
  async fromHttp(
    definition: AnyCommandDefinition,
    request: HttpRequestLike & { receivedAt?: Date },
    reply: FastifyReply,
  ): Promise<CommandResponseBody & Record<string, unknown>> {
    const pathId = addressesRecord(definition)
      ? recordId(definition.target, request.params?.['id'])
      : undefined;
    // No body at all is an empty object; a JSON null is not an object, and is refused.
    const raw = request.body === undefined ? {} : request.body;
    const body = this.off.has('validation')
      ? (raw as object)
      : await validatedObject(definition.body, raw, { what: 'request' });
    const context = commandContextFromRequest(request, request.receivedAt ?? new Date());
    const input = this.input(definition, pathId, body, context);
    const result = await this.run(definition, input);
    return {
      ...respond(reply, result, definition.location?.(result)),
      ...(await definition.answer?.(result, input, { eventStore: this.eventStore })),
    };
  }

  async fromIngest(
    definition: AnyCommandDefinition,
    { targetId, data, context }: IngestedCommand,
  ): Promise<CommandResult> {
    const body = await validatedObject(definition.body, data, { field: 'data', what: 'message' });
    if (addressesRecord(definition) && targetId === undefined) {
      throw new ApiError(400, 'VALIDATION_FAILED', `${definition.name} needs a targetId`, {
        fields: [{ field: 'targetId', problems: ['targetId is required for this command'] }],
      });
    }
    if (!addressesRecord(definition) && targetId !== undefined && definition.newRecord) {
      const chosen = (body as Record<string, unknown>)[definition.newRecord.idField];
      if (typeof chosen === 'string' && chosen.toLowerCase() !== targetId.toLowerCase()) {
        throw new ApiError(
          400,
          'VALIDATION_FAILED',
          `targetId and data.${definition.newRecord.idField} name different records`,
          {
            fields: [
              {
                field: 'targetId',
                problems: [
                  `targetId must equal data.${definition.newRecord.idField} when both are given`,
                ],
              },
            ],
          },
        );
      }
    }
    const id = targetId?.toLowerCase();
    return this.run(definition, this.input(definition, id, body, context));
  }

  private input(
    definition: AnyCommandDefinition,
    id: string | undefined,
    body: object,
    context: CommandContext,
  ): CommandInput<object> {
    const chosen = definition.newRecord
      ? (body as Record<string, unknown>)[definition.newRecord.idField]
      : undefined;
    const newId = typeof chosen === 'string' ? chosen.toLowerCase() : randomUUID();
    return addressesRecord(definition)
      ? { id: id!, newId, body, context }
      : // The command creates its target: the chosen id, else the ingest targetId, else a new one.
        { id: typeof chosen === 'string' ? newId : (id ?? newId), newId, body, context };
  }

  private run(
    definition: AnyCommandDefinition,
    input: CommandInput<object>,
  ): Promise<CommandResult> {
    return this.executor.execute(
      definition.name,
      input.context,
      (tools) => definition.decide(input, { ...tools, slaTargets: this.config.slaTargets }),
      { createsKey: definition.createsKey ?? false },
    );
  }
}
