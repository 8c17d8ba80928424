import { ApiProperty } from '@nestjs/swagger';
import { defineCommand } from '../command-definition';
import { IsText } from '../validators';
import { decideOnCustomer } from './decide-on-streams';

export class AssignOwnerDto {
  @ApiProperty({ example: 'rep-9' })
  @IsText(100)
  ownerId!: string;
}

export const assignOwner = defineCommand({
  name: 'AssignOwner',
  summary: 'Hand the client to another owner (OwnerAssigned)',
  http: { method: 'POST', path: '/customers/:id/owner', status: 201, tag: 'customers' },
  target: 'customer',
  permission: 'customer:assign-owner',
  body: AssignOwnerDto,
  decide: ({ id, body, context }, { load }) =>
    decideOnCustomer(load, id, {
      type: 'AssignOwner',
      now: context.now,
      data: { customerId: id, ownerId: body.ownerId.trim() },
    }),
});
