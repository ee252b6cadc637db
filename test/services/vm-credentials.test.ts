import { createPublicKey, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError } from '../../src/services/secrets.ts';
import { parseOpenSshPublicKey } from '../../src/services/ssh-keys/openssh.ts';
import { generatedPublicKeys, generateVmKey, openStoredKey, storedKeyContext } from '../../src/services/vms/credentials.ts';
import { hasSshKeygen, opensshLineOf, readOpenSshPrivateKey, sshKeygenPublicOf } from './support/openssh-oracles.ts';

describe('a key pair generated for one VM', () => {
  const box = new SecretBox(randomBytes(32));

  it('seals an OpenSSH ED25519 private key whose public half is the one installed on the machine', async () => {
    const vmId = randomUUID();
    const generated = await generateVmKey(vmId, box);
    expect(generated.columns.has_stored_credentials).toBe(1);
    expect(generated.columns.stored_private_key_enc).toMatch(/^v1\./);
    expect(generated.columns.stored_private_key_enc).not.toMatch(/OPENSSH|BEGIN/);

    const privateKey = openStoredKey({ id: vmId, stored_private_key_enc: generated.columns.stored_private_key_enc }, box);
    expect(privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    // Read back, the pair signs and verifies.
    const opened = readOpenSshPrivateKey(privateKey);
    expect(opened.comment).toBe(`gpufleet-${vmId}`);
    const publicKey = createPublicKey(opened.privateKey);
    const message = Buffer.from('log in');
    expect(verify(null, message, publicKey, sign(null, message, opened.privateKey))).toBe(true);

    const [installed] = generatedPublicKeys({ id: vmId, generated_public_key: generated.columns.generated_public_key });
    expect(installed).toEqual({
      name: `gpufleet-${vmId}`,
      publicKey: opensshLineOf(publicKey, `gpufleet-${vmId}`),
      fingerprint: generated.fingerprint,
    });
    expect(parseOpenSshPublicKey(installed!.publicKey)).toMatchObject({
      algorithm: 'ed25519',
      fingerprint: generated.fingerprint,
    });
  });

  it.skipIf(!hasSshKeygen)('seals a private key ssh-keygen loads, deriving the public key installed on the machine', async () => {
    const vmId = randomUUID();
    const generated = await generateVmKey(vmId, box);
    const privateKey = openStoredKey({ id: vmId, stored_private_key_enc: generated.columns.stored_private_key_enc }, box);
    expect(sshKeygenPublicOf(privateKey)).toBe(generated.columns.generated_public_key.split(' ').slice(0, 2).join(' '));
  });

  it('opens only for its own VM: a sealed key copied to another VM does not open', async () => {
    const vmId = randomUUID();
    const { columns } = await generateVmKey(vmId, box);
    expect(() => openStoredKey({ id: randomUUID(), stored_private_key_enc: columns.stored_private_key_enc }, box)).toThrow(
      SecretBoxError,
    );
    expect(() => box.open(columns.stored_private_key_enc, `vm_env:${vmId}`)).toThrow(SecretBoxError);
    expect(box.open(columns.stored_private_key_enc, storedKeyContext(vmId))).toMatch(/PRIVATE KEY/);
  });

  it('makes a fresh pair every time, and installs nothing for a VM without one', async () => {
    const vmId = randomUUID();
    const [a, b] = await Promise.all([generateVmKey(vmId, box), generateVmKey(vmId, box)]);
    expect(a.fingerprint).not.toBe(b.fingerprint);
    expect(generatedPublicKeys({ id: vmId, generated_public_key: null })).toEqual([]);
  });
});
