import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { AppError } from '../errors.ts';
import { SshWireReader, SshWireWriter } from './ssh-wire.ts';

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

const EC_CURVES: Record<string, { jwkCurve: string; coordinateBytes: number; bits: number; display: string }> = {
  nistp256: { jwkCurve: 'P-256', coordinateBytes: 32, bits: 256, display: 'P-256' },
  nistp384: { jwkCurve: 'P-384', coordinateBytes: 48, bits: 384, display: 'P-384' },
  nistp521: { jwkCurve: 'P-521', coordinateBytes: 66, bits: 521, display: 'P-521' },
};

/** Below this an RSA key is too weak to let onto a GPU machine; OpenSSH itself refuses 16384+ bits. */
const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 16384;

const invalid = (reason: string) => new AppError(400, 'INVALID_PUBLIC_KEY', `not a valid OpenSSH public key: ${reason}`);

/** The fingerprint of a public key blob, in ssh-keygen's default format. */
export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

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

  let described: Omit<OpenSshPublicKey, 'keyType' | 'fingerprint' | 'line' | 'comment'>;
  try {
    described = describeBlob(keyType, blob);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw invalid(`the ${keyType} key data is malformed (${(error as Error).message})`);
  }
  const comment = rawComment?.trim() || null;
  const canonical = blob.toString('base64');
  return {
    keyType,
    ...described,
    fingerprint: sshFingerprint(blob),
    line: comment ? `${keyType} ${canonical} ${comment}` : `${keyType} ${canonical}`,
    comment,
  };
}

function describeBlob(keyType: string, blob: Buffer): Omit<OpenSshPublicKey, 'keyType' | 'fingerprint' | 'line' | 'comment'> {
  const reader = new SshWireReader(blob);
  const innerType = reader.text();
  if (innerType !== keyType) throw invalid(`the line says ${keyType} but the key data is ${innerType}`);

  if (keyType === 'ssh-ed25519') {
    const raw = reader.bytes();
    expectEnd(reader);
    if (raw.length !== 32) throw invalid('an ed25519 key is 32 bytes');
    const keyObject = importJwk({ kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') });
    return { algorithm: 'ed25519', algorithmDisplayName: 'ED25519', bits: 256, keyObject };
  }

  if (keyType === 'ssh-rsa') {
    const e = reader.positiveMpint();
    const n = reader.positiveMpint();
    expectEnd(reader);
    const bits = bitLength(n);
    if (bits < RSA_MIN_BITS) throw invalid(`RSA keys need at least ${RSA_MIN_BITS} bits (this one has ${bits})`);
    if (bits > RSA_MAX_BITS) throw invalid(`RSA keys of more than ${RSA_MAX_BITS} bits are not supported`);
    const keyObject = importJwk({ kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') });
    return { algorithm: `rsa-${bits}`, algorithmDisplayName: `RSA ${bits}`, bits, keyObject };
  }

  const ecMatch = /^ecdsa-sha2-(nistp\d+)$/.exec(keyType);
  const curve = ecMatch ? EC_CURVES[ecMatch[1]!] : undefined;
  if (ecMatch && curve) {
    const curveName = reader.text();
    const point = reader.bytes();
    expectEnd(reader);
    if (curveName !== ecMatch[1]) throw invalid(`curve ${curveName} does not match key type ${keyType}`);
    // Only uncompressed points (0x04 || x || y): that is what OpenSSH writes.
    if (point.length !== 1 + 2 * curve.coordinateBytes || point[0] !== 0x04) throw invalid('the curve point is malformed');
    const x = point.subarray(1, 1 + curve.coordinateBytes);
    const y = point.subarray(1 + curve.coordinateBytes);
    const keyObject = importJwk({ kty: 'EC', crv: curve.jwkCurve, x: x.toString('base64url'), y: y.toString('base64url') });
    const suffix = curve.display.replace('-', '').toLowerCase();
    return { algorithm: `ecdsa-${suffix}`, algorithmDisplayName: `ECDSA ${curve.display}`, bits: curve.bits, keyObject };
  }

  throw invalid(`unsupported key type ${keyType} (use ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256/384/521)`);
}

function expectEnd(reader: SshWireReader): void {
  if (!reader.done) throw invalid('unexpected bytes after the key');
}

function importJwk(jwk: JsonWebKey): KeyObject {
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    // node:crypto checks the key mathematically (EC points on the curve, sizes); a failure means garbage.
    throw invalid('the key material is not a valid key');
  }
}

function bitLength(magnitude: Buffer): number {
  const top = magnitude[0] ?? 0;
  return (magnitude.length - 1) * 8 + (top === 0 ? 0 : 32 - Math.clz32(top));
}

/** The OpenSSH public key blob of a node:crypto public key (ed25519, RSA or NIST ECDSA). */
export function publicKeyBlob(key: KeyObject): { keyType: string; blob: Buffer } {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    const keyType = 'ssh-ed25519';
    return { keyType, blob: new SshWireWriter().text(keyType).bytes(fromB64url(jwk.x)).toBuffer() };
  }
  if (jwk.kty === 'RSA') {
    const keyType = 'ssh-rsa';
    const blob = new SshWireWriter().text(keyType).positiveMpint(fromB64url(jwk.e)).positiveMpint(fromB64url(jwk.n)).toBuffer();
    return { keyType, blob };
  }
  if (jwk.kty === 'EC') {
    const entry = Object.entries(EC_CURVES).find(([, c]) => c.jwkCurve === jwk.crv);
    if (!entry) throw new Error(`unsupported EC curve ${jwk.crv}`);
    const [name] = entry;
    const keyType = `ecdsa-sha2-${name}`;
    const point = Buffer.concat([Buffer.from([0x04]), fromB64url(jwk.x), fromB64url(jwk.y)]);
    return { keyType, blob: new SshWireWriter().text(keyType).text(name).bytes(point).toBuffer() };
  }
  throw new Error(`unsupported key kind ${jwk.kty}`);
}

function fromB64url(value: string | undefined): Buffer {
  if (!value) throw new Error('JWK field missing');
  return Buffer.from(value, 'base64url');
}
