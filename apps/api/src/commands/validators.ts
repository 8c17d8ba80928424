import { registerDecorator, type ValidationOptions } from 'class-validator';
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

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
