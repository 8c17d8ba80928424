import { invalid } from './domain-error';

/**
 * Active ISO 4217 currency codes with their minor-unit exponents (decimal places).
 * Fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) and precious metals are left out:
 * deals are priced in money. ANG stays beside its successor XCG while both circulate.
 */
const MINOR_UNITS: Readonly<Record<string, number>> = (() => {
  const table: Record<string, number> = {};
  const twoDecimals =
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN ' +
    'BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP ' +
    'GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP ' +
    'LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR ' +
    'NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN ' +
    'SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VED VES WST XCD XCG YER ZAR ' +
    'ZMW ZWG';
  for (const code of twoDecimals.split(' ')) table[code] = 2;
  for (const code of 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(
    ' ',
  ))
    table[code] = 0;
  for (const code of 'BHD IQD JOD KWD LYD OMR TND'.split(' ')) table[code] = 3;
  return Object.freeze(table);
})();

export function isIsoCurrency(code: unknown): code is string {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(MINOR_UNITS, code);
}

export function minorUnits(currency: string): number {
  const exponent = MINOR_UNITS[currency];
  if (exponent === undefined) throw new Error(`Not an ISO 4217 currency: ${currency}`);
  return exponent;
}

/** Amounts are summed in integer minor units so that totals never drift (0.1 + 0.2). */
export function toMinor(amount: number, currency: string): number {
  return Math.round(amount * 10 ** minorUnits(currency));
}

export function fromMinor(minor: number, currency: string): number {
  return minor / 10 ** minorUnits(currency);
}

/**
 * Checks a monetary amount the way a finance team would: positive, finite, in a known
 * currency and with no more decimals than the currency has.
 */
export function assertValidMoney(amount: number, currency: string): void {
  if (!isIsoCurrency(currency)) {
    throw invalid('INVALID_CURRENCY', `"${currency}" is not an ISO 4217 currency code`, {
      currency,
    });
  }
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) {
    throw invalid('INVALID_AMOUNT', 'amount must be a finite number greater than 0', { amount });
  }
  const scaled = amount * 10 ** minorUnits(currency);
  if (Math.abs(scaled - Math.round(scaled)) > 1e-6) {
    throw invalid(
      'INVALID_AMOUNT_PRECISION',
      `${currency} amounts have at most ${minorUnits(currency)} decimal places`,
      { amount, currency },
    );
  }
  // Tiny positive amounts (5e-324) pass the precision check but are 0 in minor units.
  if (Math.round(scaled) < 1) {
    throw invalid(
      'INVALID_AMOUNT',
      `amount must be at least one minor unit of ${currency} (${10 ** -minorUnits(currency)})`,
      { amount, currency },
    );
  }
  if (!Number.isSafeInteger(Math.round(scaled))) {
    throw invalid('INVALID_AMOUNT', 'amount is too large', { amount });
  }
}
