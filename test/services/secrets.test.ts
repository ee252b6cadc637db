import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateSecretKey, SecretBox, SecretBoxError } from '../../src/services/secrets.ts';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));
  const secret = { clientId: 'id-123', clientSecret: 's3cr3t-value', nested: { list: [1, 2] } };

  it('round-trips JSON and hides it', () => {
    const sealed = box.seal(secret, 'provider_account:a');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('s3cr3t');
    expect(box.open(sealed, 'provider_account:a')).toEqual(secret);
    // Fresh IV every time: the same value never seals to the same text.
    expect(box.seal(secret, 'provider_account:a')).not.toBe(sealed);
  });

  it('detects tampering, the wrong key and the wrong context', () => {
    const sealed = box.seal(secret, 'ctx');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0]! ^= 0x01;
    const tampered = [parts[0], parts[1], parts[2], body.toString('base64url')].join('.');
    expect(() => box.open(tampered, 'ctx')).toThrow(SecretBoxError);
    const tag = Buffer.from(parts[2]!, 'base64url');
    tag[5]! ^= 0x80;
    expect(() => box.open([parts[0], parts[1], tag.toString('base64url'), parts[3]].join('.'), 'ctx')).toThrow(SecretBoxError);
    expect(() => box.open(sealed, 'other-ctx')).toThrow(SecretBoxError);
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'ctx')).toThrow(SecretBoxError);
    expect(() => box.open('not sealed at all')).toThrow(SecretBoxError);
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32-byte/);
  });
});

describe('loadOrCreateSecretKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gf-secret-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the key file once with mode 0600 and reads it back', () => {
    const dataDir = join(dir, 'data');
    const key = loadOrCreateSecretKey(dataDir, {});
    expect(key).toHaveLength(32);
    const path = join(dataDir, 'secret-key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')).toEqual(key);
    expect(loadOrCreateSecretKey(dataDir, {})).toEqual(key);
  });

  it('prefers GPUFLEET_SECRET_KEY and rejects keys of the wrong size', () => {
    const fromEnv = randomBytes(32);
    expect(loadOrCreateSecretKey(dir, { GPUFLEET_SECRET_KEY: fromEnv.toString('base64') })).toEqual(fromEnv);
    expect(() => loadOrCreateSecretKey(dir, { GPUFLEET_SECRET_KEY: randomBytes(31).toString('base64') })).toThrow(/32 bytes/);
    writeFileSync(join(dir, 'secret-key'), 'c2hvcnQ=\n');
    expect(() => loadOrCreateSecretKey(dir, {})).toThrow(/32 bytes/);
  });
});
