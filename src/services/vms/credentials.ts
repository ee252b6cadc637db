import type { CreateInstanceRequest } from '../../core/provider/provider.ts';
import type { SecretBox } from '../secrets.ts';
import { generateSshKeyPair } from '../ssh-keys/keygen.ts';
import { parseOpenSshPublicKey } from '../ssh-keys/openssh.ts';

/**
 * GPCN's stored credentials: an ED25519 key pair generated for one VM at order time (`generateSshKey`).
 * The private key is sealed at rest for that VM alone and handed out only by `GET /v1/resource/gpu/{id}/ssh-key`;
 * the public key is installed on the machine next to the order's library key. Both are wiped once the VM is
 * destroyed.
 */

/** The sealing context of a VM's generated private key: a sealed value copied to another VM does not open. */
export const storedKeyContext = (vmId: string) => `vm_private_key:${vmId}`;

/** What the key pair is called at the provider and in its comment: the VM's id, which needs no quoting anywhere. */
const keyNameOf = (vmId: string) => `gpufleet-${vmId}`;

export interface GeneratedVmKey {
  /** The VM row's columns for it. */
  columns: { has_stored_credentials: 1; stored_private_key_enc: string; generated_public_key: string };
  fingerprint: string;
}

/** A fresh key pair for the VM `vmId`, its private half sealed. The private key itself is not kept in memory beyond this. */
export async function generateVmKey(vmId: string, secrets: SecretBox): Promise<GeneratedVmKey> {
  const pair = await generateSshKeyPair('ed25519', { comment: keyNameOf(vmId) });
  return {
    columns: {
      has_stored_credentials: 1,
      stored_private_key_enc: secrets.seal(pair.privateKey, storedKeyContext(vmId)),
      generated_public_key: pair.publicKey.line,
    },
    fingerprint: pair.publicKey.fingerprint,
  };
}

/** The VM row's columns without a generated key. */
export const NO_GENERATED_KEY = { has_stored_credentials: 0, stored_private_key_enc: null, generated_public_key: null } as const;

/** The generated public key as a create request's SSH key, or none. */
export function generatedPublicKeys(vm: {
  id: string;
  generated_public_key: string | null;
}): CreateInstanceRequest['sshPublicKeys'] {
  if (!vm.generated_public_key) return [];
  const parsed = parseOpenSshPublicKey(vm.generated_public_key);
  return [{ name: keyNameOf(vm.id), publicKey: parsed.line, fingerprint: parsed.fingerprint }];
}

/** The stored private key (OpenSSH format) of a VM, opened. */
export function openStoredKey(vm: { id: string; stored_private_key_enc: string }, secrets: SecretBox): string {
  return secrets.open<string>(vm.stored_private_key_enc, storedKeyContext(vm.id));
}
