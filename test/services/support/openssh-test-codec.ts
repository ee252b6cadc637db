import { execFileSync } from 'node:child_process';
import { createDecipheriv, createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bcryptPbkdf } from '../../../src/services/ssh-keys/bcrypt-pbkdf.ts';

/**
 * Test oracles written apart from the code under test: an OpenSSH public key line built straight from a
 * node:crypto key, an `openssh-key-v1` reader, and ssh-keygen when the machine has it.
 */

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

function mpint(base64url: string): Buffer {
  let bytes = Buffer.from(base64url, 'base64url');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return sshString(bytes);
}

/** `<type> <base64> <comment>` for a node:crypto public key. */
export function opensshLineOf(key: KeyObject, comment: string): string {
  const jwk = key.export({ format: 'jwk' });
  let type: string;
  let blob: Buffer;
  if (jwk.kty === 'OKP') {
    type = 'ssh-ed25519';
    blob = Buffer.concat([sshString(Buffer.from(type)), sshString(Buffer.from(jwk.x!, 'base64url'))]);
  } else if (jwk.kty === 'RSA') {
    type = 'ssh-rsa';
    blob = Buffer.concat([sshString(Buffer.from(type)), mpint(jwk.e!), mpint(jwk.n!)]);
  } else {
    const curve = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' }[jwk.crv as 'P-256']!;
    type = `ecdsa-sha2-${curve}`;
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    blob = Buffer.concat([sshString(Buffer.from(type)), sshString(Buffer.from(curve)), sshString(point)]);
  }
  return `${type} ${blob.toString('base64')} ${comment}`;
}

class Reader {
  at = 0;
  constructor(readonly buf: Buffer) {}
  u32(): number {
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  str(): Buffer {
    const n = this.u32();
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
}

/** Read an ed25519 `openssh-key-v1` private key (plain or bcrypt/aes256-ctr) into a node:crypto key. */
export function readOpenSshEd25519PrivateKey(text: string, passphrase?: string): { privateKey: KeyObject; comment: string } {
  const body = text
    .replace('-----BEGIN OPENSSH PRIVATE KEY-----', '')
    .replace('-----END OPENSSH PRIVATE KEY-----', '')
    .replace(/\s+/g, '');
  const buf = Buffer.from(body, 'base64');
  const magic = 'openssh-key-v1\0';
  if (buf.subarray(0, magic.length).toString('latin1') !== magic) throw new Error('bad magic');
  const r = new Reader(buf.subarray(magic.length));
  const cipher = r.str().toString();
  const kdf = r.str().toString();
  const kdfOptions = r.str();
  if (r.u32() !== 1) throw new Error('expected one key');
  r.str(); // public blob
  let section = r.str();
  if (cipher !== 'none') {
    if (cipher !== 'aes256-ctr' || kdf !== 'bcrypt' || !passphrase) throw new Error(`cannot open ${cipher}/${kdf}`);
    const opts = new Reader(kdfOptions);
    const salt = opts.str();
    const rounds = opts.u32();
    const material = bcryptPbkdf(Buffer.from(passphrase), salt, 48, rounds);
    const decipher = createDecipheriv('aes-256-ctr', material.subarray(0, 32), material.subarray(32));
    section = Buffer.concat([decipher.update(section), decipher.final()]);
  }
  const s = new Reader(section);
  const checkInt = s.u32();
  if (s.u32() !== checkInt) throw new Error('check ints differ: wrong passphrase');
  if (s.str().toString() !== 'ssh-ed25519') throw new Error('not ed25519');
  const pub = s.str();
  const secret = s.str();
  const comment = s.str().toString();
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: secret.subarray(0, 32).toString('base64url'), x: pub.toString('base64url') },
    format: 'jwk',
  });
  return { privateKey, comment };
}

export const hasSshKeygen = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // `ssh-keygen -?` prints usage and exits 1; only a missing binary is ENOENT.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
})();

function withTempFile<T>(content: string, work: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'gf-ssh-'));
  const path = join(dir, 'key');
  try {
    writeFileSync(path, content, { mode: 0o600 });
    return work(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `ssh-keygen -lf` of a public key line: `{bits, fingerprint, type}`. */
export function sshKeygenFingerprint(line: string): { bits: number; fingerprint: string; type: string } {
  const out = withTempFile(`${line}\n`, (path) => execFileSync('ssh-keygen', ['-l', '-f', path], { encoding: 'utf8' }));
  const match = /^(\d+) (SHA256:\S+) .*\((\S+)\)\s*$/.exec(out.trim());
  if (!match) throw new Error(`unexpected ssh-keygen output: ${out}`);
  return { bits: Number(match[1]), fingerprint: match[2]!, type: match[3]! };
}

/** `ssh-keygen -y` of a private key: the public line ssh derives from it (type and base64 only). */
export function sshKeygenPublicOf(privateKey: string, passphrase = ''): string {
  const out = withTempFile(privateKey, (path) =>
    execFileSync('ssh-keygen', ['-y', '-P', passphrase, '-f', path], { encoding: 'utf8' }),
  );
  return out.trim().split(/\s+/).slice(0, 2).join(' ');
}
