import { type Static, Type } from '@sinclair/typebox';
import { Body, DateTime, ListQuery, Nullable, StringEnum, Uuid } from './common.ts';

export const SSH_KEY_SORTABLE = ['createdAt', 'updatedAt', 'name'] as const;

const sshKeyProperties = {
  id: Uuid(),
  entityId: Uuid(),
  name: Type.String(),
  publicKey: Type.String({ description: 'OpenSSH public key' }),
  fingerprint: Type.String({ description: 'SHA-256 fingerprint as OpenSSH prints it (`SHA256:…`)' }),
  algorithm: Type.String({ description: 'e.g. ed25519, rsa-4096, ecdsa-p256' }),
  algorithmDisplayName: Type.String({ description: 'e.g. ED25519, RSA 4096' }),
  isDefault: Type.Boolean(),
  createdAt: DateTime(),
  updatedAt: DateTime(),
  deletedAt: Nullable(DateTime()),
};

export const SshKeySchema = Type.Object(sshKeyProperties, { $id: 'SshKey' });
export type SshKey = Static<typeof SshKeySchema>;

export const GeneratedSshKeySchema = Type.Object(
  {
    ...sshKeyProperties,
    privateKey: Type.String({ description: 'Shown in this answer only; gpufleet does not keep it' }),
  },
  { $id: 'GeneratedSshKey' },
);
export type GeneratedSshKey = Static<typeof GeneratedSshKeySchema>;

const KeyName = Type.String({ minLength: 1, maxLength: 100 });

export const UploadSshKeyBody = Body({
  name: KeyName,
  publicKey: Type.String({ minLength: 1, maxLength: 16384, description: 'OpenSSH public key line (algorithm detected)' }),
  isDefault: Type.Optional(Type.Boolean()),
});
export type SshKeyUploadInput = Static<typeof UploadSshKeyBody>;

export const GenerateSshKeyBody = Body({
  name: KeyName,
  algorithm: Type.Optional(
    StringEnum(['ed25519', 'rsa-4096', 'rsa-2048', 'ecdsa-p256'] as const, { description: 'Default ed25519 (recommended)' }),
  ),
  passphrase: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'Encrypts the returned private key' })),
  isDefault: Type.Optional(Type.Boolean()),
});
export type SshKeyGenerateInput = Static<typeof GenerateSshKeyBody>;
export type SshKeyAlgorithmChoice = NonNullable<SshKeyGenerateInput['algorithm']>;

export const UpdateSshKeyBody = Body({
  name: Type.Optional(KeyName),
  isDefault: Type.Optional(Type.Boolean()),
});
export type SshKeyUpdateInput = Static<typeof UpdateSshKeyBody>;

export const SshKeyListQuery = ListQuery(SSH_KEY_SORTABLE, {});
