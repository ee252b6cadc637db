import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'gf_';
const RANDOM_CHARS = 40;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** How much of a key listings show: enough to tell keys apart, far too little to guess the rest. */
const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

/** A new API key: `gf_` and 40 random base62 characters (about 238 bits). */
export function generateApiKey(): string {
  let out = API_KEY_PREFIX;
  while (out.length < API_KEY_PREFIX.length + RANDOM_CHARS) {
    for (const byte of randomBytes(64)) {
      // 248 = 4 × 62: dropping bytes at or above it keeps every character equally likely.
      if (byte < 248 && out.length < API_KEY_PREFIX.length + RANDOM_CHARS) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** What is stored instead of the key. Keys are long and random, so a plain SHA-256 is enough (no slow hash needed). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The part of a key shown in listings; never more than a quarter of it, for keys chosen by an operator. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, Math.min(SHOWN_PREFIX_LENGTH, Math.floor(key.length / 4)));
}
