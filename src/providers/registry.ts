import type { ProviderDefinition } from '../core/provider/provider.ts';
import { fluidstack } from './fluidstack/index.ts';
import { runpod } from './runpod/index.ts';
import { verda } from './verda/index.ts';

/** Every cloud gpufleet can drive. Adding one is its folder plus one line here. */
export const providerRegistry: readonly ProviderDefinition[] = [verda, runpod, fluidstack];

export function findProvider(id: string): ProviderDefinition | undefined {
  return providerRegistry.find((p) => p.id === id);
}
