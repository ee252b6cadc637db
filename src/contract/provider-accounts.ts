import { type Static, Type } from '@sinclair/typebox';
import { Body, DateTime, Nullable, StringEnum, Uuid } from './common.ts';

/** Free-form objects (settings, provider JSON schemas): serialised whole, never trimmed. */
const OpenObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

export const ProviderAccountSchema = Type.Object(
  {
    id: Uuid(),
    provider: Type.String(),
    name: Type.String(),
    baseUrl: Type.String(),
    settings: Type.Record(Type.String(), Type.Unknown(), { description: 'Provider-specific settings' }),
    enabled: Type.Boolean(),
    sandbox: Type.Boolean({ description: 'Account of a local provider simulator' }),
    health: StringEnum(['ok', 'auth_failed', 'unreachable', 'unknown'] as const),
    lastError: Nullable(Type.String()),
    lastSyncedAt: Nullable(DateTime()),
    credentialFields: Type.Array(Type.String(), { description: 'Names of the credential fields set; values are never returned' }),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { $id: 'ProviderAccount', description: 'An upstream GPU cloud account. Credentials are write-only.' },
);
export type ProviderAccountView = Static<typeof ProviderAccountSchema>;

export const ProviderDefinitionSchema = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  capabilities: OpenObject('What the provider supports'),
  credentialsSchema: OpenObject('JSON schema of the credentials object'),
  settingsSchema: OpenObject('JSON schema of the settings object'),
});
export type ProviderDefinition = Static<typeof ProviderDefinitionSchema>;

export const UnmanagedInstanceSchema = Type.Object({
  accountId: Type.String(),
  providerInstanceId: Type.String(),
  name: Type.String(),
  providerStatus: Type.String(),
  firstSeenAt: DateTime(),
  lastSeenAt: DateTime(),
});
/** An instance found at a provider that gpufleet did not create or no longer tracks. */
export type UnmanagedInstance = Static<typeof UnmanagedInstanceSchema>;

export const ProjectSchema = Type.Object({ id: Type.String(), name: Type.String() });
export type Project = Static<typeof ProjectSchema>;

const AccountName = Type.String({ minLength: 1, maxLength: 100 });
const Credentials = Type.Record(Type.String(), Type.String({ maxLength: 8192 }), {
  description: 'Write-only: validated against the provider definition, stored encrypted, never returned or logged',
});
const BaseUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  pattern: '^https?://',
  description: 'http(s) URL of the provider API',
});
const Settings = Type.Record(Type.String(), Type.Unknown(), { description: "Validated against the provider's settings schema" });

export const CreateProviderAccountBody = Body({
  provider: Type.String({ minLength: 1, maxLength: 50, description: 'Provider id from GET /v1/provider-accounts/providers' }),
  name: AccountName,
  credentials: Credentials,
  baseUrl: Type.Optional(BaseUrl),
  settings: Type.Optional(Settings),
  enabled: Type.Optional(Type.Boolean()),
});
export type AccountCreateInput = Static<typeof CreateProviderAccountBody>;

export const UpdateProviderAccountBody = Body({
  name: Type.Optional(AccountName),
  credentials: Type.Optional(Credentials),
  baseUrl: Type.Optional(BaseUrl),
  settings: Type.Optional(Settings),
  enabled: Type.Optional(Type.Boolean()),
});
/** Credential fields given replace the stored ones of the same name; `settings` replaces them whole. */
export type AccountUpdateInput = Static<typeof UpdateProviderAccountBody>;
