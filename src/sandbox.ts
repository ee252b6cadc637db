import { join } from 'node:path';
import type { ProviderDefinition, RunningSimulator } from './core/provider/provider.ts';
import { providerRegistry } from './providers/registry.ts';

export interface Sandbox {
  clouds: { definition: ProviderDefinition; simulator: RunningSimulator }[];
  close(): Promise<void>;
}

/**
 * The three simulated clouds of sandbox mode, each a real HTTP server on loopback that gpufleet reaches
 * exactly as it would reach the real provider. Their state lives in the data directory, so VMs made in
 * the sandbox are still there after a restart.
 */
export async function startSandbox(options: { dataDir: string | null; transitionMs: number; seed?: number }): Promise<Sandbox> {
  const clouds: Sandbox['clouds'] = [];
  try {
    for (const definition of providerRegistry) {
      const simulator = await definition.simulator.start({
        transitionMs: options.transitionMs,
        ...(options.dataDir ? { stateFile: join(options.dataDir, 'sandbox', `${definition.id}.json`) } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
      });
      clouds.push({ definition, simulator });
    }
  } catch (error) {
    await Promise.allSettled(clouds.map((c) => c.simulator.close()));
    throw error;
  }
  return {
    clouds,
    close: async () => {
      await Promise.allSettled(clouds.map((c) => c.simulator.close()));
    },
  };
}
