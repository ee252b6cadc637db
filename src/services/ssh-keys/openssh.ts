import { createPublicKey, type KeyObject } from 'node:crypto';
import sshpk from 'sshpk';
import { AppError } from '../errors.ts';

/** An OpenSSH public key, checked and described the way `ssh-keygen -l` describes it. */
export interface OpenSshPublicKey {
  /** The key type on the line, e.g. `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`. */
  keyType: string;
  /** gpufleet's algorithm name: `ed25519`, `rsa-<bits>`, `ecdsa-p256`, `ecdsa-p384`, `ecdsa-p521`. */
  algorithm: string;
  /** e.g. `ED25519`, `RSA 4096`, `ECDSA P-256`. */
  algorithmDisplayName: string;
  bits: number;
  /** `SHA256:<base64 without padding>`, exactly as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The canonical one-line form: type, base64 blob and the comment when there was one. */
  line: string;
  comment: string | null;
  /** The same key for node:crypto (signature checks). */
  keyObject: KeyObject;
}

type Described = Pick<OpenSshPublicKey, 'algorithm' | 'algorithmDisplayName'>;

/** The key types gpufleet lets onto a machine: OpenSSH's current ones, without DSA (which OpenSSH itself dropped). */
const KEY_TYPES: Record<string, (bits: number) => Described> = {
  'ssh-ed25519': () => ({ algorithm: 'ed25519', algorithmDisplayName: 'ED25519' }),
  'ssh-rsa': (bits) => ({ algorithm: `rsa-${bits}`, algorithmDisplayName: `RSA ${bits}` }),
  'ecdsa-sha2-nistp256': () => ({ algorithm: 'ecdsa-p256', algorithmDisplayName: 'ECDSA P-256' }),
  'ecdsa-sha2-nistp384': () => ({ algorithm: 'ecdsa-p384', algorithmDisplayName: 'ECDSA P-384' }),
  'ecdsa-sha2-nistp521': () => ({ algorithm: 'ecdsa-p521', algorithmDisplayName: 'ECDSA P-521' }),
};

/** Below this an RSA key is too weak to let onto a GPU machine; OpenSSH itself refuses 16384+ bits. */
const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 16384;

const invalid = (reason: string) => new AppError(400, 'INVALID_PUBLIC_KEY', `not a valid OpenSSH public key: ${reason}`);

/** Parse one `authorized_keys`-style line (`<type> <base64> [comment]`); throws `INVALID_PUBLIC_KEY` otherwise. */
export function parseOpenSshPublicKey(input: string): OpenSshPublicKey {
  const text = input.trim();
  if (text.length === 0) throw invalid('the key is empty');
  if (text.includes('PRIVATE KEY')) throw invalid('this is a private key; upload the public key (the .pub file) instead');
  if (/[\r\n]/.test(text)) throw invalid('expected exactly one line');
  const match = /^(\S+)\s+([A-Za-z0-9+/]+={0,2})(?:\s+(.*))?$/.exec(text);
  if (!match) throw invalid('expected "<type> <base64 key> [comment]"');
  const [, keyType, base64, rawComment] = match as unknown as [string, string, string, string | undefined];
  const blob = Buffer.from(base64, 'base64');
  if (blob.toString('base64') !== base64.padEnd(Math.ceil(base64.length / 4) * 4, '='))
    throw invalid('the base64 part is corrupt');

  const describe = KEY_TYPES[keyType];
  if (!describe) throw invalid(`unsupported key type ${keyType} (use ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256/384/521)`);
  const key = parseKeyData(keyType, blob);
  const bits = key.size;
  if (key.type === 'rsa') {
    if (bits < RSA_MIN_BITS) throw invalid(`RSA keys need at least ${RSA_MIN_BITS} bits (this one has ${bits})`);
    if (bits > RSA_MAX_BITS) throw invalid(`RSA keys of more than ${RSA_MAX_BITS} bits are not supported`);
  }
  if (key.type === 'ecdsa') {
    // Only uncompressed points (0x04 || x || y): OpenSSH refuses any other form.
    const point = key.parts.find((part) => part.name === 'Q')?.data;
    if (!point || point.length !== 1 + 2 * Math.ceil(bits / 8) || point[0] !== 0x04)
      throw invalid('the curve point is malformed');
  }

  const comment = rawComment?.trim() || null;
  const canonical = blob.toString('base64');
  return {
    keyType,
    ...describe(bits),
    bits,
    fingerprint: key.fingerprint('sha256').toString(),
    line: comment ? `${keyType} ${canonical} ${comment}` : `${keyType} ${canonical}`,
    comment,
    keyObject: toKeyObject(key),
  };
}

/** The key in an SSH public key blob, which must be exactly the key the line names, written the one way OpenSSH writes it. */
function parseKeyData(keyType: string, blob: Buffer): sshpk.Key {
  let key: sshpk.Key;
  try {
    key = sshpk.parseKey(blob, 'rfc4253');
  } catch {
    throw invalid(`the ${keyType} key data is malformed`);
  }
  const [innerType] = key.toString('ssh').split(' ');
  if (innerType !== keyType) throw invalid(`the line says ${keyType} but the key data is ${innerType}`);
  // sshpk reads leniently (it skips what follows a complete key, pads short fields): writing the key back
  // must give the very bytes that came in, or the fingerprint would be of a different blob than the line's.
  const written = key.toBuffer('rfc4253');
  if (!written.equals(blob)) {
    const trailing = blob.length > written.length && blob.subarray(0, written.length).equals(written);
    throw invalid(trailing ? 'unexpected bytes after the key' : `the ${keyType} key data is malformed`);
  }
  return key;
}

function toKeyObject(key: sshpk.Key): KeyObject {
  try {
    return createPublicKey(key.toString('pkcs8'));
  } catch {
    // node:crypto checks the key mathematically (EC points on the curve, sizes); a failure means garbage.
    throw invalid('the key material is not a valid key');
  }
}
