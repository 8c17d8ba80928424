import type { FastifyReply } from 'fastify';
import type { CommandResult } from './command-result';

export type CommandResponseBody = Omit<CommandResult, 'duplicate'>;

/** Sends a command's result: the same body for a replay, flagged by a header. */
export function respond(
  reply: FastifyReply,
  result: CommandResult,
  location?: string,
): CommandResponseBody {
  const { duplicate, ...body } = result;
  void reply.header('ETag', `"${body.revision}"`);
  if (duplicate) void reply.header('Idempotent-Replayed', 'true');
  if (location) void reply.header('Location', location);
  return body;
}
