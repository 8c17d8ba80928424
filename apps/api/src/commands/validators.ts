import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID, registerDecorator, ValidateIf, type ValidationOptions } from 'class-validator';
import { isIsoCurrency } from '@rapport/domain';

/** An active ISO 4217 code, as the domain knows them. */
export function IsIsoCurrency(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isIsoCurrency',
      target: target.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be an ISO 4217 currency code such as EUR`,
        ...options,
      },
      validator: { validate: (value: unknown) => isIsoCurrency(value) },
    });
}

/** Free text: a string with visible content, trimmed length within bounds. */
export function IsText(max: number, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isText',
      target: target.constructor,
      propertyName,
      constraints: [max],
      options: {
        message: `${propertyName} must be a non-empty string of at most ${max} characters`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && value.trim().length > 0 && value.length <= max,
      },
    });
}

/** A finite number greater than zero (NaN, Infinity and numeric strings are refused). */
export function IsPositiveAmount(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isPositiveAmount',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be a number greater than 0`, ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'number' && Number.isFinite(value) && value > 0,
      },
    });
}

/** A phone number as people write them: digits with spaces, dots, dashes and brackets. */
export const PHONE_PATTERN = /^\+?[0-9][0-9 ()./-]{3,30}$/;
export const PHONE_MESSAGE = 'phone must be a phone number such as +44 20 7946 0958';

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An optional field that may be left out but, when present, must be valid: unlike
 * class-validator's IsOptional, null is not "absent" (it would reach the handlers as null).
 */
export function Omittable(options?: ValidationOptions) {
  return ValidateIf((_object: object, value: unknown) => value !== undefined, options);
}

/** An ISO 8601 date and time with a zone (Z or ±hh:mm): a date alone is ambiguous. */
export function IsIsoDateTime(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isIsoDateTime',
      target: target.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be an ISO 8601 date and time with a zone, e.g. 2026-03-01T10:00:00Z`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
          !Number.isNaN(Date.parse(value)),
      },
    });
}

/** The optional id of a record a command creates: a UUID the caller chooses, else generated. */
export const ChosenId = () =>
  applyDecorators(
    ApiPropertyOptional({ description: 'choose the id yourself (UUID); generated otherwise' }),
    Omittable(),
    IsUUID(),
  );

/** An optional owner (a sales rep's or agent's id). */
export const OptionalOwner = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ example: 'rep-7', description }),
    Omittable(),
    IsText(100) as PropertyDecorator,
  );
