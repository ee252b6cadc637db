import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { SshKeyAlgorithmChoice } from '../types.ts';
import { type OpenSshPublicKey, parseOpenSshPublicKey, publicKeyBlob } from './openssh.ts';
import { encodeOpenSshEd25519PrivateKey } from './openssh-private-key.ts';

const generate = promisify(generateKeyPair);

export const SSH_KEY_ALGORITHM_CHOICES: readonly SshKeyAlgorithmChoice[] = ['ed25519', 'rsa-4096', 'rsa-2048', 'ecdsa-p256'];

export interface GeneratedSshKeyPair {
  publicKey: OpenSshPublicKey;
  /** What `ssh -i` reads: OpenSSH format for ed25519, traditional PEM (PKCS#1 / SEC1) for RSA and ECDSA. */
  privateKey: string;
}

/**
 * A fresh key pair. With a passphrase the private key is encrypted: ed25519 the way ssh-keygen does it
 * (bcrypt_pbkdf + aes256-ctr), RSA/ECDSA as PEM with aes-256-cbc, which ssh also reads.
 */
export async function generateSshKeyPair(
  algorithm: SshKeyAlgorithmChoice,
  options: { comment: string; passphrase?: string },
): Promise<GeneratedSshKeyPair> {
  const passphrase = options.passphrase ? options.passphrase : undefined;
  const comment = options.comment.replace(/\s+/g, ' ').trim();
  const pair = await generatePair(algorithm);
  const { keyType, blob } = publicKeyBlob(pair.publicKey);
  const publicKey = parseOpenSshPublicKey(`${keyType} ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`);

  if (algorithm === 'ed25519') {
    const jwk = pair.privateKey.export({ format: 'jwk' });
    const privateKey = encodeOpenSshEd25519PrivateKey({
      publicKey: Buffer.from(jwk.x!, 'base64url'),
      seed: Buffer.from(jwk.d!, 'base64url'),
      comment,
      ...(passphrase ? { passphrase } : {}),
    });
    return { publicKey, privateKey };
  }

  const type = algorithm.startsWith('rsa') ? 'pkcs1' : 'sec1';
  const privateKey = pair.privateKey.export(
    passphrase ? { type, format: 'pem', cipher: 'aes-256-cbc', passphrase } : { type, format: 'pem' },
  ) as string;
  return { publicKey, privateKey };
}

async function generatePair(algorithm: SshKeyAlgorithmChoice): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  switch (algorithm) {
    case 'ed25519':
      return generate('ed25519');
    case 'rsa-4096':
      return generate('rsa', { modulusLength: 4096, publicExponent: 0x10001 });
    case 'rsa-2048':
      return generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    case 'ecdsa-p256':
      return generate('ec', { namedCurve: 'P-256' });
  }
}
