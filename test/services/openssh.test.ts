import { createECDH, createHash, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import sshpk from 'sshpk';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/services/errors.ts';
import { generateSshKeyPair } from '../../src/services/ssh-keys/keygen.ts';
import { parseOpenSshPublicKey } from '../../src/services/ssh-keys/openssh.ts';
import {
  hasSshKeygen,
  opensshLineOf,
  readOpenSshPrivateKey,
  sshKeygenFingerprint,
  sshKeygenPublicOf,
} from './support/openssh-oracles.ts';
import { SSH_KEYGEN_ENCRYPTED_ED25519, SSH_KEYGEN_VECTORS } from './support/openssh-vectors.ts';

const NODE_KEYS: { label: string; make: () => KeyObject; algorithm: string; display: string; bits: number }[] = [
  { label: 'ed25519', make: () => generateKeyPairSync('ed25519').publicKey, algorithm: 'ed25519', display: 'ED25519', bits: 256 },
  {
    label: 'rsa 2048',
    make: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
    algorithm: 'rsa-2048',
    display: 'RSA 2048',
    bits: 2048,
  },
  {
    label: 'rsa 4096',
    make: () => generateKeyPairSync('rsa', { modulusLength: 4096 }).publicKey,
    algorithm: 'rsa-4096',
    display: 'RSA 4096',
    bits: 4096,
  },
  {
    label: 'ecdsa p256',
    make: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
    algorithm: 'ecdsa-p256',
    display: 'ECDSA P-256',
    bits: 256,
  },
  {
    label: 'ecdsa p384',
    make: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey,
    algorithm: 'ecdsa-p384',
    display: 'ECDSA P-384',
    bits: 384,
  },
  {
    label: 'ecdsa p521',
    make: () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey,
    algorithm: 'ecdsa-p521',
    display: 'ECDSA P-521',
    bits: 521,
  },
];

function expectInvalid(text: string, fragment?: RegExp) {
  let caught: unknown;
  try {
    parseOpenSshPublicKey(text);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AppError);
  expect((caught as AppError).code).toBe('INVALID_PUBLIC_KEY');
  expect((caught as AppError).status).toBe(400);
  if (fragment) expect((caught as AppError).message).toMatch(fragment);
}

describe('OpenSSH public keys', () => {
  it.each(NODE_KEYS)('parses a $label key made with node:crypto', ({ make, algorithm, display, bits }) => {
    const line = opensshLineOf(make(), 'me@laptop');
    const parsed = parseOpenSshPublicKey(`  ${line}\n`);
    expect(parsed.algorithm).toBe(algorithm);
    expect(parsed.algorithmDisplayName).toBe(display);
    expect(parsed.bits).toBe(bits);
    expect(parsed.comment).toBe('me@laptop');
    expect(parsed.line).toBe(line);
    const blob = Buffer.from(line.split(' ')[1]!, 'base64');
    expect(parsed.fingerprint).toBe(`SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`);
    if (hasSshKeygen) {
      const keygen = sshKeygenFingerprint(line);
      expect(parsed.fingerprint).toBe(keygen.fingerprint);
      expect(parsed.bits).toBe(keygen.bits);
    }
  });

  it.each(SSH_KEYGEN_VECTORS)('matches ssh-keygen on its own $algorithm key', ({ line, fingerprint, algorithm, display }) => {
    const parsed = parseOpenSshPublicKey(line);
    expect(parsed.fingerprint).toBe(fingerprint);
    expect(parsed.algorithm).toBe(algorithm);
    expect(parsed.algorithmDisplayName).toBe(display);
  });

  it('keeps a key without comment as is', () => {
    const [type, data] = SSH_KEYGEN_VECTORS[0].line.split(' ');
    const parsed = parseOpenSshPublicKey(`${type} ${data}`);
    expect(parsed.comment).toBeNull();
    expect(parsed.line).toBe(`${type} ${data}`);
  });

  it('rejects garbage with INVALID_PUBLIC_KEY', () => {
    const [, ed25519Data] = SSH_KEYGEN_VECTORS[0].line.split(' ');
    const ecdsa = SSH_KEYGEN_VECTORS[1].line.split(' ')[1]!;
    expectInvalid('');
    expectInvalid('hello world');
    expectInvalid('ssh-ed25519');
    expectInvalid('ssh-ed25519 !!!notbase64!!!');
    expectInvalid('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMrgMkDBTrr9sF074khwrFo0ffN3bni7eu5ejsuDw2', /corrupt|malformed/);
    // Type on the line and inside the blob disagree.
    expectInvalid(`ssh-rsa ${ed25519Data}`, /ssh-ed25519/);
    expectInvalid(`ecdsa-sha2-nistp256 ${ecdsa}`, /nistp384/);
    // Truncated blob: valid base64, too short for the key.
    const truncated = Buffer.from(ed25519Data!, 'base64').subarray(0, 30).toString('base64');
    expectInvalid(`ssh-ed25519 ${truncated}`);
    // Trailing bytes after the key.
    const padded = Buffer.concat([Buffer.from(ed25519Data!, 'base64'), Buffer.from([0, 0, 0, 0])]).toString('base64');
    expectInvalid(`ssh-ed25519 ${padded}`, /unexpected bytes/);
    // Two keys pasted at once.
    expectInvalid(`${SSH_KEYGEN_VECTORS[0].line}\n${SSH_KEYGEN_VECTORS[1].line}`, /one line/);
    expectInvalid(SSH_KEYGEN_ENCRYPTED_ED25519.privateKey, /private key/);
    expectInvalid('ssh-dss AAAAB3NzaC1kc3MAAACBAP', /unsupported|corrupt|malformed/);
  });

  it('rejects an ECDSA point that is not on the curve', () => {
    const line = opensshLineOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, 'x');
    const blob = Buffer.from(line.split(' ')[1]!, 'base64');
    blob[blob.length - 1]! ^= 0x01;
    expectInvalid(`ecdsa-sha2-nistp256 ${blob.toString('base64')}`, /not a valid key/);
  });

  it('rejects an ECDSA point in compressed form, which OpenSSH does not read', () => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const compressed = new sshpk.Key({
      type: 'ecdsa',
      parts: [
        { name: 'curve', data: Buffer.from('nistp256') },
        { name: 'Q', data: ecdh.getPublicKey(undefined, 'compressed') },
      ],
    });
    expectInvalid(`ecdsa-sha2-nistp256 ${compressed.toBuffer('rfc4253').toString('base64')}`, /curve point/);
  });

  it('refuses RSA keys under 2048 bits', () => {
    const line = opensshLineOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey, 'old');
    expectInvalid(line, /2048/);
  });
});

describe('reading private keys back (what the tests below rely on)', () => {
  it('opens a passphrase-protected key that ssh-keygen made, and only with its passphrase', () => {
    const { privateKey, comment } = readOpenSshPrivateKey(
      SSH_KEYGEN_ENCRYPTED_ED25519.privateKey,
      SSH_KEYGEN_ENCRYPTED_ED25519.passphrase,
    );
    expect(comment).toBe('vector');
    const publicKey = parseOpenSshPublicKey(SSH_KEYGEN_ENCRYPTED_ED25519.publicLine).keyObject;
    const message = Buffer.from('gpufleet');
    expect(verify(null, message, publicKey, sign(null, message, privateKey))).toBe(true);
    expect(() => readOpenSshPrivateKey(SSH_KEYGEN_ENCRYPTED_ED25519.privateKey, 'wrong horse')).toThrow(/passphrase/);
    expect(() => readOpenSshPrivateKey(SSH_KEYGEN_ENCRYPTED_ED25519.privateKey)).toThrow();
  });
});

const GENERATION_CASES = [
  { algorithm: 'ed25519', display: 'ED25519', passphrase: undefined },
  { algorithm: 'ed25519', display: 'ED25519', passphrase: 'open sesame' },
  { algorithm: 'rsa-4096', display: 'RSA 4096', passphrase: undefined },
  { algorithm: 'rsa-2048', display: 'RSA 2048', passphrase: 'open sesame' },
  { algorithm: 'ecdsa-p256', display: 'ECDSA P-256', passphrase: undefined },
  { algorithm: 'ecdsa-p256', display: 'ECDSA P-256', passphrase: 'open sesame' },
] as const;

/** The cipher and KDF names an `openssh-key-v1` file states in its clear header. */
function encryptionOf(privateKey: string): { cipher: boolean; kdf: boolean } {
  const body = Buffer.from(privateKey.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64').toString('latin1');
  return { cipher: body.includes('aes256-ctr'), kdf: body.includes('bcrypt') };
}

describe('key pair generation', () => {
  it.each(GENERATION_CASES)(
    '$algorithm (passphrase: $passphrase) gives a matching, usable pair',
    async ({ algorithm, display, passphrase }) => {
      const pair = await generateSshKeyPair(algorithm, { comment: 'build box', ...(passphrase ? { passphrase } : {}) });
      const reparsed = parseOpenSshPublicKey(pair.publicKey.line);
      expect(reparsed.algorithm).toBe(algorithm);
      expect(reparsed.algorithmDisplayName).toBe(display);
      expect(reparsed.fingerprint).toBe(pair.publicKey.fingerprint);
      expect(reparsed.comment).toBe('build box');

      // OpenSSH's own format for every algorithm, encrypted as ssh-keygen does it when there is a passphrase.
      expect(pair.privateKey).toMatch(
        /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END OPENSSH PRIVATE KEY-----\n$/,
      );
      expect(encryptionOf(pair.privateKey)).toEqual({ cipher: !!passphrase, kdf: !!passphrase });
      if (passphrase) {
        expect(() => readOpenSshPrivateKey(pair.privateKey)).toThrow();
        expect(() => readOpenSshPrivateKey(pair.privateKey, 'wrong')).toThrow();
      }
      const opened = readOpenSshPrivateKey(pair.privateKey, passphrase);
      expect(opened.comment).toBe('build box');
      const message = Buffer.from(`proof for ${algorithm}`);
      const digest = algorithm === 'ed25519' ? null : 'sha256';
      expect(verify(digest, message, reparsed.keyObject, sign(digest, message, opened.privateKey))).toBe(true);
    },
  );

  it('leaves the comment out when there is none', async () => {
    const pair = await generateSshKeyPair('ed25519', { comment: '  ' });
    expect(pair.publicKey.comment).toBeNull();
    expect(pair.publicKey.line.split(' ')).toHaveLength(2);
  });
});

describe.skipIf(!hasSshKeygen)('generated keys in the real ssh-keygen', () => {
  it.each(GENERATION_CASES)(
    'ssh-keygen -y loads the $algorithm key (passphrase: $passphrase) and derives the same public key',
    async ({ algorithm, passphrase }) => {
      const pair = await generateSshKeyPair(algorithm, { comment: 'build box', ...(passphrase ? { passphrase } : {}) });
      const [type, data] = pair.publicKey.line.split(' ');
      // What `ssh -i` would read: ssh-keygen derives the very same public key from the private one.
      expect(sshKeygenPublicOf(pair.privateKey, passphrase ?? '')).toBe(`${type} ${data}`);
      if (passphrase) {
        expect(() => sshKeygenPublicOf(pair.privateKey, '')).toThrow();
        expect(() => sshKeygenPublicOf(pair.privateKey, 'wrong')).toThrow();
      }
      expect(sshKeygenFingerprint(pair.publicKey.line).fingerprint).toBe(pair.publicKey.fingerprint);
    },
  );
});
