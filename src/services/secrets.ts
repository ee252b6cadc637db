import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_KEY_ENV = 'GPUFLEET_SECRET_KEY';
export const SECRET_KEY_FILE = 'secret-key';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

/**
 * The master key that seals secrets at rest: `GPUFLEET_SECRET_KEY` (base64 of 32 bytes) when set,
 * otherwise `<dataDir>/secret-key`, created with fresh random bytes and mode 0600 on first start.
 * Losing it makes every stored credential unreadable, so it is never overwritten.
 */
export function loadOrCreateSecretKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env[SECRET_KEY_ENV]?.trim();
  if (fromEnv) return decodeKey(fromEnv, SECRET_KEY_ENV);

  const path = join(dataDir, SECRET_KEY_FILE);
  const existing = readIfExists(path);
  if (existing !== null) return decodeKey(existing.trim(), path);

  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(KEY_BYTES);
  try {
    // `wx`: if another process created the file in the meantime, keep theirs rather than overwrite it.
    writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return decodeKey(readFileSync(path, 'utf8').trim(), path);
    throw error;
  }
  // The umask may have widened the mode at creation.
  chmodSync(path, 0o600);
  return key;
}

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function decodeKey(base64: string, source: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`${source} must hold ${KEY_BYTES} bytes in base64 (found ${key.length} bytes)`);
  return key;
}

/** Raised when a sealed value was altered, belongs to another context, or was sealed with another key. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/**
 * AES-256-GCM sealing of JSON values. A sealed value is `v1.<iv>.<tag>.<ciphertext>` (base64url parts);
 * GCM's tag makes any change detectable. `context` is bound as associated data, so a value sealed for one
 * record (e.g. `provider_account:<id>`) cannot be copied into another and still open.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`SecretBox needs a ${KEY_BYTES}-byte key`);
    this.key = Buffer.from(key);
  }

  seal(value: unknown, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return [FORMAT, iv, cipher.getAuthTag(), ciphertext]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  open<T = unknown>(sealed: string, context = ''): T {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== FORMAT) throw new SecretBoxError('not a sealed value');
    const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new SecretBoxError('sealed value failed authentication (tampered, wrong key or wrong context)');
    }
    return JSON.parse(plaintext.toString('utf8')) as T;
  }
}
