import { randomBytes } from 'node:crypto';
import { isSealed } from '@rapport/domain';
import { InMemoryKeyStore } from './adapters/in-memory.key-store';
import { DataKeys } from './data-keys';
import { PersonalDataCipher } from './personal-data.cipher';

describe('personal data cipher', () => {
  const masterKey = randomBytes(32);
  let keyStore: InMemoryKeyStore;
  let cipher: PersonalDataCipher;

  beforeEach(() => {
    keyStore = new InMemoryKeyStore();
    cipher = new PersonalDataCipher(new DataKeys(keyStore, masterKey));
  });

  it('seals so that the plaintext is nowhere in the sealed value or the stored key', async () => {
    const sealed = await cipher.seal('c-1', 'ada@example.com');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('ada');
    expect(await cipher.open('c-1', sealed)).toBe('ada@example.com');
    const wrapped = await keyStore.load('c-1');
    expect(wrapped).toBeDefined();
    expect(wrapped).not.toContain(masterKey.toString('base64'));
  });

  it('uses a fresh IV every time', async () => {
    const a = await cipher.seal('c-1', 'same');
    const b = await cipher.seal('c-1', 'same');
    expect(a).not.toBe(b);
  });

  it("binds a value to its client: another client's key cannot open it", async () => {
    const sealed = await cipher.seal('c-1', 'secret');
    await cipher.seal('c-2', 'other');
    await expect(cipher.open('c-2', sealed)).rejects.toThrow();
  });

  it('seals several fields with one key and skips missing ones', async () => {
    const sealed = await cipher.sealAll('c-1', { name: 'Ada', email: undefined });
    expect(sealed.email).toBeUndefined();
    expect(await cipher.open('c-1', sealed.name)).toBe('Ada');
  });

  it('opens nothing once the key is destroyed, even through a new cipher instance', async () => {
    const sealed = await cipher.seal('c-1', 'Ada Lovelace');
    expect(await cipher.forget('c-1')).toBe(true);
    expect(await cipher.open('c-1', sealed)).toBeNull();
    const fresh = new PersonalDataCipher(new DataKeys(keyStore, masterKey));
    expect(await fresh.open('c-1', sealed)).toBeNull();
  });

  it('stops using a cached key soon after another instance destroyed it', async () => {
    let now = 0;
    const mine = new PersonalDataCipher(new DataKeys(keyStore, masterKey, 100, 1000, () => now));
    const other = new PersonalDataCipher(new DataKeys(keyStore, masterKey));
    const sealed = await mine.seal('c-9', 'Ada');
    expect(await mine.open('c-9', sealed)).toBe('Ada');
    await other.forget('c-9');
    now = 1001;
    expect(await mine.open('c-9', sealed)).toBeNull();
  });

  it('refuses keys wrapped by another master key with a clear message', async () => {
    await cipher.seal('c-1', 'x');
    const other = new PersonalDataCipher(new DataKeys(keyStore, randomBytes(32)));
    await expect(other.seal('c-1', 'y')).rejects.toThrow(/another master key/);
  });

  it('rejects a tampered value', async () => {
    const sealed = await cipher.seal('c-1', 'Ada');
    const tampered = (sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA')) as typeof sealed;
    await expect(cipher.open('c-1', tampered)).rejects.toThrow();
  });
});
