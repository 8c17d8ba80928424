import { getMetadataStorage, ValidationTypes } from 'class-validator';
import type { ValidationArguments } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import type { MetadataStorage as TransformerStorage } from 'class-transformer/types/MetadataStorage';

/**
 * Validation of a DTO without class-validator's and class-transformer's per-call machinery,
 * for the classes whose rules allow it, built from their own metadata. class-validator stays
 * the validator: this only answers "valid" when class-validator would find nothing wrong (the
 * same rule functions, with the same arguments, on the same instance), and answers "ask
 * class-validator" otherwise, so every refusal and its errors are class-validator's own.
 *
 * - `instantiate` makes the DTO's instance as class-transformer's plainToInstance does for
 *   JSON without @Type, @Transform, @Expose or @Exclude on the class (a new instance, every key
 *   copied, arrays and plain objects copied deeply, the same keys skipped); a class with any of
 *   those, or a value that is not plain JSON, is left to plainToInstance.
 * - `check` runs, property by property, the conditions (ValidateIf, Omittable, IsOptional)
 *   and the custom rules (every built-in decorator is one) as ValidationExecutor does, with
 *   the options of validation.ts (whitelist, forbidNonWhitelisted, forbidUnknownValues, no
 *   groups). A class using anything else (nested validation, IsDefined, groups, `each`,
 *   `always`, asynchronous rules) is not compiled.
 */
export interface CompiledDto<T extends object> {
  /** The instance plainToInstance would make, or undefined if it must make it itself. */
  instantiate(value: object): T | undefined;
  /** True: class-validator finds nothing wrong. False: ask class-validator (maybe invalid). */
  check(instance: T): boolean;
}

type Rule = (value: unknown, args: ValidationArguments) => unknown;

interface CompiledProperty {
  name: string;
  conditions: ((object: object, value: unknown) => boolean)[];
  rules: { validate: Rule; constraints: unknown[] }[];
}

// class-transformer keeps its metadata here; only read to learn that a class has none.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const transformer = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: TransformerStorage;
};

const compiled = new WeakMap<object, CompiledDto<object> | null>();

/** The compiled form of a DTO class, or undefined if class-validator must do it all. */
export function compiledDto<T extends object>(dto: new () => T): CompiledDto<T> | undefined {
  let known = compiled.get(dto);
  if (known === undefined) {
    known = compile(dto) as CompiledDto<object> | null;
    compiled.set(dto, known);
  }
  return (known ?? undefined) as CompiledDto<T> | undefined;
}

function compile<T extends object>(dto: new () => T): CompiledDto<T> | null {
  const storage = getMetadataStorage();
  // The call ValidationExecutor makes for validate(instance, VALIDATOR_OPTIONS).
  const metadatas: ValidationMetadata[] = storage.getTargetValidationMetadatas(
    dto,
    '',
    false,
    false,
    undefined,
  );
  if (metadatas.length === 0) return null; // forbidUnknownValues: class-validator refuses it
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const metadata of metadatas) {
    if (metadata.always || (metadata.groups && metadata.groups.length > 0)) return null;
    if (metadata.each) return null;
    if (
      metadata.type !== ValidationTypes.CUSTOM_VALIDATION &&
      metadata.type !== ValidationTypes.CONDITIONAL_VALIDATION
    )
      return null;
    byProperty.set(metadata.propertyName, [
      ...(byProperty.get(metadata.propertyName) ?? []),
      metadata,
    ]);
  }
  const properties: CompiledProperty[] = [];
  for (const [name, list] of byProperty) {
    const property: CompiledProperty = { name, conditions: [], rules: [] };
    for (const metadata of list) {
      if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) {
        property.conditions.push(
          metadata.constraints[0] as (object: object, value: unknown) => boolean,
        );
        continue;
      }
      for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
        if (constraint.async) return null;
        const instance = constraint.instance;
        property.rules.push({
          validate: (value, args) => instance.validate(value, args),
          constraints: metadata.constraints,
        });
      }
    }
    properties.push(property);
  }
  const allowed = new Set(byProperty.keys());
  const plainCopy = !hasTransformerMetadata(dto) && hasNoAccessors(dto);
  const targetName = dto.name;

  return {
    instantiate: (value) => {
      if (!plainCopy || !isPlainObject(value)) return undefined;
      const instance = new dto();
      return copyKeys(value, instance) ? instance : undefined;
    },
    check: (instance) => {
      for (const key of Object.keys(instance)) if (!allowed.has(key)) return false;
      for (const property of properties) {
        const value = (instance as Record<string, unknown>)[property.name];
        // ValidationExecutor evaluates every condition; a property is checked if all hold.
        let applies = true;
        for (const condition of property.conditions)
          applies = condition(instance, value) && applies;
        if (!applies) continue;
        for (const rule of property.rules) {
          const valid = rule.validate(value, {
            targetName,
            property: property.name,
            object: instance,
            value,
            constraints: rule.constraints,
          });
          if (!valid || isThenable(valid)) return false;
        }
      }
      return true;
    },
  };
}

/** Whether class-transformer has any rule for the class or one of its ancestors. */
function hasTransformerMetadata(dto: object): boolean {
  const storage = transformer.defaultMetadataStorage as unknown as Record<string, unknown>;
  const maps = ['_typeMetadatas', '_transformMetadatas', '_exposeMetadatas', '_excludeMetadatas'];
  for (let target: unknown = dto; typeof target === 'function';) {
    for (const name of maps) {
      const map = storage[name];
      // Not the storage this was written for: let class-transformer do the work.
      if (!(map instanceof Map)) return true;
      if (map.has(target)) return true;
    }
    target = Object.getPrototypeOf(target);
    if (target === Function.prototype) break;
  }
  return false;
}

/** No methods or accessors on the class: plainToInstance would set every key it is given. */
function hasNoAccessors(dto: new () => object): boolean {
  for (let proto: object | null = dto.prototype; proto && proto !== Object.prototype;) {
    if (Object.getOwnPropertyNames(proto).some((name) => name !== 'constructor')) return false;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

function isThenable(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * The keys of a plain object onto a new object, as class-transformer copies them: `__proto__`
 * and `constructor` skipped, and so is a key naming a method or a read-only accessor of the
 * target. False when a value is not plain JSON (left to class-transformer).
 */
function copyKeys(from: Record<string, unknown>, to: object): boolean {
  const target = to as Record<string, unknown>;
  for (const key of Object.keys(from)) {
    if (key === '__proto__' || key === 'constructor') continue;
    const descriptor = Object.getOwnPropertyDescriptor(to.constructor.prototype, key);
    if ((descriptor && !descriptor.set) || target[key] instanceof Function) continue;
    const copied = copyJson(from[key]);
    if (copied === NOT_JSON) return false;
    target[key] = copied;
  }
  return true;
}

const NOT_JSON = Symbol('not JSON');

function copyJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint'
      ? NOT_JSON
      : value;
  }
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_JSON;
    const copy: unknown[] = [];
    for (const item of value) {
      const copied = copyJson(item);
      if (copied === NOT_JSON) return NOT_JSON;
      copy.push(copied);
    }
    return copy;
  }
  if (!isPlainObject(value)) return NOT_JSON;
  const copy: Record<string, unknown> = {};
  return copyKeys(value, copy) ? copy : NOT_JSON;
}
