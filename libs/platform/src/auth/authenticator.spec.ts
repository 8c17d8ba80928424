import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { JwtPolicy } from '../config/app-config';
import { AuthenticationError, Authenticator } from './authenticator';
import { isAllowed, seesPersonalData } from './permissions';

const secret = 'a-test-secret-that-is-long-enough-for-hs256';
const DAY = 24 * 60 * 60;
const policy = (overrides: Partial<JwtPolicy> = {}): JwtPolicy => ({
  secret,
  issuers: [],
  audiences: [],
  maxLifetimeSeconds: DAY,
  ...overrides,
});
const authenticator = new Authenticator(
  {
    'sales-key-0123456789': { actor: 'alice', roles: ['sales'] },
    'svc-key-0123456789ab': { actor: 'billing', roles: ['service'] },
  },
  policy(),
);

const now = () => Math.floor(Date.now() / 1000);
/** A token signed with the secret: these claims and no others (no iat unless given). */
const signed = (claims: Record<string, unknown>, key = secret) =>
  jwt.sign(claims, key, { algorithm: 'HS256', noTimestamp: !('iat' in claims) });
const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** The reason a 401 would carry, or 'accepted'. */
function outcome(auth: Authenticator, token: string): string {
  try {
    auth.authenticate(`Bearer ${token}`);
    return 'accepted';
  } catch (error) {
    if (error instanceof AuthenticationError) return error.reason;
    throw error;
  }
}

describe('authenticator', () => {
  it('accepts a configured API key', () => {
    expect(authenticator.authenticate('Bearer sales-key-0123456789')).toEqual({
      actor: { id: 'alice', roles: ['sales'], kind: 'user' },
      via: 'api-key',
    });
    expect(authenticator.authenticate('Bearer svc-key-0123456789ab').actor.kind).toBe('service');
  });

  it('accepts an HS256 JWT with sub, roles and exp', () => {
    const token = jwt.sign({ sub: 'bob', roles: ['analyst'] }, secret, {
      algorithm: 'HS256',
      expiresIn: 60,
    });
    expect(authenticator.authenticate(`Bearer ${token}`).actor).toEqual({
      id: 'bob',
      roles: ['analyst'],
      kind: 'user',
    });
  });

  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic c2FsZXM6a2V5'],
    ['an unknown key', 'Bearer not-a-configured-key'],
    [
      'a JWT signed with another secret',
      `Bearer ${signed({ sub: 'x', roles: ['admin'], exp: now() + 60 }, 'another-secret-another-secret-1234')}`,
    ],
    ['an expired JWT', `Bearer ${signed({ sub: 'x', roles: ['sales'], exp: now() - 10 })}`],
    [
      'an unsigned JWT (alg none)',
      `Bearer ${jwt.sign({ sub: 'x', roles: ['admin'], exp: now() + 60 }, '', { algorithm: 'none' })}`,
    ],
    ['a JWT without sub', `Bearer ${signed({ roles: ['sales'], exp: now() + 60 })}`],
    [
      'a JWT with an unknown role',
      `Bearer ${signed({ sub: 'x', roles: ['root'], exp: now() + 60 })}`,
    ],
  ])('refuses %s', (_, header) => {
    expect(() => authenticator.authenticate(header)).toThrow(AuthenticationError);
  });

  it('refuses a JWT whose payload was altered after signing', () => {
    const token = signed({ sub: 'eve', roles: ['sales'], exp: now() + 60 });
    const [head, , signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ sub: 'eve', roles: ['admin'], exp: now() + 60 }),
    ).toString('base64url');
    expect(() => authenticator.authenticate(`Bearer ${head}.${forged}.${signature}`)).toThrow(
      AuthenticationError,
    );
  });
});

describe('JWT lifetime', () => {
  it('refuses a JWT without exp, saying exp is required', () => {
    expect(outcome(authenticator, signed({ sub: 'bob', roles: ['sales'] }))).toBe(
      'invalid token: the exp (expiry) claim is required',
    );
    // jsonwebtoken adds iat by default: an iat alone does not make a token expire.
    expect(outcome(authenticator, jwt.sign({ sub: 'bob', roles: ['sales'] }, secret))).toBe(
      'invalid token: the exp (expiry) claim is required',
    );
  });

  it('says when an expired JWT expired', () => {
    const exp = now() - 30;
    expect(outcome(authenticator, signed({ sub: 'bob', roles: ['sales'], exp }))).toBe(
      `invalid token: expired at ${new Date(exp * 1000).toISOString()}`,
    );
  });

  it('accepts a lifetime up to the maximum and refuses one beyond it (exp - iat)', () => {
    const auth = new Authenticator({}, policy({ maxLifetimeSeconds: 3600 }));
    const iat = now() - 100;
    expect(outcome(auth, signed({ sub: 'bob', roles: ['sales'], iat, exp: iat + 3600 }))).toBe(
      'accepted',
    );
    expect(outcome(auth, signed({ sub: 'bob', roles: ['sales'], iat, exp: iat + 3601 }))).toBe(
      'invalid token: it is valid for 3601 s, more than the accepted maximum of 3600 s',
    );
  });

  it('measures a JWT without iat from now (exp - now)', () => {
    const auth = new Authenticator({}, policy({ maxLifetimeSeconds: 3600 }), () => 1_000_000_000);
    const at = 1_000_000;
    expect(outcome(auth, signed({ sub: 'bob', roles: ['sales'], exp: at + 3600 }))).toBe(
      'accepted',
    );
    expect(outcome(auth, signed({ sub: 'bob', roles: ['sales'], exp: at + 7200 }))).toMatch(
      /valid for 7200 s, more than the accepted maximum of 3600 s/,
    );
  });

  it('does not let an iat in the future stretch the validity beyond the maximum', () => {
    const auth = new Authenticator({}, policy({ maxLifetimeSeconds: 3600 }));
    const iat = now() + 10 * DAY;
    expect(outcome(auth, signed({ sub: 'bob', roles: ['sales'], iat, exp: iat + 60 }))).toMatch(
      /more than the accepted maximum of 3600 s/,
    );
  });

  it('refuses by default a JWT valid for more than 24 hours', () => {
    const token = jwt.sign({ sub: 'bob', roles: ['sales'] }, secret, { expiresIn: '25h' });
    expect(outcome(authenticator, token)).toMatch(/more than the accepted maximum of 86400 s/);
    const day = jwt.sign({ sub: 'bob', roles: ['sales'] }, secret, { expiresIn: '24h' });
    expect(outcome(authenticator, day)).toBe('accepted');
  });

  it('uses its clock for exp and nbf', () => {
    const at = 2_000_000_000;
    const auth = new Authenticator({}, policy(), () => at * 1000);
    expect(outcome(auth, signed({ sub: 'b', roles: ['sales'], exp: at + 1 }))).toBe('accepted');
    expect(outcome(auth, signed({ sub: 'b', roles: ['sales'], exp: at }))).toMatch(
      /^invalid token: expired at/,
    );
    expect(outcome(auth, signed({ sub: 'b', roles: ['sales'], exp: at + 60, nbf: at + 30 }))).toBe(
      `invalid token: not valid before ${new Date((at + 30) * 1000).toISOString()}`,
    );
  });
});

describe('JWT issuer and audience', () => {
  const auth = new Authenticator(
    {},
    policy({ issuers: ['https://idp.example.com'], audiences: ['rapport', 'crm'] }),
  );
  const claims = (extra: Record<string, unknown>) => ({
    sub: 'bob',
    roles: ['sales'],
    exp: now() + 60,
    ...extra,
  });

  it('accepts a token from a configured issuer for a configured audience', () => {
    expect(outcome(auth, signed(claims({ iss: 'https://idp.example.com', aud: 'rapport' })))).toBe(
      'accepted',
    );
    expect(
      outcome(auth, signed(claims({ iss: 'https://idp.example.com', aud: ['billing', 'crm'] }))),
    ).toBe('accepted');
  });

  it.each([
    ['no iss', { aud: 'rapport' }, 'invalid token: the iss (issuer) claim is required'],
    [
      'another issuer',
      { iss: 'https://evil.example.com', aud: 'rapport' },
      'invalid token: the iss (issuer) claim is not an accepted issuer',
    ],
    [
      'no aud',
      { iss: 'https://idp.example.com' },
      'invalid token: the aud (audience) claim is required',
    ],
    [
      'another audience',
      { iss: 'https://idp.example.com', aud: 'billing' },
      'invalid token: the aud (audience) claim names no accepted audience',
    ],
    [
      'an audience list without ours',
      { iss: 'https://idp.example.com', aud: ['billing', 'erp'] },
      'invalid token: the aud (audience) claim names no accepted audience',
    ],
  ])('refuses a token with %s', (_, extra, reason) => {
    expect(outcome(auth, signed(claims(extra)))).toBe(reason);
  });

  it('checks neither when none is configured', () => {
    expect(outcome(authenticator, signed(claims({ iss: 'anyone', aud: 'anything' })))).toBe(
      'accepted',
    );
  });
});

describe('hashed API keys', () => {
  const token = 'a-real-secret-api-key-0001';
  const auth = new Authenticator({
    [`sha256:${sha256(token)}`]: { actor: 'carol', roles: ['support'] },
    'plain-key-00000000001': { actor: 'dave', roles: ['sales'] },
  });

  it('accepts the token whose SHA-256 is configured, beside plain keys', () => {
    expect(auth.authenticate(`Bearer ${token}`).actor.id).toBe('carol');
    expect(auth.authenticate('Bearer plain-key-00000000001').actor.id).toBe('dave');
  });

  it('refuses the configured hash itself, or its hex, presented as a token', () => {
    expect(outcome(auth, `sha256:${sha256(token)}`)).toBe('invalid token');
    expect(outcome(auth, sha256(token))).toBe('invalid token');
  });

  it('refuses a near miss', () => {
    expect(outcome(auth, `${token}x`)).toBe('invalid token');
    expect(outcome(auth, token.toUpperCase())).toBe('invalid token');
  });
});

describe('permissions', () => {
  it('gives admin everything and others what the matrix lists', () => {
    expect(isAllowed(['admin'], 'customer:erase')).toBe(true);
    expect(isAllowed(['sales'], 'customer:erase')).toBe(false);
    expect(isAllowed(['analyst'], 'customer:read')).toBe(true);
    expect(isAllowed(['auditor'], 'deal:write')).toBe(false);
  });

  it('masks personal data for analysts only among readers', () => {
    expect(seesPersonalData(['analyst'])).toBe(false);
    expect(seesPersonalData(['sales'])).toBe(true);
    expect(seesPersonalData(['analyst', 'support'])).toBe(true);
  });
});
