import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import sshpk from 'sshpk';
import type { SshKeyAlgorithmChoice } from '../../contract/ssh-keys.ts';
import { type OpenSshPublicKey, parseOpenSshPublicKey } from './openssh.ts';

const generate = promisify(generateKeyPair);

export const SSH_KEY_ALGORITHM_CHOICES: readonly SshKeyAlgorithmChoice[] = ['ed25519', 'rsa-4096', 'rsa-2048', 'ecdsa-p256'];

/** ssh-keygen's own choice for passphrase-protected keys (with bcrypt_pbkdf deriving the key and IV). */
const PASSPHRASE_CIPHER = 'aes256-ctr';

export interface GeneratedSshKeyPair {
  publicKey: OpenSshPublicKey;
  /** What `ssh -i` reads: OpenSSH's own `openssh-key-v1` format, as ssh-keygen writes it, for every algorithm. */
  privateKey: string;
}

/**
 * A fresh key pair. With a passphrase the private key is encrypted the way ssh-keygen does it: bcrypt_pbkdf
 * and aes256-ctr (the legacy PEM encryption derives its key with a single MD5, which makes passphrases
 * cheap to guess).
 */
export async function generateSshKeyPair(
  algorithm: SshKeyAlgorithmChoice,
  options: { comment: string; passphrase?: string },
): Promise<GeneratedSshKeyPair> {
  const passphrase = options.passphrase ? options.passphrase : undefined;
  const comment = options.comment.replace(/\s+/g, ' ').trim();
  // node:crypto makes the key off the event loop (an RSA 4096 key takes seconds); sshpk writes it out.
  const { privateKey: generated } = await generatePair(algorithm);
  const key = sshpk.parsePrivateKey(generated.export({ type: 'pkcs8', format: 'pem' }), 'pkcs8');
  key.comment = comment;
  const publicKey = parseOpenSshPublicKey(key.toPublic().toString('ssh'));
  const privateKey = key.toString('openssh', passphrase ? { passphrase, cipher: PASSPHRASE_CIPHER } : {});
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
