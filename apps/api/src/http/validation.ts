import {
  Injectable,
  ValidationPipe,
  type ArgumentMetadata,
  type CanActivate,
  type ExecutionContext,
  type ValidationError,
} from '@nestjs/common';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate } from 'class-validator';
import { ApiError } from '@rapport/platform';
import { compiledDto } from './compiled-dto.validator';
import { resolveValidationMetadataOnce } from './validation-metadata.cache';

// Every body of every request is validated: its class's rules are resolved once, not per call.
resolveValidationMetadataOnce();

export interface FieldError {
  field: string;
  problems: string[];
}

/** Lists every invalid field, nested ones with dotted paths. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
} as const;

/**
 * A JSON object checked against its DTO, as the DTO's instance: anything else (null, an
 * array, a string, a number) is refused, unknown fields are refused, and the 400 lists every
 * invalid field at once. `field` prefixes the field names ("data" in an ingest message).
 */
export async function validatedObject<T extends object>(
  dto: ClassConstructor<T>,
  value: unknown,
  where: { field?: string; what: 'request' | 'message' },
): Promise<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const subject = where.field ?? (where.what === 'request' ? 'the request body' : 'the message');
    throw new ApiError(400, 'VALIDATION_FAILED', `${subject} must be a JSON object`, {
      fields: [{ field: where.field ?? 'body', problems: [`${subject} must be a JSON object`] }],
    });
  }
  // The common case without class-validator's and class-transformer's per-call machinery:
  // a valid body of a class that allows it (see compiled-dto.validator.ts). Anything else,
  // and every refusal, goes through them, so the rules and the errors are theirs.
  const compiled = compiledDto(dto as ClassConstructor<T> & (new () => T));
  const instance = compiled?.instantiate(value) ?? plainToInstance(dto, value);
  if (compiled?.check(instance)) return instance;
  const errors = await validate(instance, VALIDATOR_OPTIONS);
  if (errors.length > 0) {
    const fields = flattenValidationErrors(errors, where.field);
    throw new ApiError(
      400,
      'VALIDATION_FAILED',
      `invalid ${where.what}: ${fields.map((f) => f.field).join(', ')}`,
      { fields },
    );
  }
  return instance;
}

/**
 * Bodies are checked against their DTO: unknown fields are refused (not silently dropped),
 * and a 400 lists every problem at once.
 */
export function createValidationPipe(): ValidationPipe {
  return new BodyValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flattenValidationErrors(errors);
      return new ApiError(
        400,
        'VALIDATION_FAILED',
        `invalid request: ${fields.map((f) => f.field).join(', ')}`,
        { fields },
      );
    },
  });
}

/** No command body nests this deep; anything deeper is refused before it is walked. */
const MAX_DEPTH = 16;
/**
 * Keys that name an object's machinery rather than data (`__proto__`, `constructor`,
 * `toString`...): refused wherever they appear. class-validator's whitelist cannot see them
 * (every instance has them), and class-transformer breaks on some.
 */
const isForbiddenKey = (key: string) => key === 'prototype' || key in Object.prototype;
/** A UTF-16 surrogate without its partner: no character at all, and not storable as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Refuses, with a 400 naming the field, what must never reach class-transformer or the log:
 * nesting deeper than any body needs (it would exhaust the stack), keys such as
 * `constructor` (they break class-transformer and invite prototype pollution) and text that
 * is not well-formed Unicode (it would not come back as sent).
 */
export function assertPlainJson(value: unknown, path = '', depth = 0): void {
  const refuse = (problem: string, at = path): never => {
    const field = at || 'body';
    throw new ApiError(400, 'VALIDATION_FAILED', `invalid request: ${field}`, {
      fields: [{ field, problems: [problem] }],
    });
  };
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) refuse(`${path || 'body'} must be well-formed Unicode text`);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth >= MAX_DEPTH) refuse(`nested more than ${MAX_DEPTH} levels deep`);
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertPlainJson(item, `${path}[${index}]`, depth + 1));
    return;
  }
  for (const key of Object.keys(value)) {
    const field = path ? `${path}.${key}` : key;
    if (isForbiddenKey(key)) refuse(`${JSON.stringify(key)} is not an allowed field name`, field);
    if (LONE_SURROGATE.test(key)) refuse('field names must be well-formed Unicode text', field);
    assertPlainJson((value as Record<string, unknown>)[key], field, depth + 1);
  }
}

/**
 * A body must be a JSON object: null, arrays, strings and numbers are refused up front. A
 * request without a body is an empty object.
 */
class BodyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      if (value === undefined) value = {};
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ApiError(400, 'VALIDATION_FAILED', 'the request body must be a JSON object', {
          fields: [{ field: 'body', problems: ['the request body must be a JSON object'] }],
        });
      }
    }
    return super.transform(value, metadata);
  }
}

/**
 * Checks every request body with assertPlainJson after authentication (it is registered after
 * the AuthGuard) and before anything else reads it: the handler's parameters, the idempotency
 * fingerprint. A guard rather than an interceptor: interceptors put every request through
 * RxJS and async-hook bindings, which cost several percent of the command path.
 */
@Injectable()
export class PlainJsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const body = context.switchToHttp().getRequest<{ body?: unknown }>().body;
    if (body !== undefined) assertPlainJson(body);
    return true;
  }
}
