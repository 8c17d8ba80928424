import { Injectable } from '@nestjs/common';
import type { Sealed } from '@rapport/domain';
import { seesPersonalData, type Principal } from '@rapport/platform';
import { PersonalDataCipher } from '@rapport/privacy';

/** What a masked personal field reads as. */
export const MASKED = '[masked]';

/** Shows one client's personal fields to one caller: opened, or masked. */
export interface PersonalFields {
  readonly masked: boolean;
  show(value: Sealed | null | undefined): string | null;
}

/**
 * The one place that decides whether a caller sees personal data in clear (roles in
 * libs/platform seesPersonalData) and opens it. Masked callers never cause a decryption.
 */
@Injectable()
export class PersonalDataPresenter {
  constructor(private readonly cipher: PersonalDataCipher) {}

  forCustomer(principal: Principal, customerId: string): Promise<PersonalFields> {
    return this.forRoles(principal.actor.roles, customerId);
  }

  /** As a caller with these roles would see the client's data (audit replays of a view). */
  async forRoles(roles: readonly string[], customerId: string): Promise<PersonalFields> {
    if (!seesPersonalData(roles)) {
      return { masked: true, show: (value) => (value ? MASKED : null) };
    }
    const open = await this.cipher.opener(customerId);
    return { masked: false, show: (value) => open(value) };
  }
}
