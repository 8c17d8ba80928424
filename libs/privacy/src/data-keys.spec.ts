import { randomBytes } from 'node:crypto';
import { isSealed } from '@rapport/domain';
import { InMemoryKeyStore } from './adapters/in-memory.key-store';
import { DataKeys } from './data-keys';
import { PersonalDataCipher } from './personal-data.cipher';

/** A key store that counts how often a wrapped key is read (an unwrap follows each read). */
class CountingKeyStore extends InMemoryKeyStore {
  readonly loads = new Map<string, number>();

  override async load(customerId: string): Promise<string | undefined> {
    this.loads.set(customerId, (this.loads.get(customerId) ?? 0) + 1);
    return super.load(customerId);
  }
}

describe('unwrapped data keys of recently used clients', () => {
  const masterKey = randomBytes(32);

  it('keeps at most the cache size, the least recently used going first', async () => {
    const store = new CountingKeyStore();
    const keys = new DataKeys(store, masterKey, 2);
    await keys.obtain('a');
    await keys.obtain('b');
    await keys.find('a'); // a is now more recent than b
    await keys.obtain('c');
    expect(keys.cached).toBe(2);
    expect(keys.cacheLimit).toBe(2);
    store.loads.clear();
    await keys.find('a');
    await keys.find('b');
    expect(store.loads.get('a')).toBeUndefined(); // still cached
    expect(store.loads.get('b')).toBe(1); // evicted: read and unwrapped again
    expect(keys.cached).toBe(2);
  });

  it('serves a cached key without reading the store', async () => {
    const store = new CountingKeyStore();
    const keys = new DataKeys(store, masterKey);
    const created = await keys.obtain('a');
    store.loads.clear();
    for (let i = 0; i < 5; i++) expect(await keys.find('a')).toBe(created);
    expect(store.loads.get('a') ?? 0).toBe(0);
  });

  it('evicts and zeroes the key of an erased client', async () => {
    const keys = new DataKeys(new InMemoryKeyStore(), masterKey);
    const key = await keys.obtain('a');
    await keys.obtain('b');
    expect(await keys.destroy('a')).toBe(true);
    expect(key.every((byte) => byte === 0)).toBe(true);
    expect(keys.cached).toBe(1);
    expect(await keys.find('a')).toBeUndefined();
    expect(keys.isShredded(key)).toBe(true);
  });

  it('seals nothing with a key looked up just before the client was erased', async () => {
    const cipher = new PersonalDataCipher(new DataKeys(new InMemoryKeyStore(), masterKey));
    await cipher.seal('a', 'first');
    // The lookup resolves from the cache; the erasure runs before the sealing resumes.
    const sealing = cipher.sealWithExistingKey('a', ['Ada']);
    await cipher.forget('a');
    await expect(sealing).resolves.toBeUndefined();
  });

  it('opens nothing through an opener made before the erasure', async () => {
    const cipher = new PersonalDataCipher(new DataKeys(new InMemoryKeyStore(), masterKey));
    const sealed = await cipher.seal('a', 'Ada');
    expect(isSealed(sealed)).toBe(true);
    const open = await cipher.opener('a');
    expect(open(sealed)).toBe('Ada');
    await cipher.forget('a');
    expect(open(sealed)).toBeNull();
  });
});
