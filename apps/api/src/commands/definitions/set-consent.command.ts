import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, Matches } from 'class-validator';
import { defineCommand } from '../command-definition';
import { decideOnCustomer } from './decide-on-streams';

export class SetConsentDto {
  @ApiProperty({ example: 'marketing' })
  @Matches(/^[a-z0-9][a-z0-9_.-]{0,63}$/i, {
    message: 'purpose must be a short identifier such as marketing or profiling',
  })
  purpose!: string;

  @ApiProperty()
  @IsBoolean()
  granted!: boolean;
}

export const setConsent = defineCommand({
  name: 'SetConsent',
  summary: 'Grant or revoke consent for a purpose (ConsentGranted / ConsentRevoked)',
  http: { method: 'POST', path: '/customers/:id/consents', status: 201, tag: 'customers' },
  target: 'customer',
  permission: 'customer:consent',
  body: SetConsentDto,
  decide: ({ id, body, context }, { load }) =>
    decideOnCustomer(load, id, {
      type: 'SetConsent',
      now: context.now,
      data: { customerId: id, purpose: body.purpose.toLowerCase(), granted: body.granted },
    }),
});
