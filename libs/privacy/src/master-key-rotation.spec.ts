import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteKeyStore } from './adapters/sqlite.key-store';
import { DataKeys } from './data-keys';
import type { KeyReplacement, KeyStore } from './key-store.port';
import { MasterKeyRing } from './master-key-ring';
import { MasterKeyRotationError, rotateMasterKey } from './master-key-rotation';
import { PersonalDataCipher } from './personal-data.cipher';
import type { Sealed } from '@rapport/domain';

/** A key store whose process dies (throws) after `pages` replace calls. */
function dyingAfter(store: KeyStore, pages: number): KeyStore {
  let calls = 0;
  return Object.assign(Object.create(store) as KeyStore, {
    replace: async (replacements: readonly KeyReplacement[]) => {
      if (++calls > pages) throw new Error('killed');
      return store.replace(replacements);
    },
  });
}

describe('master key rotation', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let dir: string;
  let file: string;
  let store: SqliteKeyStore;
  let clients: { id: string; sealed: Sealed }[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-rotation-'));
    file = join(dir, 'keys.db');
    store = new SqliteKeyStore(file);
    // Given 25 clients whose personal data was sealed under keys wrapped by the old master key.
    const cipher = new PersonalDataCipher(new DataKeys(store, oldKey));
    clients = [];
    for (let i = 0; i < 25; i++) {
      const id = randomUUID();
      clients.push({ id, sealed: await cipher.seal(id, `client ${i}`) });
    }
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const readableWith = async (masterKey: Buffer | MasterKeyRing) => {
    const cipher = new PersonalDataCipher(new DataKeys(store, masterKey));
    return Promise.all(clients.map(({ id, sealed }) => cipher.open(id, sealed)));
  };

  it('re-wraps every key, resumes after being killed halfway, and leaves the old key useless', async () => {
    // When the rotation is killed after two pages of five...
    await expect(
      rotateMasterKey(dyingAfter(store, 2), { previous: oldKey, next: newKey }, { pageSize: 5 }),
    ).rejects.toThrow('killed');
    // ...the API, holding both keys, still reads every client meanwhile,
    expect(await readableWith(new MasterKeyRing(newKey, oldKey))).toEqual(
      clients.map((_, i) => `client ${i}`),
    );
    // and the run started again (after a restart) completes it.
    await store.close();
    store = new SqliteKeyStore(file);
    const report = await rotateMasterKey(
      store,
      { previous: oldKey, next: newKey },
      { pageSize: 5 },
    );
    expect(report).toMatchObject({ seen: 25, rewrapped: 15, alreadyCurrent: 10, erased: 0 });

    // Then every client is readable with the new key alone, and the old key opens nothing.
    expect(await readableWith(newKey)).toEqual(clients.map((_, i) => `client ${i}`));
    await expect(readableWith(oldKey)).rejects.toThrow(/wrapped by another master key/);
    for (const { id } of clients)
      expect(await store.load(id)).not.toContain(report.previousMasterKeyId + ':');
  });

  it('leaves a client erased during the rotation erased', async () => {
    const erased = clients[3]!.id;
    const racing = Object.assign(Object.create(store) as KeyStore, {
      replace: async (replacements: readonly KeyReplacement[]) => {
        await store.delete(erased);
        return store.replace(replacements);
      },
    });
    const report = await rotateMasterKey(racing, { previous: oldKey, next: newKey });
    expect(report).toMatchObject({ rewrapped: 24, erased: 1 });
    expect(await store.load(erased)).toBeUndefined();
  });

  it('stops on a key wrapped by neither master key, naming it', async () => {
    const stranger = randomUUID();
    await new DataKeys(store, randomBytes(32)).obtain(stranger);
    await expect(rotateMasterKey(store, { previous: oldKey, next: newKey })).rejects.toThrow(
      MasterKeyRotationError,
    );
    await expect(rotateMasterKey(store, { previous: oldKey, next: newKey })).rejects.toThrow(
      stranger,
    );
  });

  it('refuses a "rotation" to the same key', async () => {
    await expect(rotateMasterKey(store, { previous: oldKey, next: oldKey })).rejects.toThrow(
      'the previous master key is the current one',
    );
  });
});
