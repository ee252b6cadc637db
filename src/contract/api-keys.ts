import { type Static, Type } from '@sinclair/typebox';
import { Body, DateTime, Nullable, StringEnum, Uuid } from './common.ts';

export const RoleSchema = StringEnum(['admin', 'power_user', 'user'] as const, {
  description: 'admin: everything; power_user: manage VMs, SSH keys and resource groups; user: read only',
});
export type UserRole = Static<typeof RoleSchema>;

const apiKeyProperties = {
  id: Uuid(),
  name: Type.String(),
  role: RoleSchema,
  prefix: Type.String({ description: 'First characters of the key, to recognise it' }),
  createdAt: DateTime(),
  expiresAt: Nullable(DateTime()),
  suspended: Type.Boolean(),
  lastUsedAt: Nullable(DateTime()),
};

export const ApiKeySchema = Type.Object(apiKeyProperties, { $id: 'ApiKey' });
export type ApiKeyView = Static<typeof ApiKeySchema>;

export const ApiKeyWithSecretSchema = Type.Object(
  { ...apiKeyProperties, key: Type.String({ description: 'The key itself: shown in this answer only' }) },
  { $id: 'ApiKeyWithSecret' },
);
export type ApiKeyWithSecret = Static<typeof ApiKeyWithSecretSchema>;

export const CreateApiKeyBody = Body({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  role: RoleSchema,
  expiresAt: Type.Optional(DateTime('The key stops working at this time')),
});
export type ApiKeyCreateInput = Static<typeof CreateApiKeyBody>;
