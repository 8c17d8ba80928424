import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class MasterKeyError extends Error {}

/** Parses CRM_MASTER_KEY (or `name`): 32 bytes as base64 (44 chars) or hex (64 chars). */
export function parseMasterKey(text: string, name = 'CRM_MASTER_KEY'): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new MasterKeyError(`${name} must be 32 bytes, as base64 or hex`);
  }
  return key;
}

/**
 * The embedded profile's fallback when CRM_MASTER_KEY is unset: a key generated once into the
 * data dir (mode 0600). Convenient, but whoever copies the data dir copies the key, so the
 * caller warns; production sets CRM_MASTER_KEY from a secret store.
 */
export function loadOrCreateMasterKeyFile(dataDir: string): { key: Buffer; created: boolean } {
  const file = join(dataDir, 'master.key');
  if (existsSync(file)) return { key: parseMasterKey(readFileSync(file, 'utf8')), created: false };
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return { key, created: true };
}
