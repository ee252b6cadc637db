import type { RunningSimulator, SimulatorDefinition, SimulatorOptions } from '../../../core/provider/provider.ts';
import { FaultState } from '../../kit/sim/faults.ts';
import { seededRandom } from '../../kit/sim/random.ts';
import { StateFile } from '../../kit/sim/state-file.ts';
import { SimTimers } from '../../kit/sim/timers.ts';
import { rootResolvers } from './resolvers.ts';
import { buildServer } from './server.ts';
import { type SimSnapshot, SimState } from './state.ts';
import { podWorkload } from './workload.ts';

/** The API key the simulator accepts unless told otherwise (documented in the folder README). */
export const RUNPOD_SIM_API_KEY = 'rpa_SIMULATOR0000000000000000000000000000000000';
/** The simulated account's user id (`myself.id`). */
export const RUNPOD_SIM_USER_ID = 'user_2sim0000runpod0000000000';

const DEFAULT_TRANSITION_MS = 2_500;

export const runpodSimulator: SimulatorDefinition = {
  async start(options: SimulatorOptions = {}): Promise<RunningSimulator> {
    const apiKey = options.credentials?.apiKey ?? RUNPOD_SIM_API_KEY;
    const random = seededRandom(options.seed ?? Date.now() % 2 ** 31);
    const faults = new FaultState(random);
    const timers = new SimTimers();
    let state: SimState | null = null;
    const stateFile = new StateFile<SimSnapshot | null>(options.stateFile, () => state?.snapshot() ?? null);
    state = new SimState(
      {
        random,
        timers,
        transitionMs: options.transitionMs ?? DEFAULT_TRANSITION_MS,
        onChange: () => stateFile.changed(),
        capacityScale: options.capacityScale ?? 1,
      },
      stateFile.load(),
    );
    const sim = state;

    const app = buildServer({ faults, apiKey, rootValue: rootResolvers(sim, RUNPOD_SIM_USER_ID, faults.listing) });
    const host = options.host ?? '127.0.0.1';
    await app.listen({ host, port: options.port ?? 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const urlHost = host.includes(':') ? `[${host}]` : host;

    return {
      baseUrl: `http://${urlHost}:${port}/graphql`,
      account: { credentials: { apiKey }, settings: {} },
      control: {
        setFaults: (f) => faults.setFaults(f),
        reset: () => {
          faults.reset();
          sim.capacity.restore();
          sim.rawStatus.clear();
          sim.gpuUtilization.clear();
        },
        rateLimitNext: (count, retryAfterSec) => faults.rateLimitNext(count, retryAfterSec),
        // Static API keys never expire.
        expireTokens: () => undefined,
        setCapacity: (available, filter) => {
          const scope = { gpuTypeId: gpuTypeOfSku(filter?.providerSkuId), dataCenterId: filter?.locationCode };
          if (available) sim.capacity.restore(scope);
          else sim.capacity.exhaust(scope);
        },
        preempt: (id) => sim.preempt(id),
        setRawStatus: (id, raw) => {
          if (raw === null) sim.rawStatus.delete(id);
          else sim.rawStatus.set(id, raw);
        },
        setGpuUtilization: (id, percent) => {
          if (percent === null) sim.gpuUtilization.delete(id);
          else sim.gpuUtilization.set(id, percent);
        },
        hideFromListing: (id, ms, o) => faults.listing.hide(id, ms, o),
        hideNextCreated: (ms, o) => faults.listing.hideNext(ms, sim.pods.keys(), o),
        malformNext: (count) => faults.malformNext(count),
        pendingFaults: () => faults.pending(),
        requestCounts: () => faults.requestCounts(),
        liveInstanceIds: () => [...sim.pods.keys()],
        liveVolumeIds: () => sim.volumes.ids(),
        bootWorkload: (id) => {
          const pod = sim.pods.get(id);
          return pod ? podWorkload(pod.env) : null;
        },
      },
      async close() {
        timers.clear();
        stateFile.flush();
        await app.close();
      },
    };
  },
};

/** Capacity is per GPU type: the adapter's `SECURE:`/`COMMUNITY:` SKU prefix only picks the price. */
function gpuTypeOfSku(skuId: string | undefined): string | undefined {
  if (!skuId) return undefined;
  return skuId.replace(/^(SECURE|COMMUNITY):/, '');
}
