import { createHash } from 'node:crypto';
import { ConfigError, DEFAULT_JWT_MAX_LIFETIME_SECONDS, loadConfig } from './app-config';

const SECRET = 'a-jwt-secret-of-at-least-32-characters!!';
const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** The problems loadConfig lists for this environment (empty when it is valid). */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('configuration of JWTs', () => {
  it('accepts JWTs only with a secret, valid 24 hours at most, iss and aud unchecked by default', () => {
    expect(loadConfig({}).jwt).toBeUndefined();
    expect(loadConfig({ CRM_JWT_SECRET: SECRET }).jwt).toEqual({
      secret: SECRET,
      issuers: [],
      audiences: [],
      maxLifetimeSeconds: DEFAULT_JWT_MAX_LIFETIME_SECONDS,
    });
    expect(DEFAULT_JWT_MAX_LIFETIME_SECONDS).toBe(86_400);
  });

  it('reads the accepted issuers, audiences and maximum lifetime', () => {
    expect(
      loadConfig({
        CRM_JWT_SECRET: SECRET,
        CRM_JWT_ISSUER: 'https://idp.example.com',
        CRM_JWT_AUDIENCE: 'rapport, crm',
        CRM_JWT_MAX_LIFETIME_SECONDS: '900',
      }).jwt,
    ).toEqual({
      secret: SECRET,
      issuers: ['https://idp.example.com'],
      audiences: ['rapport', 'crm'],
      maxLifetimeSeconds: 900,
    });
  });

  it('refuses JWT settings without a secret, and a lifetime that is not a positive whole number', () => {
    expect(problemsOf({ CRM_JWT_ISSUER: 'https://idp.example.com' })).toEqual([
      'CRM_JWT_ISSUER is set but CRM_JWT_SECRET is not',
    ]);
    expect(problemsOf({ CRM_JWT_AUDIENCE: 'rapport', CRM_JWT_MAX_LIFETIME_SECONDS: '60' })).toEqual(
      [
        'CRM_JWT_AUDIENCE is set but CRM_JWT_SECRET is not',
        'CRM_JWT_MAX_LIFETIME_SECONDS is set but CRM_JWT_SECRET is not',
      ],
    );
    for (const value of ['0', '-5', '1.5', 'a day', '99999999999']) {
      expect(problemsOf({ CRM_JWT_SECRET: SECRET, CRM_JWT_MAX_LIFETIME_SECONDS: value })).toEqual([
        `CRM_JWT_MAX_LIFETIME_SECONDS must be a whole number from 1 to 31622400, got "${value}"`,
      ]);
    }
  });
});

describe('configuration of API keys', () => {
  const grant = { actor: 'billing', roles: ['service'] };

  it('takes a key as the token or as the hex of its SHA-256 (stored in lower case)', () => {
    const hash = sha256('a-real-secret-api-key-0001');
    const config = loadConfig({
      CRM_API_KEYS: JSON.stringify({
        [`sha256:${hash.toUpperCase()}`]: grant,
        'plain-token-000000001': { actor: 'alice', roles: ['sales'] },
      }),
    });
    expect(config.apiKeys).toEqual({
      [`sha256:${hash}`]: grant,
      'plain-token-000000001': { actor: 'alice', roles: ['sales'] },
    });
  });

  it.each([
    ['too short', `sha256:${'ab'.repeat(31)}`],
    ['too long', `sha256:${'ab'.repeat(33)}`],
    ['not hex', `sha256:${'zz'.repeat(32)}`],
    ['empty', 'sha256:'],
  ])('refuses a hashed key that is %s', (_, key) => {
    expect(problemsOf({ CRM_API_KEYS: JSON.stringify({ [key]: grant }) })).toEqual([
      'CRM_API_KEYS: a "sha256:" key must be followed by the 64 hex digits of the token\'s SHA-256 (actor billing)',
    ]);
  });

  it('refuses a key given both as a token and as its hash', () => {
    const token = 'a-real-secret-api-key-0001';
    expect(
      problemsOf({
        CRM_API_KEYS: JSON.stringify({ [token]: grant, [`sha256:${sha256(token)}`]: grant }),
      }),
    ).toEqual([
      'CRM_API_KEYS: a key of billing is given twice (a token and its sha256, or one hash twice)',
    ]);
  });

  it('still refuses a plain token shorter than 16 characters', () => {
    expect(problemsOf({ CRM_API_KEYS: JSON.stringify({ short: grant }) })).toEqual([
      'CRM_API_KEYS: a token must be at least 16 characters (actor billing)',
    ]);
  });
});

describe('configuration of the log format', () => {
  it('is auto unless LOG_FORMAT says json or pretty', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(problemsOf({ LOG_FORMAT: 'xml' })).toEqual(['LOG_FORMAT must be auto, json or pretty']);
  });
});

describe('the time zone of agendas', () => {
  it('is UTC unless CRM_TIME_ZONE names an IANA zone, and a name that is none is refused', () => {
    expect(loadConfig({}).timeZone).toBe('UTC');
    expect(loadConfig({ CRM_TIME_ZONE: 'Europe/Berlin' }).timeZone).toBe('Europe/Berlin');
    expect(problemsOf({ CRM_TIME_ZONE: 'Mars/Olympus' })).toEqual([
      'CRM_TIME_ZONE "Mars/Olympus" is not an IANA time zone such as Europe/Berlin',
    ]);
  });
});

describe('the grace period of campaign responses', () => {
  it('is 14 days unless CRM_CAMPAIGN_RESPONSE_GRACE_DAYS says otherwise, and is refused out of range', () => {
    expect(loadConfig({}).campaignResponseGraceDays).toBe(14);
    expect(loadConfig({ CRM_CAMPAIGN_RESPONSE_GRACE_DAYS: '30' }).campaignResponseGraceDays).toBe(
      30,
    );
    expect(loadConfig({ CRM_CAMPAIGN_RESPONSE_GRACE_DAYS: '0' }).campaignResponseGraceDays).toBe(0);
    expect(problemsOf({ CRM_CAMPAIGN_RESPONSE_GRACE_DAYS: '-1' })).toEqual([
      'CRM_CAMPAIGN_RESPONSE_GRACE_DAYS must be a whole number from 0 to 3650, got "-1"',
    ]);
  });
});

describe('the commits of a projector catching up', () => {
  it('come every 20,000 events unless CRM_CATCH_UP_FLUSH_EVENTS says otherwise, and are refused out of range', () => {
    expect(loadConfig({}).catchUpFlushEvents).toBe(20_000);
    expect(loadConfig({ CRM_CATCH_UP_FLUSH_EVENTS: '5000' }).catchUpFlushEvents).toBe(5000);
    expect(problemsOf({ CRM_CATCH_UP_FLUSH_EVENTS: '10' })).toEqual([
      'CRM_CATCH_UP_FLUSH_EVENTS must be a whole number from 500 to 1000000, got "10"',
    ]);
  });
});

describe('the page cache of a projector catching up', () => {
  it('is 128 MiB unless CRM_CATCH_UP_CACHE_MIB says otherwise, and is refused out of range', () => {
    expect(loadConfig({}).catchUpCacheMiB).toBe(128);
    expect(loadConfig({ CRM_CATCH_UP_CACHE_MIB: '16' }).catchUpCacheMiB).toBe(16);
    expect(problemsOf({ CRM_CATCH_UP_CACHE_MIB: '0' })).toEqual([
      'CRM_CATCH_UP_CACHE_MIB must be a whole number from 1 to 65536, got "0"',
    ]);
  });
});

describe("the page cache of the API's read-model connections", () => {
  it('is 16 MiB unless CRM_SQLITE_READ_CACHE_MIB says otherwise, and is refused out of range', () => {
    expect(loadConfig({}).sqliteReadCacheMiB).toBe(16);
    expect(loadConfig({ CRM_SQLITE_READ_CACHE_MIB: '256' }).sqliteReadCacheMiB).toBe(256);
    expect(problemsOf({ CRM_SQLITE_READ_CACHE_MIB: '0' })).toEqual([
      'CRM_SQLITE_READ_CACHE_MIB must be a whole number from 1 to 65536, got "0"',
    ]);
  });
});

describe('configuration of SLA targets (CRM_SLA_TARGETS)', () => {
  it('has defaults per severity and takes overrides for the severities named', () => {
    const { slaTargets } = loadConfig({
      CRM_SLA_TARGETS: '{"critical":{"firstResponseHours":0.5,"resolutionHours":4}}',
    });
    expect(slaTargets.critical).toEqual({ firstResponseHours: 0.5, resolutionHours: 4 });
    expect(slaTargets.low).toEqual(loadConfig({}).slaTargets.low);
  });

  it.each([
    ['not json', 'CRM_SLA_TARGETS must be JSON'],
    ['[1]', 'CRM_SLA_TARGETS must be a JSON object by severity'],
    ['{"urgent":{"firstResponseHours":1,"resolutionHours":2}}', 'unknown severity "urgent"'],
    ['{"low":{"firstResponseHours":0,"resolutionHours":2}}', 'low needs firstResponseHours'],
    ['{"low":{"firstResponseHours":3,"resolutionHours":2}}', 'must not exceed resolutionHours'],
    ['{"low":{"firstResponse":3}}', 'low must be {"firstResponseHours"'],
  ])('refuses %s at start with a clear message', (raw, message) => {
    const problems = problemsOf({ CRM_SLA_TARGETS: raw });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});
