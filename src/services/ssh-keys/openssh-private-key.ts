import { createCipheriv, randomBytes } from 'node:crypto';
import { bcryptPbkdf } from './bcrypt-pbkdf.ts';
import { SshWireWriter } from './ssh-wire.ts';

const AUTH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
/** ssh-keygen's default work factor for passphrase-protected keys (`-a 16`). */
export const DEFAULT_KDF_ROUNDS = 16;

/**
 * An ed25519 private key in OpenSSH's own `openssh-key-v1` format, which every `ssh` reads (OpenSSH
 * releases before 9.6 cannot read ed25519 keys in PKCS#8 PEM at all). With a passphrase it is encrypted
 * the way ssh-keygen does it: aes256-ctr with key and IV from bcrypt_pbkdf.
 */
export function encodeOpenSshEd25519PrivateKey(input: {
  publicKey: Buffer;
  /** The 32-byte private seed. */
  seed: Buffer;
  comment: string;
  passphrase?: string;
  rounds?: number;
}): string {
  const keyType = 'ssh-ed25519';
  const publicBlob = new SshWireWriter().text(keyType).bytes(input.publicKey).toBuffer();
  const checkInt = randomBytes(4).readUInt32BE();
  const privateSection = new SshWireWriter()
    .uint32(checkInt)
    .uint32(checkInt)
    .text(keyType)
    .bytes(input.publicKey)
    // OpenSSH stores ed25519's secret as seed || public key (64 bytes).
    .bytes(Buffer.concat([input.seed, input.publicKey]))
    .bytes(Buffer.from(input.comment, 'utf8'))
    .toBuffer();

  const encrypted = input.passphrase !== undefined && input.passphrase.length > 0;
  const blockSize = encrypted ? 16 : 8;
  const padded = Buffer.concat([privateSection, deterministicPadding(privateSection.length, blockSize)]);

  const file = new SshWireWriter().raw(AUTH_MAGIC);
  let sealed = padded;
  if (encrypted) {
    const salt = randomBytes(16);
    const rounds = input.rounds ?? DEFAULT_KDF_ROUNDS;
    const material = bcryptPbkdf(Buffer.from(input.passphrase!, 'utf8'), salt, 32 + 16, rounds);
    const cipher = createCipheriv('aes-256-ctr', material.subarray(0, 32), material.subarray(32));
    sealed = Buffer.concat([cipher.update(padded), cipher.final()]);
    file.text('aes256-ctr').text('bcrypt').bytes(new SshWireWriter().bytes(salt).uint32(rounds).toBuffer());
  } else {
    file.text('none').text('none').bytes(Buffer.alloc(0));
  }
  file.uint32(1).bytes(publicBlob).bytes(sealed);
  return armor(file.toBuffer());
}

/** Padding bytes 1, 2, 3, … up to the cipher's block size, as the format prescribes. */
function deterministicPadding(length: number, blockSize: number): Buffer {
  const count = (blockSize - (length % blockSize)) % blockSize;
  return Buffer.from(Array.from({ length: count }, (_, i) => i + 1));
}

function armor(body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}
