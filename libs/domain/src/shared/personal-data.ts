declare const sealedBrand: unique symbol;

/**
 * Personal data (names, e-mail addresses, phone numbers, free text) as it is stored in
 * events: encrypted with the customer's own data key by libs/privacy. The domain never
 * sees plaintext, and the type makes it impossible to put a plain string where personal
 * data belongs.
 */
export type Sealed = string & { readonly [sealedBrand]: true };

export const SEALED_PREFIX = 'enc:';

export function isSealed(value: unknown): value is Sealed {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}
