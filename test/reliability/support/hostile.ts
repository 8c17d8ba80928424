// Hostile input for the API, as fast-check arbitraries: JSON-ish trees serialised by hand (so
// that raw tokens like 1e309 or NaN, duplicate keys and __proto__ keys reach the parser as
// written), unicode edge cases, path segments, query strings and header values.
import fc from 'fast-check';

/** A token written into the body text verbatim (may make the JSON invalid on purpose). */
export class Raw {
  constructor(readonly text: string) {}
}
/** An object as an ordered list of entries: keys may repeat or be __proto__. */
export class Obj {
  constructor(readonly entries: [string, Json][]) {}
}
export type Json = null | boolean | number | string | Raw | Obj | Json[];

export function serialize(value: Json): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj)
    return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  // JSON.stringify writes lone surrogates as \udxxx escapes: they reach the server as sent.
  return JSON.stringify(value) ?? 'null';
}

/** Characters that break naive text handling. */
export const EDGE_CHARS = [
  '\ud800', // lone high surrogate
  '\udbff',
  '\udc00', // lone low surrogate
  '\udfff',
  '\u0000', // NUL
  '\u202e', // right-to-left override
  '\u200f', // right-to-left mark
  '\u200b', // zero-width space
  '\u200d', // zero-width joiner
  '\ufeff', // byte order mark
  '\uffff', // noncharacter
  '\u2028', // line separator
  '\u0085', // next line
  '\u001b', // escape
  '\u0301', // combining acute accent
  '\ud83d\ude00', // an astral code point (emoji)
  'ﷺ',
  '\\',
  '"',
  '%',
  '/',
  '..',
  '\r\n',
];

export const edgeChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_CHARS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);

/** Text full of unicode edge cases (lone surrogates, RTL, zero-width, NUL...). */
export const edgeText = (maxLength = 40) => fc.string({ unit: edgeChar, minLength: 0, maxLength });

/** Names that have a meaning on Object.prototype. */
export const DANGEROUS_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
];

/** Number tokens as text: some JSON can carry, some it cannot. */
export const NUMBER_TOKENS = [
  '0',
  '-0',
  '-1',
  '1e309',
  '-1e309',
  '1e-400',
  '5e-324',
  '1e-9',
  '0.001',
  '1.005',
  '9007199254740993',
  '1e21',
  '1e300',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '01',
  '.5',
  '5.',
  '1_000',
  '+1',
];

/** A value of the wrong kind for almost any field. */
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(...NUMBER_TOKENS).map((t) => new Raw(t)),
  edgeText(),
  fc.constantFrom('', ' ', '\t', 'null', 'true', '{}', '[]', 'undefined'),
  fc.array(fc.oneof(fc.integer(), edgeText(5), fc.constant(null)), { maxLength: 4 }),
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), edgeText(8)), fc.integer()), {
      maxLength: 3,
    })
    .map((entries) => new Obj(entries)),
  fc.integer({ min: 201, max: 20_000 }).map((n) => 'x'.repeat(n)),
);

/** A body nested `depth` levels deep, as text (arrays, objects or both). */
export function deepText(depth: number, kind: 'array' | 'object' | 'mixed'): string {
  let text = '1';
  for (let i = 0; i < depth; i++) {
    const array = kind === 'array' || (kind === 'mixed' && i % 2 === 0);
    text = array ? `[${text}]` : `{"a":${text}}`;
  }
  return text;
}

/** Malformed JSON texts. */
export const malformedJson = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '}',
    '{"a":',
    '{"a" 1}',
    "{'a':1}",
    '{"a":1,}',
    '[1,2',
    'nul',
    '{"a":"\\x"}',
    '{"a":"\\ud800',
    '\u0000',
    '{"a":1}{"b":2}',
    '{"a":1} trailing',
    '\ufeff{"a":1}',
    '{"a":01}',
    '{a:1}',
  ),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }),
);

/** Path segments that name no record, or try to escape the route. */
export const hostileSegment = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '%2F',
    '%00',
    '%',
    '%zz',
    '__proto__',
    'constructor',
    'prototype',
    '0',
    '-1',
    'null',
    'undefined',
    'NaN',
    '00000000-0000-0000-0000-000000000000',
    'AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA',
    '00000000-0000-0000-0000-0000000000000',
    '%20',
    '%E2%80%AE',
    '%EF%BB%BF',
    '%ED%A0%80', // an encoded lone surrogate (invalid UTF-8)
    '%C0%AF', // overlong slash
    ';',
    '*',
  ),
  edgeText(20).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
  fc.integer({ min: 90, max: 400 }).map((n) => 'a'.repeat(n)),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.uuid().map((u) => `${u}x`),
);

/** A query-string value: valid-looking, or hostile. */
export const hostileQueryValue = fc.oneof(
  fc.constantFrom(
    '',
    '-1',
    '1.5',
    'NaN',
    'Infinity',
    '1e309',
    'true',
    '[]',
    '{}',
    '__proto__',
    'lead',
    'customer',
    'EUR',
    'eur',
    'XXX',
    'marketing',
    '2026-01-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-01-01',
    '+275760-09-13T00:00:00.001Z',
    'retry',
    'skip',
    '%',
    '%zz',
    '%00',
  ),
  edgeText(12).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
  fc.string({ unit: 'binary-ascii', maxLength: 12 }).map(encodeURIComponent),
  fc.integer({ min: 100, max: 5000 }).map((n) => 'q'.repeat(n)),
);

export const QUERY_KEYS = [
  'minPosition',
  'limit',
  'cursor',
  'status',
  'ownerId',
  'segment',
  'currency',
  'purpose',
  'at',
  'mode',
  'access_token',
  'token',
  '__proto__',
  '__proto__[polluted]',
  'constructor[prototype][polluted]',
  'a[]',
  'limit[]',
];

/**
 * A query string. minPosition never names a position the read models have not reached: that
 * would be a legitimate 5 s wait and 503 (READ_MODEL_BEHIND), tested on its own.
 */
export const hostileQuery = fc
  .oneof(
    {
      weight: 5,
      arbitrary: fc.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), hostileQueryValue), {
        maxLength: 6,
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 100, max: 3000 })
        .map((n) => Array.from({ length: n }, (_, i): [string, string] => [`p${i}`, String(i)])),
    },
    {
      weight: 1,
      arbitrary: fc.array(
        fc.tuple(
          edgeText(6).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
          hostileQueryValue,
        ),
        { maxLength: 5 },
      ),
    },
  )
  .map((pairs) =>
    pairs
      .map(([k, v]): [string, string] => [
        k,
        k.startsWith('minPosition') && isReachablePositionHazard(v) ? '0' : v,
      ])
      .map(([k, v]) => `${k}=${v}`)
      .join('&'),
  );

/** A value class-transformer would turn into a non-negative integer above 1. */
function isReachablePositionHazard(value: string): boolean {
  let decoded = value;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return false;
  }
  const n = Number(decoded);
  return Number.isInteger(n) && n > 1;
}

/** Header values: what an HTTP/1.1 client can put on the wire (no CR/LF, latin1 only). */
export const headerValue = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '-2',
    '"3"',
    'W/"0"',
    '*',
    '1, 2',
    '999999999999999999999',
    '1e3',
    'NaN',
    'null',
    'a'.repeat(201),
    'x'.repeat(4000),
    '__proto__',
    '\t',
    'ÿþ',
  ),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
  fc
    .string({ unit: 'binary-ascii', maxLength: 30 })
    // Header values may hold tab but no other control character.
    .map((s) => [...s].filter((ch) => ch === '\t' || (ch >= ' ' && ch !== '\u007f')).join('')),
);
