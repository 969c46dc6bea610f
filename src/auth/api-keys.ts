import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'jhk_';

export interface IssuedApiKey {
  /** Shown to the merchant once, never stored. */
  key: string;
  /** SHA-256 of the key: what we store and look up. A 192-bit random key needs no slow KDF. */
  hash: string;
  /** The first characters, safe to show so a merchant can tell keys apart. */
  hint: string;
}

export function issueApiKey(): IssuedApiKey {
  const key = `${PREFIX}${randomBytes(24).toString('base64url')}`;
  return { key, hash: hashApiKey(key), hint: key.slice(0, PREFIX.length + 6) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(PREFIX);
}
