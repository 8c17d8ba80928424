import { ApiProperty } from '@nestjs/swagger';
import { customerStreamId } from '@rapport/domain';
import { defineCommand } from '../command-definition';
import { ErasureResponse } from '../command.openapi';
import { IsText } from '../validators';
import { decideOnCustomer } from './decide-on-streams';

export class EraseCustomerDto {
  @ApiProperty({ example: 'GDPR art. 17 request of 2026-03-01' })
  @IsText(500)
  reason!: string;
}

/** What an erasure makes unreadable, and what stays for the metrics (non-personal facts). */
const ERASED_DATA = [
  'name',
  'email',
  'phone',
  'contact subjects and notes',
  'complaint descriptions and resolutions',
];
const RETAINED_DATA = [
  'deal amounts, currencies, stages and dates',
  'contact channels and dates',
  'complaint categories, severities and dates',
  'consent decisions',
];

/**
 * Erasure is crypto-shredding: once the client's key is destroyed, every sealed value of
 * theirs, in every copy of every event, is noise. The key goes only after CustomerErased is
 * durably appended (a refused or failed erasure destroys nothing); if the process dies in
 * between, the ErasureCompleter destroys it from the event.
 */
export const eraseCustomer = defineCommand({
  name: 'EraseCustomer',
  summary: "Erase the client's personal data everywhere by destroying their key (CustomerErased)",
  http: { method: 'POST', path: '/customers/:id/erasure', status: 201, tag: 'customers' },
  target: 'customer',
  permission: 'customer:erase',
  body: EraseCustomerDto,
  response: ErasureResponse,
  decide: async ({ id, body, context }, { load, destroyKey }) => ({
    ...(await decideOnCustomer(load, id, {
      type: 'EraseCustomer',
      now: context.now,
      data: { customerId: id, reason: body.reason.trim() },
    })),
    afterAppend: destroyKey(id),
  }),
  // The receipt is read from the recorded event, so a replayed answer is the same receipt.
  answer: async (result, { id }, { eventStore }) => {
    const erased = result.events.find((event) => event.type === 'CustomerErased');
    const { events } = await eventStore.readStream(customerStreamId(id), {
      fromRevision: erased?.revision ?? 0,
      maxCount: 1,
    });
    const event = events[0];
    if (!event) throw new Error(`the erasure of customer ${id} is not in the log`);
    return {
      receipt: {
        customerId: id,
        erasedAt: event.recordedAt,
        erasedBy: event.metadata.actor.id,
        reason: (event.data as { reason: string }).reason,
        erased: ERASED_DATA,
        retained: RETAINED_DATA,
        method:
          'crypto-shredding: the client key was destroyed; sealed values in every copy are unreadable',
      },
    };
  },
});
