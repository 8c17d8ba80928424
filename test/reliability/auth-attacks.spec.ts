// Attacks on authentication and authorisation: forged, tampered, expired and algorithm-confused
// JWTs, malformed Authorization headers, tokens where no token is read, and API keys of other
// roles on admin routes. Every attempt is denied (401 or 403), a 401 records nothing, every 403
// is in the audit trail (GET /audit/denials), and the key comparison looks at every key.
// Tokens that never expire, live too long, or come from another issuer or for another
// audience are refused with their reason; API keys configured as hashes work like keys.
import { createHash, createHmac } from 'node:crypto';
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Authenticator, AuthenticationError } from '@rapport/platform';
import type { HttpResponse } from '@rapport/testing';
import {
  startTestApi,
  TEST_JWT_SECRET,
  TEST_TOKENS,
  type TestApi,
  type TestRole,
} from '../support/api-harness';
import { createLead } from '../support/world';
import { eventually } from '../support/webhook-receiver';

const b64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A JWT assembled by hand: any header, any payload, any signing key and algorithm. */
function forge(
  header: Record<string, unknown>,
  /** Claims, or the payload's raw text. */
  payload: Record<string, unknown> | string,
  sign?: { key: string; hash: 'sha256' | 'sha384' | 'sha512' },
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = sign ? createHmac(sign.hash, sign.key).update(input).digest('base64url') : '';
  return `${input}.${signature}`;
}

const now = () => Math.floor(Date.now() / 1000);
// With an expiry, so each forged token below is refused for the flaw it names, not for lacking exp.
const ADMIN_CLAIMS = { sub: 'mallory', roles: ['admin'], exp: now() + 300 };
/** Signed with the test secret: valid but for what the claims get wrong. */
const signed = (claims: Record<string, unknown>) =>
  jwt.sign({ exp: now() + 300, ...claims }, TEST_JWT_SECRET);

describe('authentication attacks', () => {
  let api: TestApi;
  let customerId: string;
  beforeAll(async () => {
    api = await startTestApi();
    customerId = await createLead(api.client);
  });
  afterAll(() => api.close());

  /** Sends a request with this exact Authorization header (or none). */
  const attempt = (
    authorization: string | undefined,
    method: 'GET' | 'POST',
    path: string,
    extra: Record<string, string> = {},
  ) =>
    api.client.anonymous.send(method, path, method === 'POST' ? {} : undefined, {
      headers: { ...(authorization !== undefined && { authorization }), ...extra },
    });

  const legit = jwt.sign({ sub: 'jwt-sales', roles: ['sales'] }, TEST_JWT_SECRET, {
    algorithm: 'HS256',
    expiresIn: 300,
  });
  const [legitHeader, , legitSignature] = legit.split('.');

  const forgedTokens: Record<string, string> = {
    'roles escalated in the payload, signature kept': `${legitHeader}.${b64url({ sub: 'jwt-sales', roles: ['admin'], exp: now() + 300 })}.${legitSignature}`,
    'sub changed in the payload, signature kept': `${legitHeader}.${b64url({ sub: 'admin-user', roles: ['sales'], exp: now() + 300 })}.${legitSignature}`,
    'signature stripped': `${legitHeader}.${legit.split('.')[1]}.`,
    'signature of another token': `${legitHeader}.${b64url(ADMIN_CLAIMS)}.${legitSignature}`,
    'expired an hour ago': jwt.sign({ ...ADMIN_CLAIMS, exp: now() - 3600 }, TEST_JWT_SECRET),
    'expired a second ago': jwt.sign({ ...ADMIN_CLAIMS, exp: now() - 1 }, TEST_JWT_SECRET),
    'not valid before next hour': jwt.sign(
      { ...ADMIN_CLAIMS, nbf: now() + 3600, exp: now() + 7200 },
      TEST_JWT_SECRET,
    ),
    'no exp (it would never expire)': jwt.sign(
      { sub: 'mallory', roles: ['admin'] },
      TEST_JWT_SECRET,
    ),
    'valid for a year': jwt.sign({ sub: 'mallory', roles: ['admin'] }, TEST_JWT_SECRET, {
      expiresIn: '365d',
    }),
    'issued ten years ahead, for a minute': signed({
      ...ADMIN_CLAIMS,
      iat: now() + 10 * 365 * 86_400,
      exp: now() + 10 * 365 * 86_400 + 60,
    }),
    'alg none, no signature': forge({ alg: 'none', typ: 'JWT' }, ADMIN_CLAIMS),
    'alg None, no signature': forge({ alg: 'None', typ: 'JWT' }, ADMIN_CLAIMS),
    'alg NONE with a bogus signature': `${forge({ alg: 'NONE' }, ADMIN_CLAIMS)}c2ln`,
    'alg none, signed with the secret anyway': forge({ alg: 'none' }, ADMIN_CLAIMS, {
      key: TEST_JWT_SECRET,
      hash: 'sha256',
    }),
    'RS256 claimed, HMAC-signed with the secret (algorithm confusion)': forge(
      { alg: 'RS256', typ: 'JWT' },
      ADMIN_CLAIMS,
      { key: TEST_JWT_SECRET, hash: 'sha256' },
    ),
    'ES256 claimed, HMAC-signed with the secret': forge({ alg: 'ES256' }, ADMIN_CLAIMS, {
      key: TEST_JWT_SECRET,
      hash: 'sha256',
    }),
    'HS512 with the right secret (only HS256 is accepted)': forge({ alg: 'HS512' }, ADMIN_CLAIMS, {
      key: TEST_JWT_SECRET,
      hash: 'sha512',
    }),
    'HS384 with the right secret': forge({ alg: 'HS384' }, ADMIN_CLAIMS, {
      key: TEST_JWT_SECRET,
      hash: 'sha384',
    }),
    'HS256 with a wrong secret': jwt.sign(
      ADMIN_CLAIMS,
      'a-wrong-secret-of-at-least-32-characters!',
    ),
    'HS256 with an empty secret': forge({ alg: 'HS256' }, ADMIN_CLAIMS, {
      key: '',
      hash: 'sha256',
    }),
    'HS256 with the secret in a kid header only': forge(
      { alg: 'HS256', kid: TEST_JWT_SECRET },
      ADMIN_CLAIMS,
      { key: 'attacker', hash: 'sha256' },
    ),
    'roles as a string': signed({ sub: 'mallory', roles: 'admin' }),
    'an unknown role': signed({ sub: 'mallory', roles: ['root'] }),
    'a role with a trailing space': signed({ sub: 'mallory', roles: ['admin '] }),
    'roles nested in an object': signed({ sub: 'mallory', roles: [{ role: 'admin' }] }),
    'no sub': signed({ roles: ['admin'] }),
    'an empty sub': signed({ sub: '', roles: ['admin'] }),
    'a numeric sub': forge(
      { alg: 'HS256' },
      { sub: 42, roles: ['admin'], exp: now() + 300 },
      {
        key: TEST_JWT_SECRET,
        hash: 'sha256',
      },
    ),
    'a payload that is not JSON': forge({ alg: 'HS256' }, 'not json', {
      key: TEST_JWT_SECRET,
      hash: 'sha256',
    }),
    'a payload that is a JSON string': forge({ alg: 'HS256' }, '"admin"', {
      key: TEST_JWT_SECRET,
      hash: 'sha256',
    }),
    'three garbage segments': 'a.b.c',
    'four segments': `${legit}.extra`,
    'a huge token': 'x'.repeat(8_000),
  };

  it.each(Object.entries(forgedTokens))(
    'refuses a JWT with %s (401, nothing recorded)',
    async (_, token) => {
      const before = await api.eventStore.headPosition();
      for (const [method, path] of [
        ['GET', '/admin/projections'],
        ['POST', `/customers/${customerId}/erasure`],
        ['POST', '/customers'],
      ] as const) {
        const response = await attempt(`Bearer ${token}`, method, path);
        expect({ path, status: response.status, code: response.body.code }).toEqual({
          path,
          status: 401,
          code: 'UNAUTHENTICATED',
        });
        expect(response.headers['www-authenticate']).toBe('Bearer');
      }
      expect(await api.eventStore.headPosition()).toBe(before);
    },
  );

  const malformedHeaders: Record<string, string | undefined> = {
    'no Authorization header': undefined,
    'an empty header': '',
    'the scheme alone': 'Bearer',
    'the scheme and a space': 'Bearer ',
    'two spaces before the token': `Bearer  ${TEST_TOKENS.admin}`,
    'a tab instead of the space': `Bearer\t${TEST_TOKENS.admin}`,
    'a second word after the token': `Bearer ${TEST_TOKENS.admin} ${TEST_TOKENS.admin}`,
    'two tokens separated by a comma': `Bearer ${TEST_TOKENS.sales},${TEST_TOKENS.admin}`,
    'the token without a scheme': TEST_TOKENS.admin,
    'Basic credentials': `Basic ${Buffer.from(`admin:${TEST_TOKENS.admin}`).toString('base64')}`,
    'the Token scheme': `Token ${TEST_TOKENS.admin}`,
    'a Digest header': 'Digest username="admin", response="x"',
    'a quoted token': `Bearer "${TEST_TOKENS.admin}"`,
    'a truncated admin key': `Bearer ${TEST_TOKENS.admin.slice(0, -1)}`,
    'an admin key with one more character': `Bearer ${TEST_TOKENS.admin}x`,
    'an admin key in another case': `Bearer ${TEST_TOKENS.admin.toUpperCase()}`,
    'a one-character token': 'Bearer x',
    'unicode in the token': 'Bearer t\u00f6ken\u202e',
  };

  it.each(Object.entries(malformedHeaders))(
    'refuses %s (401, nothing recorded)',
    async (_, authorization) => {
      const before = await api.eventStore.headPosition();
      for (const [method, path] of [
        ['GET', '/admin/projections'],
        ['POST', '/customers'],
      ] as const) {
        const response = await attempt(authorization, method, path);
        expect({ path, status: response.status, code: response.body.code }).toEqual({
          path,
          status: 401,
          code: 'UNAUTHENTICATED',
        });
      }
      expect(await api.eventStore.headPosition()).toBe(before);
    },
  );

  it('never reads a token from the query string, a cookie or another header', async () => {
    const before = await api.eventStore.headPosition();
    const admin = TEST_TOKENS.admin;
    const tries: { path: string; headers?: Record<string, string> }[] = [
      { path: `/admin/projections?access_token=${admin}` },
      { path: `/admin/projections?token=${admin}` },
      { path: `/admin/projections?api_key=${admin}` },
      { path: `/admin/projections?authorization=Bearer%20${admin}` },
      { path: `/admin/projections?Authorization=Bearer+${admin}` },
      { path: '/admin/projections', headers: { cookie: `authorization=Bearer ${admin}` } },
      { path: '/admin/projections', headers: { cookie: `token=${admin}; access_token=${admin}` } },
      { path: '/admin/projections', headers: { 'x-api-key': admin } },
      { path: '/admin/projections', headers: { 'x-access-token': admin } },
      { path: '/admin/projections', headers: { 'proxy-authorization': `Bearer ${admin}` } },
      { path: '/admin/projections', headers: { 'x-forwarded-user': 'admin-user' } },
    ];
    for (const { path, headers } of tries) {
      const response = await attempt(undefined, 'GET', path, headers);
      expect({ path, headers, status: response.status }).toEqual({ path, headers, status: 401 });
    }
    const write = await attempt(undefined, 'POST', `/customers?access_token=${TEST_TOKENS.sales}`);
    expect(write.status).toBe(401);
    expect(await api.eventStore.headPosition()).toBe(before);
  });

  it('refuses every role but admin on admin routes and erasure (403), and records every refusal', async () => {
    const adminRoutes = [
      ['GET', '/admin/projections'],
      ['GET', '/admin/projections/customer-360/parked'],
      ['POST', '/admin/projections/customer-360/rebuild'],
      ['POST', `/admin/projections/customer-360/parked/${customerId}/release`],
      ['POST', `/customers/${customerId}/erasure`],
    ] as const;
    const roles: TestRole[] = ['sales', 'support', 'analyst', 'auditor', 'service', 'nobody'];
    const before = await api.eventStore.headPosition();
    const refused: { correlationId: string; actor: string; path: string }[] = [];
    let n = 0;
    for (const role of roles) {
      for (const [method, path] of adminRoutes) {
        const correlationId = `denial-${role}-${n++}`;
        const body = path.endsWith('/erasure') ? { reason: 'sneaky' } : {};
        const response = await api.client
          .as(role)
          .send(method, path, method === 'POST' ? body : undefined, {
            headers: { 'x-correlation-id': correlationId, 'x-purpose': 'escalation-test' },
          });
        expect({ role, path, status: response.status, code: response.body.code }).toEqual({
          role,
          path,
          status: 403,
          code: 'FORBIDDEN',
        });
        refused.push({ correlationId, actor: `${role}-user`, path });
      }
    }
    // A validly signed JWT whose roles do not reach admin is refused and recorded the same way.
    const salesJwt = signed({ sub: 'jwt-rep', roles: ['sales', 'support', 'analyst'] });
    const viaJwt = await attempt(`Bearer ${salesJwt}`, 'GET', '/admin/projections', {
      'x-correlation-id': 'denial-jwt',
    });
    expect(viaJwt.status).toBe(403);
    refused.push({ correlationId: 'denial-jwt', actor: 'jwt-rep', path: '/admin/projections' });

    // Exactly one AccessDenied per refusal, and nothing else: no erasure, no rebuild, no release.
    const appended = await api.eventStore.readAll({ after: before, limit: 1000 });
    expect(appended.map((e) => e.type)).toEqual(refused.map(() => 'AccessDenied'));
    const view = await eventually(
      () => api.client.as('sales').get(`/customers/${customerId}`),
      (read) => read.status === 200,
    );
    expect(view.body.status).toBe('lead');

    const head = await api.eventStore.headPosition();
    const denials: {
      correlationId: string;
      actor: string;
      permission: string;
      request: unknown;
    }[] = [];
    for (let cursor: string | null = null; ;) {
      const page: HttpResponse = await api.client
        .as('auditor')
        .get(`/audit/denials?limit=1000&minPosition=${head}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      denials.push(...page.body.entries);
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    for (const refusal of refused) {
      const entry = denials.find((d) => d.correlationId === refusal.correlationId);
      expect({ refusal, recorded: entry !== undefined, actor: entry?.actor }).toEqual({
        refusal,
        recorded: true,
        actor: refusal.actor,
      });
      expect(entry!.permission).toMatch(/^(admin:operate|customer:erase)$/);
    }
  });

  it('compares a presented API key against every configured key, whichever matches', () => {
    // A structural check of the constant-time comparison (not a timing measurement): no early
    // exit on a match, and fixed-length digests so no comparison can throw or short-circuit.
    const keys: Record<string, { actor: string; roles: ['sales'] }> = {};
    for (let i = 0; i < 9; i++)
      keys[`key-number-${i}-padding-to-16`] = { actor: `a${i}`, roles: ['sales'] };
    const authenticator = new Authenticator(keys, {
      secret: TEST_JWT_SECRET,
      issuers: [],
      audiences: [],
      maxLifetimeSeconds: 3600,
    });
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
      const expected = Object.keys(keys).map(digest).sort();
      const presented = [
        'key-number-0-padding-to-16', // the first key
        'key-number-8-padding-to-16', // the last key
        'not-a-key-at-all-but-long', // no key
        'x', // very short
        'y'.repeat(5000), // very long
        legit, // a JWT: keys are compared before the JWT is verified
      ];
      for (const token of presented) {
        spy.mockClear();
        let actor: string | undefined;
        try {
          actor = authenticator.authenticate(`Bearer ${token}`).actor.id;
        } catch (error) {
          if (!(error instanceof AuthenticationError)) throw error;
        }
        // The key comparisons: the presented token's digest against each configured digest
        // (a JWT's own signature check by jsonwebtoken may add calls of its own).
        const hex = (b: unknown) => Buffer.from(b as Uint8Array).toString('hex');
        const compared = spy.mock.calls
          .filter(([presentedDigest]) => hex(presentedDigest) === digest(token))
          .map(([, key]) => hex(key));
        expect({ token: token.slice(0, 30), compared: [...compared].sort() }).toEqual({
          token: token.slice(0, 30),
          compared: expected,
        });
        if (token.startsWith('key-number-')) expect(actor).toBe(`a${token[11]}`);
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('compares against every configured key on a real request too', async () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      const configured = Object.values(TEST_TOKENS).map((t) =>
        createHash('sha256').update(t).digest('hex'),
      );
      for (const token of [TEST_TOKENS.sales, TEST_TOKENS.admin, 'definitely-not-a-key-0001']) {
        spy.mockClear();
        await api.client.withToken(token).get('/pipeline');
        const compared = spy.mock.calls.map(([, key]) =>
          Buffer.from(key as Uint8Array).toString('hex'),
        );
        expect([...compared].sort()).toEqual([...configured].sort());
      }
    } finally {
      spy.mockRestore();
    }
  });
});

describe('token policy: expiry, lifetime, issuer, audience, hashed API keys', () => {
  const ISSUER = 'https://idp.example.com';
  const AUDIENCE = 'rapport';
  const BILLING_KEY = 'a-service-key-known-only-to-billing-0001';
  const issuedAt = now();
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({
      env: {
        CRM_JWT_ISSUER: ISSUER,
        CRM_JWT_AUDIENCE: AUDIENCE,
        CRM_JWT_MAX_LIFETIME_SECONDS: '900',
        // The configuration holds the key's SHA-256 only: nothing in it can be presented.
        CRM_API_KEYS: JSON.stringify({
          [`sha256:${createHash('sha256').update(BILLING_KEY).digest('hex')}`]: {
            actor: 'billing',
            roles: ['service'],
          },
        }),
      },
    });
  });
  afterAll(() => api.close());

  const createAs = (token: string) =>
    api.client.withToken(token).post('/customers', { name: 'Jo', source: 'token-policy' });
  /** A sales JWT from the issuer for the audience, with these claims changed (undefined: left out). */
  const jwtWith = (changes: Record<string, unknown>) => {
    const claims: Record<string, unknown> = {
      sub: 'jwt-rep',
      roles: ['sales'],
      iss: ISSUER,
      aud: AUDIENCE,
      ...changes,
    };
    for (const [name, value] of Object.entries(claims))
      if (value === undefined) delete claims[name];
    return jwt.sign(claims, TEST_JWT_SECRET, { noTimestamp: !('iat' in claims) });
  };

  it('accepts a JWT from the configured issuer, for the configured audience, within the lifetime', async () => {
    const created = await createAs(jwtWith({ exp: now() + 600 }));
    expect(created.status).toBe(201);
    const stored = await api.eventStore.readStream(`customer-${created.body.customerId}`);
    expect(stored.events[0]!.metadata.actor.id).toBe('jwt-rep');
  });

  it.each([
    ['without exp', {}, 'invalid token: the exp (expiry) claim is required'],
    [
      'valid longer than the configured maximum',
      { iat: issuedAt, exp: issuedAt + 3600 },
      'invalid token: it is valid for 3600 s, more than the accepted maximum of 900 s',
    ],
    [
      'from another issuer',
      { exp: now() + 600, iss: 'https://evil.example.com' },
      'invalid token: the iss (issuer) claim is not an accepted issuer',
    ],
    [
      'without an issuer',
      { exp: now() + 600, iss: undefined },
      'invalid token: the iss (issuer) claim is required',
    ],
    [
      'for another audience',
      { exp: now() + 600, aud: 'billing' },
      'invalid token: the aud (audience) claim names no accepted audience',
    ],
    [
      'without an audience',
      { exp: now() + 600, aud: undefined },
      'invalid token: the aud (audience) claim is required',
    ],
  ])('refuses a JWT %s with 401 and its reason, recording nothing', async (_, claims, reason) => {
    const before = await api.eventStore.headPosition();
    const response = await createAs(jwtWith(claims));
    expect({
      status: response.status,
      code: response.body.code,
      message: response.body.message,
    }).toEqual({
      status: 401,
      code: 'UNAUTHENTICATED',
      message: reason,
    });
    expect(await api.eventStore.headPosition()).toBe(before);
  });

  it('accepts an API key configured as its SHA-256, and refuses the hash presented as a key', async () => {
    const created = await createAs(BILLING_KEY);
    expect(created.status).toBe(201);
    const stored = await api.eventStore.readStream(`customer-${created.body.customerId}`);
    expect(stored.events[0]!.metadata.actor).toEqual({
      id: 'billing',
      roles: ['service'],
      kind: 'service',
    });
    const hash = createHash('sha256').update(BILLING_KEY).digest('hex');
    for (const token of [`sha256:${hash}`, hash]) {
      const refused = await createAs(token);
      expect({ status: refused.status, message: refused.body.message }).toEqual({
        status: 401,
        message: 'invalid token',
      });
    }
  });
});
