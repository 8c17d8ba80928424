import { ApiProperty } from '@nestjs/swagger';
import { defineCommand } from '../command-definition';
import { IsText } from '../validators';
import { decideOnCustomer } from './decide-on-streams';

export class ChurnCustomerDto {
  @ApiProperty({ example: 'moved to a competitor' })
  @IsText(500)
  reason!: string;
}

export const churnCustomer = defineCommand({
  name: 'ChurnCustomer',
  summary: 'Record that the client churned (CustomerChurned)',
  http: { method: 'POST', path: '/customers/:id/churn', status: 201, tag: 'customers' },
  target: 'customer',
  permission: 'customer:churn',
  body: ChurnCustomerDto,
  decide: ({ id, body, context }, { load }) =>
    decideOnCustomer(load, id, {
      type: 'ChurnCustomer',
      now: context.now,
      data: { customerId: id, reason: body.reason.trim() },
    }),
});
