import type { PipeTransform } from '@nestjs/common';
import { notFound } from '@rapport/domain';
import type { RecordKind } from './command-definition';
import { UUID_PATTERN } from './validators';

/**
 * Ids in paths are UUIDs; anything else names no record and is answered like an unknown id
 * (404), without touching the store.
 */
export function recordId(kind: RecordKind, value: unknown): string {
  if (typeof value !== 'string' || !UUID_PATTERN.test(value)) {
    throw notFound(
      `${kind.toUpperCase()}_NOT_FOUND`,
      `${kind} ${String(value).slice(0, 64)} does not exist`,
    );
  }
  return value.toLowerCase();
}

/** recordId as a Nest pipe, for the query and audit routes. */
export class RecordIdPipe implements PipeTransform<string, string> {
  constructor(private readonly kind: RecordKind) {}

  transform(value: string): string {
    return recordId(this.kind, value);
  }
}

export const CustomerId = new RecordIdPipe('customer');
