import { execFileSync } from 'node:child_process';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sshpk from 'sshpk';

/**
 * What the SSH key tests check against: OpenSSH's own ssh-keygen when the machine has it, and sshpk for
 * building key lines from node:crypto keys and reading private keys back into node:crypto (so a pair can
 * be proven to sign and verify).
 */

/** `<type> <base64> <comment>` for a node:crypto public key. */
export function opensshLineOf(key: KeyObject, comment: string): string {
  const parsed = sshpk.parseKey(key.export({ type: 'spki', format: 'pem' }), 'pem');
  parsed.comment = comment;
  return parsed.toString('ssh');
}

/** An `openssh-key-v1` private key (plain or passphrase-protected) as a node:crypto key, with its comment. */
export function readOpenSshPrivateKey(text: string, passphrase?: string): { privateKey: KeyObject; comment: string } {
  const key = sshpk.parsePrivateKey(text, 'openssh', passphrase === undefined ? {} : { passphrase });
  return { privateKey: toNodePrivateKey(key), comment: key.comment ?? '' };
}

function toNodePrivateKey(key: sshpk.PrivateKey): KeyObject {
  if (key.type !== 'ed25519') return createPrivateKey(key.toString('pkcs8'));
  // sshpk writes ed25519 as a PKCS#8 v2 structure OpenSSL does not read; the two halves make a JWK instead.
  const part = (name: string) => key.parts.find((p) => p.name === name)!.data.toString('base64url');
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: part('k'), x: part('A') }, format: 'jwk' });
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

/**
 * `ssh-keygen -y` of a private key: the public line ssh derives from it (type and base64 only). Throws when
 * ssh-keygen cannot load the key, a wrong passphrase included.
 */
export function sshKeygenPublicOf(privateKey: string, passphrase = ''): string {
  const out = withTempFile(privateKey, (path) =>
    execFileSync('ssh-keygen', ['-y', '-P', passphrase, '-f', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  return out.trim().split(/\s+/).slice(0, 2).join(' ');
}
