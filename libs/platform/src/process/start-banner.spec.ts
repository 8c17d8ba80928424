import { resolve } from 'node:path';
import { loadConfig } from '../config/app-config';
import {
  configuredUrl,
  formatStartBanner,
  startSummary,
  usesDevelopmentKeys,
} from './start-banner';

const SECRET = 'a-jwt-secret-of-at-least-32-characters!!';
const KEYS = JSON.stringify({
  'a-plain-api-key-0000001': { actor: 'a', roles: ['sales'] },
  'a-plain-api-key-0000002': { actor: 'b', roles: ['admin'] },
});

describe('the start summary', () => {
  it('tells a new user of the embedded profile where everything is', () => {
    const config = loadConfig({ CRM_DATA_DIR: 'some/data' });
    const dataDir = resolve('some/data');
    expect(startSummary(config, 'http://127.0.0.1:3000')).toEqual({
      url: 'http://127.0.0.1:3000',
      profile: 'embedded',
      adapters: {
        log: 'SQLite',
        readModels: 'SQLite',
        keys: 'SQLite',
        messaging: 'none',
        projections: 'in this process (worker thread)',
      },
      dataDir,
      credentials: `development API keys, one per role, in ${dataDir}/dev-api-keys.json`,
      masterKey: `${dataDir}/master.key (generated; set CRM_MASTER_KEY in production)`,
      openApi: 'http://127.0.0.1:3000/docs (JSON: http://127.0.0.1:3000/docs-json)',
      console: 'http://127.0.0.1:3000/console',
    });
    expect(usesDevelopmentKeys(config)).toBe(true);
  });

  it('names the adapters of the distributed profile, never their URLs (they may hold passwords)', () => {
    const summary = startSummary(
      loadConfig({
        CRM_EVENT_STORE_URL: 'kurrentdb://admin:changeit@127.0.0.1:2113?tls=false',
        CRM_KAFKA_BROKERS: 'k1:9092,k2:9092',
        CRM_MONGO_URL: 'mongodb://user:hunter2@127.0.0.1:27017',
        CRM_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
        CRM_API_KEYS: KEYS,
      }),
      'http://127.0.0.1:8080/',
    );
    expect(summary).toMatchObject({
      url: 'http://127.0.0.1:8080',
      profile: 'distributed',
      adapters: {
        log: 'EventStoreDB',
        readModels: 'MongoDB',
        keys: 'MongoDB',
        messaging: 'Kafka (k1:9092,k2:9092)',
        projections: 'apps/projector processes (npm run start:projector)',
      },
      credentials: '2 API keys from CRM_API_KEYS',
      masterKey: 'CRM_MASTER_KEY',
    });
    expect(JSON.stringify(summary)).not.toMatch(/changeit|hunter2/);
  });

  it('describes JWTs with the claims they must carry, and API keys beside them', () => {
    const config = loadConfig({
      CRM_API_KEYS: JSON.stringify({ 'a-plain-api-key-0000001': { actor: 'a', roles: ['sales'] } }),
      CRM_JWT_SECRET: SECRET,
      CRM_JWT_ISSUER: 'https://idp.example.com',
      CRM_JWT_AUDIENCE: 'rapport',
      CRM_JWT_MAX_LIFETIME_SECONDS: '3600',
    });
    expect(startSummary(config).credentials).toBe(
      '1 API key from CRM_API_KEYS; HS256 JWTs signed with CRM_JWT_SECRET (iss https://idp.example.com, aud rapport, valid at most 3600 s)',
    );
    expect(usesDevelopmentKeys(config)).toBe(false);
    expect(startSummary(loadConfig({ CRM_JWT_SECRET: SECRET })).credentials).toBe(
      'HS256 JWTs signed with CRM_JWT_SECRET (valid at most 86400 s)',
    );
  });

  it('derives the URL from HOST and PORT when the API is not listening yet', () => {
    expect(configuredUrl(loadConfig({}))).toBe('http://127.0.0.1:3000');
    expect(configuredUrl(loadConfig({ HOST: '0.0.0.0', PORT: '8080' }))).toBe(
      'http://127.0.0.1:8080',
    );
    expect(configuredUrl(loadConfig({ HOST: '::1', PORT: '8080' }))).toBe('http://[::1]:8080');
    expect(configuredUrl(loadConfig({ HOST: 'crm.internal' }))).toBe('http://crm.internal:3000');
  });
});

describe('the start banner', () => {
  it('is one block: a title, then one aligned line per fact', () => {
    const config = loadConfig({ CRM_DATA_DIR: '/srv/rapport' });
    expect(formatStartBanner('Rapport API is ready', startSummary(config, 'http://127.0.0.1:3000')))
      .toBe(`Rapport API is ready
  URL          http://127.0.0.1:3000
  profile      embedded: log SQLite, read models SQLite, keys SQLite, messaging none, projections in this process (worker thread)
  data dir     /srv/rapport
  credentials  development API keys, one per role, in /srv/rapport/dev-api-keys.json
  master key   /srv/rapport/master.key (generated; set CRM_MASTER_KEY in production)
  OpenAPI      http://127.0.0.1:3000/docs (JSON: http://127.0.0.1:3000/docs-json)
  console      http://127.0.0.1:3000/console`);
  });

  it('ends with a footer when given one', () => {
    const banner = formatStartBanner('Title', startSummary(loadConfig({})), 'Then do this.');
    expect(banner.split('\n').at(-1)).toBe('Then do this.');
  });
});
