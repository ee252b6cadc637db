import type { ProviderDefinition } from '../../core/provider/provider.ts';
import { FLUIDSTACK_CAPABILITIES, FluidstackProvider } from './adapter.ts';
import { FLUIDSTACK_IMAGES } from './images.ts';
import { credentialsSchema, DEFAULT_GLOBAL_BASE_URL, PROVIDER_ID, settingsSchema } from './settings.ts';
import { fluidstackSimulator } from './simulator/index.ts';

/** Fluidstack Atlas: VMs per region, OAuth2 client credentials, a project per account, contract prices. */
export const fluidstack: ProviderDefinition = {
  id: PROVIDER_ID,
  displayName: 'Fluidstack',
  defaultBaseUrl: DEFAULT_GLOBAL_BASE_URL,
  capabilities: FLUIDSTACK_CAPABILITIES,
  images: FLUIDSTACK_IMAGES,
  // New instances are listed within seconds of the create.
  listingGraceMs: 30_000,
  credentialsSchema,
  settingsSchema,
  connect: (account, deps) => new FluidstackProvider(account, deps),
  simulator: fluidstackSimulator,
};
