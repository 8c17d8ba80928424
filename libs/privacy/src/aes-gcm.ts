import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * IVs are drawn from the CSPRNG 341 at a time: one call per seal was a tenth of a seed's
 * sealing. Each IV is used once (the pool is refilled before any byte is served again).
 */
const ivPool = Buffer.alloc(IV_BYTES * 341);
let ivUsed = ivPool.length;

function nextIv(): Buffer {
  if (ivUsed === ivPool.length) {
    randomFillSync(ivPool);
    ivUsed = 0;
  }
  ivUsed += IV_BYTES;
  // A copy: the pool is refilled while a caller may still hold its IV.
  return Buffer.from(ivPool.subarray(ivUsed - IV_BYTES, ivUsed));
}

/** AES-256-GCM, the one cipher used for both data and key wrapping. */
export function encrypt(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${iv.toString('base64url')}.${body.toString('base64url')}`;
}

export function decrypt(key: Buffer, encoded: string, aad: string): Buffer {
  const [ivText, bodyText] = encoded.split('.');
  if (!ivText || !bodyText) throw new Error('malformed ciphertext');
  const iv = Buffer.from(ivText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new Error('malformed ciphertext');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(body.subarray(0, body.length - TAG_BYTES)),
    decipher.final(),
  ]);
}
