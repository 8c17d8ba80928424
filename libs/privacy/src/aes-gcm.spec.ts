import { randomBytes } from 'node:crypto';
import { decrypt, encrypt } from './aes-gcm';

describe('AES-256-GCM', () => {
  const key = randomBytes(32);

  it('opens what it sealed, with the same additional data only', () => {
    const sealed = encrypt(key, Buffer.from('Ada Lovelace'), 'customer-1');
    expect(decrypt(key, sealed, 'customer-1').toString()).toBe('Ada Lovelace');
    expect(() => decrypt(key, sealed, 'customer-2')).toThrow();
  });

  it('never uses an IV twice, across many refills of its pool', () => {
    const ivs = Array.from(
      { length: 5000 },
      () => encrypt(key, Buffer.from('same text'), 'customer-1').split('.')[0],
    );
    expect(new Set(ivs).size).toBe(ivs.length);
  });
});
