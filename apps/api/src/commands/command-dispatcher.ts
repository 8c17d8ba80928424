import { Inject, Injectable } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { EVENT_STORE, timeOrderedId, type EventStore } from '@rapport/event-store';
import {
  ApiError,
  header,
  inSpan,
  isServiceActor,
  type AppConfig,
  type HttpRequestLike,
} from '@rapport/platform';
import { validatedObject } from '../http/validation';
import { APP_CONFIG, GUARANTEES_OFF, type BenchmarkedGuarantee } from '../infrastructure/tokens';
import { commandContextFromRequest, inBusinessTime, type CommandContext } from './command-context';
import {
  addressesRecord,
  type AnyCommandDefinition,
  type CommandInput,
} from './command-definition';
import { CommandExecutor, type DecisionTools } from './command-executor';
import { respond, type CommandResponseBody } from './command-response';
import type { AnsweredCommand, CommandResult } from './command-result';
import { recordId } from './record-id.pipe';

/**
 * The business time a body states: every command takes `occurredAt` (a service's imports)
 * without declaring it. A command whose own body has an occurredAt (a contact logged
 * afterwards, an activity completed) keeps it there as well: for those, users may state it too.
 */
function takeOccurredAt(
  definition: AnyCommandDefinition,
  body: unknown,
  prefix = '',
): { raw: unknown; occurredAt?: unknown; ownField?: boolean } {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('occurredAt' in body)) {
    return { raw: body };
  }
  const { occurredAt, ...rest } = body as Record<string, unknown>;
  if (declaresOccurredAt(definition)) {
    // Validated with the body; a user's occurredAt stays the command's own field only.
    return typeof occurredAt === 'string'
      ? { raw: body, occurredAt, ownField: true }
      : { raw: body };
  }
  if (occurredAt === undefined) return { raw: rest };
  if (typeof occurredAt !== 'string') {
    throw new ApiError(400, 'VALIDATION_FAILED', `invalid ${prefix}occurredAt`, {
      fields: [{ field: `${prefix}occurredAt`, problems: ['occurredAt must be a string'] }],
    });
  }
  return { raw: rest, occurredAt };
}

/** A command's own occurredAt moves its business time only when a service sends it. */
function withBusinessTime(
  context: CommandContext,
  occurredAt: unknown,
  ownField = false,
): CommandContext {
  if (ownField && !isServiceActor(context.actor)) return context;
  return inBusinessTime(context, occurredAt);
}

const declared = new WeakMap<AnyCommandDefinition, boolean>();

/** Whether the command's own body has an occurredAt field (LogContact, CompleteActivity...). */
function declaresOccurredAt(definition: AnyCommandDefinition): boolean {
  let known = declared.get(definition);
  if (known === undefined) {
    known = getMetadataStorage()
      .getTargetValidationMetadatas(definition.body, '', true, false)
      .some((rule) => rule.propertyName === 'occurredAt');
    declared.set(definition, known);
  }
  return known;
}

/** A command as an internal system sends it (POST /ingest, topic crm.ingest). */
export interface IngestedCommand {
  /** The record addressed, as the HTTP path's :id (see IngestMessage.targetId). */
  targetId?: string;
  data: unknown;
  /** Business time stated by the message (IngestMessage.occurredAt). */
  occurredAt?: string;
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
    // Tracing on: the command is a server span, child of the caller's traceparent; its events
    // keep this span as theirs (see commandContextFromRequest).
    return inSpan(
      `${definition.http.method} ${definition.http.path}`,
      {
        kind: 'server',
        parent: header(request, 'traceparent'),
        attributes: {
          'http.request.method': definition.http.method,
          'http.route': definition.http.path,
          'rapport.command': definition.name,
        },
      },
      () => this.fromHttpInSpan(definition, request, reply),
    );
  }

  private async fromHttpInSpan(
    definition: AnyCommandDefinition,
    request: HttpRequestLike & { receivedAt?: Date },
    reply: FastifyReply,
  ): Promise<CommandResponseBody & Record<string, unknown>> {
    const pathId = addressesRecord(definition)
      ? recordId(definition.target, request.params?.['id'])
      : undefined;
    // No body at all is an empty object; a JSON null is not an object, and is refused.
    const received = request.body === undefined ? {} : request.body;
    const { raw, occurredAt, ownField } = takeOccurredAt(definition, received);
    const body = this.off.has('validation')
      ? (raw as object)
      : await validatedObject(definition.body, raw, { what: 'request' });
    const context = withBusinessTime(
      commandContextFromRequest(request, request.receivedAt ?? new Date()),
      occurredAt,
      ownField,
    );
    const input = this.input(definition, pathId, body, context);
    const result = await this.run(definition, input);
    return {
      ...respond(reply, result, definition.location?.(result)),
      ...(await this.answerFields(definition, input, result)),
    };
  }

  async fromIngest(
    definition: AnyCommandDefinition,
    ingested: IngestedCommand,
  ): Promise<AnsweredCommand> {
    const input = await this.prepareIngest(definition, ingested);
    return this.answered(definition, input, await this.run(definition, input));
  }

  /**
   * The fields a definition adds to its answer (AddCampaignMembers' `added` and `skipped`, the
   * erasure receipt), read from the recorded events: the same on every route (HTTP, POST
   * /ingest, crm.ingest, imports) and for a replayed command. None for most commands.
   */
  async answerFields(
    definition: AnyCommandDefinition,
    input: CommandInput<object>,
    result: CommandResult,
  ): Promise<Record<string, unknown>> {
    return (await definition.answer?.(result, input, { eventStore: this.eventStore })) ?? {};
  }

  /** A command's result with the fields its definition adds to the answer. */
  async answered(
    definition: AnyCommandDefinition,
    input: CommandInput<object>,
    result: CommandResult,
  ): Promise<AnsweredCommand> {
    return { ...result, ...(await this.answerFields(definition, input, result)) };
  }

  /** An ingested command checked and made the input of its definition (imports batch these). */
  async prepareIngest(
    definition: AnyCommandDefinition,
    { targetId, data, occurredAt: stated, context: received }: IngestedCommand,
  ): Promise<CommandInput<object>> {
    const { raw, occurredAt, ownField } = takeOccurredAt(definition, data, 'data.');
    if (stated !== undefined && occurredAt !== undefined && stated !== occurredAt) {
      throw new ApiError(400, 'VALIDATION_FAILED', 'occurredAt and data.occurredAt differ', {
        fields: [{ field: 'occurredAt', problems: ['occurredAt must equal data.occurredAt'] }],
      });
    }
    const context =
      stated !== undefined
        ? inBusinessTime(received, stated)
        : withBusinessTime(received, occurredAt, ownField);
    const body = await validatedObject(definition.body, raw, { field: 'data', what: 'message' });
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
    return this.input(definition, id, body, context);
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
    const newId = typeof chosen === 'string' ? chosen.toLowerCase() : timeOrderedId();
    return addressesRecord(definition)
      ? { id: id!, newId, body, context }
      : // The command creates its target: the chosen id, else the ingest targetId, else a new one.
        { id: typeof chosen === 'string' ? newId : (id ?? newId), newId, body, context };
  }

  run(definition: AnyCommandDefinition, input: CommandInput<object>): Promise<CommandResult> {
    return this.executor.execute(
      definition.name,
      input.context,
      (tools) => this.decide(definition, input, tools),
      { createsKey: definition.createsKey ?? false },
    );
  }

  /** A definition's decision with what every definition may read (its configuration). */
  decide(definition: AnyCommandDefinition, input: CommandInput<object>, tools: DecisionTools) {
    return definition.decide(input, {
      ...tools,
      slaTargets: this.config.slaTargets,
      campaignResponseGraceDays: this.config.campaignResponseGraceDays,
    });
  }
}
