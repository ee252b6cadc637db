import { Type } from '@sinclair/typebox';
import { ProviderError } from '../../../src/core/provider/errors.ts';
import type { Provider, ProviderAccountConfig, ProviderDefinition, ProviderDeps } from '../../../src/core/provider/provider.ts';

/**
 * A provider definition for the account service's unit tests: `verify` accepts the keys in `validKeys`,
 * answers `unavailable` for keys starting with `down-`, and `auth` otherwise (echoing the key, as a careless
 * provider might). It logs the configuration it was connected with, so a test can prove nothing secret
 * reaches the logs through the service.
 */
export function fakeProvider(options: { id?: string; withExtras?: boolean; validKeys?: string[] } = {}) {
  const id = options.id ?? 'fakecloud';
  const validKeys = new Set(options.validKeys ?? ['valid-key-0001', 'valid-key-0002']);
  const verified: ProviderAccountConfig[] = [];
  const unsupported = (): never => {
    throw new Error('not used by these tests');
  };

  const connect = (account: ProviderAccountConfig, deps: ProviderDeps): Provider => {
    deps.logger.info('fake adapter connected', { accountId: account.accountId, baseUrl: account.baseUrl });
    const extras = options.withExtras
      ? {
          listProjects: async () => [{ id: 'p-1', name: `project of ${account.name}` }],
        }
      : {};
    return {
      providerId: id,
      capabilities: definition.capabilities,
      async verify() {
        verified.push(structuredClone(account));
        const key = account.credentials.apiKey ?? '';
        if (key.startsWith('down-'))
          throw new ProviderError({ provider: id, kind: 'unavailable', message: 'connection refused' });
        if (!validKeys.has(key))
          throw new ProviderError({ provider: id, kind: 'auth', status: 401, message: `invalid api key ${key}` });
      },
      listOffers: unsupported,
      listInstances: unsupported,
      getInstance: unsupported,
      createInstance: unsupported,
      startInstance: unsupported,
      stopInstance: unsupported,
      deleteInstance: unsupported,
      close: async () => undefined,
      ...extras,
    };
  };

  const definition: ProviderDefinition = {
    id,
    displayName: `Fake Cloud ${id}`,
    defaultBaseUrl: `https://api.${id}.example/v1`,
    listingGraceMs: 30_000,
    images: [{ name: 'ubuntu-24.04', providerImage: 'ubuntu-24.04' }],
    capabilities: {
      stopStart: true,
      billsWhileStopped: false,
      spot: false,
      machineKind: 'vm',
      jupyter: false,
      volumes: null,
      workload: { startupScriptVia: 'user data', maxStartupScriptBytes: 16384, env: 'script', ports: 'public-ip' },
    },
    credentialsSchema: Type.Object(
      { apiKey: Type.String({ minLength: 8 }), orgToken: Type.Optional(Type.String({ minLength: 1 })) },
      { additionalProperties: false },
    ),
    settingsSchema: Type.Object(
      { project: Type.String({ default: 'default-project' }), regions: Type.Optional(Type.Array(Type.String())) },
      { additionalProperties: false },
    ),
    connect,
    simulator: { start: unsupported },
  };
  return { definition, verified };
}
