import { Controller, HttpCode, Inject, Patch, Post, Req, Res, type Type } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { HttpRequestLike } from '@rapport/platform';
import { Allow } from '../http/access.decorators';
import { addressesRecord, type AnyCommandDefinition } from './command-definition';
import { CommandDispatcher } from './command-dispatcher';
import { CommandResponse, IdempotencyHeaders } from './command.openapi';

type Route = (request: HttpRequestLike, reply: FastifyReply) => Promise<unknown>;

/**
 * The HTTP routes of the commands, made from their definitions: one controller method per
 * definition, with the route, status, permission and OpenAPI description the definition
 * states. Written by hand, these were a controller method, a Nest command and a handler per
 * command, which could drift from the ingest routes.
 */
export function commandsController(definitions: readonly AnyCommandDefinition[]): Type<unknown> {
  @Controller()
  @IdempotencyHeaders()
  class CommandsController {
    constructor(@Inject(CommandDispatcher) readonly dispatcher: CommandDispatcher) {}
  }
  const prototype = CommandsController.prototype as unknown as Record<string, Route>;
  for (const definition of definitions) {
    const method = definition.name.charAt(0).toLowerCase() + definition.name.slice(1);
    prototype[method] = function (this: CommandsController, request, reply) {
      return this.dispatcher.fromHttp(definition, request, reply);
    };
    const descriptor = Object.getOwnPropertyDescriptor(prototype, method)!;
    Reflect.defineMetadata('design:paramtypes', [Object, Object], prototype, method);
    Req()(prototype, method, 0);
    Res({ passthrough: true })(prototype, method, 1);
    const { http } = definition;
    const answered = { type: definition.response ?? CommandResponse };
    const decorators: MethodDecorator[] = [
      http.method === 'PATCH' ? Patch(http.path) : Post(http.path),
      HttpCode(http.status),
      Allow(definition.permission),
      ApiTags(`commands: ${http.tag}`),
      ApiOperation({
        summary: definition.summary,
        operationId: definition.name,
        description:
          'Every command also takes `occurredAt` (ISO 8601 with a zone) in its body from the service role: when it happened (business time, e.g. imported history); not in the future (5 minutes of clock skew tolerated). Other roles: 403 OCCURRED_AT_NOT_ALLOWED, unless the command has its own occurredAt.',
      }),
      ApiBody({ type: definition.body }),
      http.status === 201 ? ApiCreatedResponse(answered) : ApiOkResponse(answered),
      ...(addressesRecord(definition)
        ? [ApiParam({ name: 'id', description: `the ${definition.target}'s id (UUID)` })]
        : []),
    ];
    for (const decorate of decorators) decorate(prototype, method, descriptor);
  }
  return CommandsController;
}
