import { join, resolve } from 'node:path';
import type { AppConfig } from '../config/app-config';

/** Where the embedded profile writes one development API key per role when none is configured. */
export const DEV_API_KEYS_FILE = 'dev-api-keys.json';

/** No API key and no JWT secret configured: the API generates development keys. */
export function usesDevelopmentKeys(config: AppConfig): boolean {
  return Object.keys(config.apiKeys).length === 0 && !config.jwt;
}

/** What a person needs to start using the API, as fields (JSON logs) and as a text block. */
export interface StartSummary {
  url: string;
  profile: AppConfig['profile'];
  /** Which adapter serves each port, e.g. { log: 'SQLite', readModels: 'MongoDB' }. */
  adapters: Record<'log' | 'readModels' | 'keys' | 'messaging' | 'projections', string>;
  dataDir: string;
  /** How callers authenticate, and where the development keys are when they are used. */
  credentials: string;
  masterKey: string;
  openApi: string;
  /** The browser console (GET /console): sign in there with one of the credentials. */
  console: string;
}

/** The base URL the API answers on when it listens as configured (HOST, PORT). */
export function configuredUrl(config: AppConfig): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

export function startSummary(config: AppConfig, url: string = configuredUrl(config)): StartSummary {
  const dataDir = resolve(config.dataDir);
  const base = url.replace(/\/+$/, '');
  return {
    url: base,
    profile: config.profile,
    adapters: {
      log: config.eventStoreUrl ? 'EventStoreDB' : 'SQLite',
      readModels: config.mongoUrl ? 'MongoDB' : 'SQLite',
      keys: config.mongoUrl ? 'MongoDB' : 'SQLite',
      messaging: config.kafkaBrokers ? `Kafka (${config.kafkaBrokers.join(',')})` : 'none',
      projections: config.kafkaBrokers
        ? 'apps/projector processes (npm run start:projector)'
        : 'in this process (worker thread)',
    },
    dataDir,
    credentials: credentialsOf(config, dataDir),
    masterKey: config.masterKey
      ? 'CRM_MASTER_KEY'
      : `${join(dataDir, 'master.key')} (generated; set CRM_MASTER_KEY in production)`,
    openApi: `${base}/docs (JSON: ${base}/docs-json)`,
    console: `${base}/console`,
  };
}

function credentialsOf(config: AppConfig, dataDir: string): string {
  if (usesDevelopmentKeys(config)) {
    return `development API keys, one per role, in ${join(dataDir, DEV_API_KEYS_FILE)}`;
  }
  const ways: string[] = [];
  const keys = Object.keys(config.apiKeys).length;
  if (keys > 0) ways.push(`${keys} API key${keys === 1 ? '' : 's'} from CRM_API_KEYS`);
  if (config.jwt) {
    const claims = [
      ...(config.jwt.issuers.length > 0 ? [`iss ${config.jwt.issuers.join(' or ')}`] : []),
      ...(config.jwt.audiences.length > 0 ? [`aud ${config.jwt.audiences.join(' or ')}`] : []),
    ];
    ways.push(
      `HS256 JWTs signed with CRM_JWT_SECRET (${[...claims, `valid at most ${config.jwt.maxLifetimeSeconds} s`].join(', ')})`,
    );
  }
  return ways.join('; ');
}

/** The summary as the block a person reads at the end of the start (or from `rapport`). */
export function formatStartBanner(title: string, summary: StartSummary, footer?: string): string {
  const { adapters } = summary;
  const rows: [string, string][] = [
    ['URL', summary.url],
    [
      'profile',
      `${summary.profile}: log ${adapters.log}, read models ${adapters.readModels}, keys ${adapters.keys}, messaging ${adapters.messaging}, projections ${adapters.projections}`,
    ],
    ['data dir', summary.dataDir],
    ['credentials', summary.credentials],
    ['master key', summary.masterKey],
    ['OpenAPI', summary.openApi],
    ['console', summary.console],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    title,
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    ...(footer ? [footer] : []),
  ].join('\n');
}
