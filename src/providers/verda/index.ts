import { Type } from '@sinclair/typebox';
import type { ProviderDefinition } from '../../core/provider/provider.ts';
import { VERDA_CAPABILITIES, VerdaProvider } from './adapter.ts';
import { VERDA_IMAGES } from './images.ts';
import { verdaSimulator } from './simulator/server.ts';

/** Verda (formerly DataCrunch): dedicated GPU VMs in Finland and Iceland. */
export const verda: ProviderDefinition = {
  id: 'verda',
  displayName: 'Verda (DataCrunch)',
  defaultBaseUrl: 'https://api.verda.com/v1',
  capabilities: VERDA_CAPABILITIES,
  images: VERDA_IMAGES,
  // New instances are listed within seconds of the create.
  listingGraceMs: 30_000,
  credentialsSchema: Type.Object(
    {
      clientId: Type.String({
        minLength: 1,
        description: 'Cloud API client id (console: Project → Keys → Cloud API Credentials).',
      }),
      clientSecret: Type.String({
        minLength: 1,
        description: 'Cloud API client secret, shown once when the credentials are created.',
      }),
    },
    { additionalProperties: false, description: 'OAuth2 client credentials of a Verda project.' },
  ),
  settingsSchema: Type.Object(
    {
      currency: Type.Optional(
        Type.Union([Type.Literal('usd'), Type.Literal('eur')], {
          description: 'Currency of the prices Verda quotes for this project (default usd).',
        }),
      ),
    },
    { additionalProperties: false, description: 'Verda account settings.' },
  ),
  connect: (account, deps) => new VerdaProvider(account, deps),
  simulator: verdaSimulator,
};
