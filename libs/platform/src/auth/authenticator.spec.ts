import jwt from 'jsonwebtoken';
import { AuthenticationError, Authenticator } from './authenticator';
import { isAllowed, seesPersonalData } from './permissions';

const secret = 'a-test-secret-that-is-long-enough-for-hs256';
const authenticator = new Authenticator(
  {
    'sales-key-0123456789': { actor: 'alice', roles: ['sales'] },
    'svc-key-0123456789ab': { actor: 'billing', roles: ['service'] },
  },
  secret,
);

describe('authenticator', () => {
  it('accepts a configured API key', () => {
    expect(authenticator.authenticate('Bearer sales-key-0123456789')).toEqual({
      actor: { id: 'alice', roles: ['sales'], kind: 'user' },
      via: 'api-key',
    });
    expect(authenticator.authenticate('Bearer svc-key-0123456789ab').actor.kind).toBe('service');
  });

  it('accepts an HS256 JWT with sub and roles', () => {
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
      `Bearer ${jwt.sign({ sub: 'x', roles: ['admin'] }, 'another-secret-another-secret-1234')}`,
    ],
    [
      'an expired JWT',
      `Bearer ${jwt.sign({ sub: 'x', roles: ['sales'], exp: Math.floor(Date.now() / 1000) - 10 }, secret)}`,
    ],
    [
      'an unsigned JWT (alg none)',
      `Bearer ${jwt.sign({ sub: 'x', roles: ['admin'] }, '', { algorithm: 'none' })}`,
    ],
    ['a JWT without sub', `Bearer ${jwt.sign({ roles: ['sales'] }, secret)}`],
    ['a JWT with an unknown role', `Bearer ${jwt.sign({ sub: 'x', roles: ['root'] }, secret)}`],
  ])('refuses %s', (_, header) => {
    expect(() => authenticator.authenticate(header)).toThrow(AuthenticationError);
  });

  it('refuses a JWT whose payload was altered after signing', () => {
    const token = jwt.sign({ sub: 'eve', roles: ['sales'] }, secret);
    const [head, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'eve', roles: ['admin'] })).toString(
      'base64url',
    );
    expect(() => authenticator.authenticate(`Bearer ${head}.${forged}.${signature}`)).toThrow(
      AuthenticationError,
    );
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
