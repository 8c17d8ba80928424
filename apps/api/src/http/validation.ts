import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ApiError } from '@rapport/platform';

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

/** A body must be a JSON object: arrays, strings and numbers are refused up front. */
class BodyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      if (value === undefined || value === null || value === '') value = {};
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw new ApiError(400, 'VALIDATION_FAILED', 'the request body must be a JSON object');
      }
    }
    return super.transform(value, metadata);
  }
}
