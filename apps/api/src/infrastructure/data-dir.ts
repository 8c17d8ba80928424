import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppConfig, ApiKeyGrant, Logger } from '@rapport/platform';
import { DEV_API_KEYS_FILE, lockDataDir, ROLES, usesDevelopmentKeys } from '@rapport/platform';
import { loadOrCreateMasterKeyFile, parseMasterKey } from '@rapport/privacy';

export interface PreparedDataDir {
  dataDir: string;
  masterKey: Buffer;
  /** During a master key rotation: the key being replaced (CRM_MASTER_KEY_PREVIOUS). */
  previousMasterKey?: Buffer;
  apiKeys: Record<string, ApiKeyGrant>;
  /** Gives the data dir back (on shutdown). */
  release: () => void;
}

/**
 * Everything the embedded profile needs before it opens its stores: the data dir, the master
 * key (CRM_MASTER_KEY, or a generated one with a warning), and, when no credentials are
 * configured at all, one generated API key per role so a new user can try the API at once.
 */
export function prepareDataDir(config: AppConfig, logger: Logger): PreparedDataDir {
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  // Any SQLite file in the data dir is written by this process alone.
  const usesDataDir = !config.eventStoreUrl || !config.mongoUrl;
  const release = usesDataDir ? lockDataDir(dataDir, 'the Rapport API') : () => undefined;

  let masterKey: Buffer;
  if (config.masterKey) {
    masterKey = parseMasterKey(config.masterKey);
  } else {
    const { key, created } = loadOrCreateMasterKeyFile(dataDir);
    masterKey = key;
    logger.warn(
      { file: join(dataDir, 'master.key') },
      `CRM_MASTER_KEY is not set: ${created ? 'generated' : 'using'} a master key in the data dir. ` +
        'Anyone with a copy of the data dir can then read personal data: set CRM_MASTER_KEY in production.',
    );
  }

  const previousMasterKey =
    config.previousMasterKey === undefined
      ? undefined
      : parseMasterKey(config.previousMasterKey, 'CRM_MASTER_KEY_PREVIOUS');

  let apiKeys = config.apiKeys;
  if (usesDevelopmentKeys(config)) {
    const file = join(dataDir, DEV_API_KEYS_FILE);
    if (!existsSync(file)) {
      const generated: Record<string, ApiKeyGrant> = {};
      for (const role of ROLES) {
        generated[`dev-${role}-${randomBytes(16).toString('hex')}`] = {
          actor: `dev-${role}`,
          roles: [role],
        };
      }
      writeFileSync(file, JSON.stringify(generated, null, 2) + '\n', { mode: 0o600 });
    }
    apiKeys = JSON.parse(readFileSync(file, 'utf8')) as Record<string, ApiKeyGrant>;
    logger.warn(
      { file },
      'Neither CRM_API_KEYS nor CRM_JWT_SECRET is set: using development API keys (one per role) from this file.',
    );
  }
  return { dataDir, masterKey, ...(previousMasterKey && { previousMasterKey }), apiKeys, release };
}
