import {
  Catch,
  HttpException,
  Inject,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError } from '@rapport/domain';
import {
  CommandIdReusedError,
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
} from '@rapport/event-store';
import { ApiError, STATUS_TEXT, type ApiErrorBody, type Logger } from '@rapport/platform';
import { LOGGER } from '../infrastructure/tokens';

const DOMAIN_STATUS = { 'not-found': 404, conflict: 409, invalid: 422 } as const;

/** Maps every failure to one JSON shape with a machine-readable code; never leaks internals. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { body, headers } = this.toResponse(exception);
    for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
    void reply.status(body.statusCode).send(body);
  }

  private toResponse(exception: unknown): { body: ApiErrorBody; headers: Record<string, string> } {
    const body = (
      statusCode: number,
      code: string,
      message: string,
      details?: unknown,
    ): ApiErrorBody => ({
      statusCode,
      error: STATUS_TEXT[statusCode] ?? 'Error',
      code,
      message,
      ...(details !== undefined && { details }),
    });
    if (exception instanceof ApiError) {
      return {
        body: body(exception.statusCode, exception.code, exception.message, exception.details),
        headers: exception.headers,
      };
    }
    if (exception instanceof DomainError) {
      return {
        body: body(
          DOMAIN_STATUS[exception.kind],
          exception.code,
          exception.message,
          exception.details,
        ),
        headers: {},
      };
    }
    if (exception instanceof WrongExpectedRevisionError) {
      return {
        body: body(
          409,
          'REVISION_CONFLICT',
          'the record was changed concurrently; reload and retry',
          {
            expectedRevision: exception.expected,
            currentRevision: exception.actual,
          },
        ),
        headers: { ETag: `"${exception.actual}"` },
      };
    }
    if (exception instanceof CommandIdReusedError) {
      return {
        body: body(
          422,
          'IDEMPOTENCY_KEY_REUSED',
          'this Idempotency-Key was used for a different request',
        ),
        headers: {},
      };
    }
    if (exception instanceof EventStoreUnavailableError) {
      this.logger.error({ err: exception }, 'event store unavailable');
      return {
        body: body(503, 'STORE_UNAVAILABLE', 'the event store cannot accept writes right now'),
        headers: { 'Retry-After': '5' },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? String((response as { message: unknown }).message)
          : exception.message;
      return { body: body(status, httpCode(status), message), headers: {} };
    }
    const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
    if (
      typeof fastifyError?.statusCode === 'number' &&
      fastifyError.statusCode >= 400 &&
      fastifyError.statusCode < 500
    ) {
      return {
        body: body(
          fastifyError.statusCode,
          httpCode(fastifyError.statusCode),
          fastifyError.message ?? 'bad request',
        ),
        headers: {},
      };
    }
    this.logger.error({ err: exception }, 'unhandled error');
    return { body: body(500, 'INTERNAL', 'an unexpected error occurred'), headers: {} };
  }
}

/** Codes for failures raised by the HTTP layer itself rather than by our code. */
export function httpCode(status: number): string {
  switch (status) {
    case 400:
      return 'MALFORMED_REQUEST';
    case 404:
      return 'ROUTE_NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 413:
      return 'BODY_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    default:
      return `HTTP_${status}`;
  }
}
