import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, Matches, MaxLength, ValidateIf } from 'class-validator';
import { defineCommand } from '../command-definition';
import { IsText, Omittable, PHONE_MESSAGE, PHONE_PATTERN } from '../validators';
import { decideOnCustomer } from './decide-on-streams';

/** A correction of the profile: only the fields given change; null removes an optional one. */
export class CorrectProfileDto {
  @ApiPropertyOptional({ description: 'personal data' })
  @Omittable()
  @IsText(200)
  name?: string;

  @ApiPropertyOptional({ nullable: true, description: 'personal data; null removes it' })
  @Omittable()
  @ValidateIf((_, value) => value !== null)
  @IsEmail()
  @MaxLength(254)
  email?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'personal data; null removes it' })
  @Omittable()
  @ValidateIf((_, value) => value !== null)
  @Matches(PHONE_PATTERN, { message: PHONE_MESSAGE })
  phone?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @Omittable()
  @ValidateIf((_, value) => value !== null)
  @IsText(200)
  company?: string | null;
}

/** A correction re-seals the personal fields it changes; the actor is in the envelope. */
export const correctProfile = defineCommand({
  name: 'CorrectProfile',
  summary: "Correct the client's profile (CustomerProfileCorrected); null removes a field",
  http: { method: 'PATCH', path: '/customers/:id', status: 200, tag: 'customers' },
  target: 'customer',
  permission: 'customer:correct',
  body: CorrectProfileDto,
  decide: ({ id, body, context }, { load, seal }) =>
    decideOnCustomer(load, id, {
      type: 'CorrectProfile',
      now: context.now,
      data: {
        customerId: id,
        changes: {
          ...(body.name !== undefined && { name: seal(body.name.trim()) }),
          ...(body.email !== undefined && {
            email: body.email === null ? null : seal(body.email.trim()),
          }),
          ...(body.phone !== undefined && {
            phone: body.phone === null ? null : seal(body.phone.trim()),
          }),
          ...(body.company !== undefined && {
            company: body.company === null ? null : body.company.trim(),
          }),
        },
      },
    }),
});
