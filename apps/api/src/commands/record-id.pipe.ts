import type { PipeTransform } from '@nestjs/common';
import { notFound } from '@rapport/domain';
import { UUID_PATTERN } from './validators';

/**
 * Ids in paths are UUIDs; anything else names no record and is answered like an unknown id
 * (404), without touching the store.
 */
export class RecordIdPipe implements PipeTransform<string, string> {
  constructor(private readonly kind: 'customer' | 'deal' | 'complaint') {}

  transform(value: string): string {
    if (typeof value !== 'string' || !UUID_PATTERN.test(value)) {
      throw notFound(
        `${this.kind.toUpperCase()}_NOT_FOUND`,
        `${this.kind} ${String(value).slice(0, 64)} does not exist`,
      );
    }
    return value.toLowerCase();
  }
}

export const CustomerId = new RecordIdPipe('customer');
export const DealId = new RecordIdPipe('deal');
export const ComplaintId = new RecordIdPipe('complaint');
