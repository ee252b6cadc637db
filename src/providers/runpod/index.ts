import { Type } from '@sinclair/typebox';
import type { ProviderDefinition } from '../../core/provider/provider.ts';
import { RUNPOD_CAPABILITIES, RunpodProvider } from './adapter.ts';
import { PROVIDER_ID } from './errors.ts';
import { RUNPOD_IMAGES } from './images.ts';
import { runpodSimulator } from './simulator/index.ts';

export const runpod: ProviderDefinition = {
  id: PROVIDER_ID,
  displayName: 'RunPod',
  defaultBaseUrl: 'https://api.runpod.io/graphql',
  capabilities: RUNPOD_CAPABILITIES,
  images: RUNPOD_IMAGES,
  // A pod is scheduled onto a host before it appears in `myself.pods`.
  listingGraceMs: 60_000,
  credentialsSchema: Type.Object(
    {
      apiKey: Type.String({
        minLength: 1,
        description:
          'RunPod API key (console: Settings → API Keys) with read/write access to pods and network volumes; sent as a Bearer token.',
      }),
    },
    { additionalProperties: false },
  ),
  settingsSchema: Type.Object(
    {
      cloudType: Type.Optional(
        Type.Union([Type.Literal('SECURE'), Type.Literal('COMMUNITY'), Type.Literal('ALL')], {
          description:
            'Which RunPod cloud to offer: SECURE (RunPod data centers), COMMUNITY (third-party hosts, cheaper) or ALL (default).',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  connect: (account, deps) => new RunpodProvider(account, deps),
  simulator: runpodSimulator,
};
