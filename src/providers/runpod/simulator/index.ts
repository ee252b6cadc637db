import type { RunningSimulator, SimulatorDefinition, SimulatorOptions } from '../../../core/provider/provider.ts';
import { buildSimControl } from '../../kit/sim/control.ts';
import { FaultState } from '../../kit/sim/faults.ts';
import { seededRandom } from '../../kit/sim/random.ts';
import { startSimServer } from '../../kit/sim/server.ts';
import { StateFile } from '../../kit/sim/state-file.ts';
import { SimTimers } from '../../kit/sim/timers.ts';
import { rootResolvers } from './resolvers.ts';
import { corruptRunpodBody, registerGraphqlRoute, renderRunpodFault, runpodRouteKey } from './server.ts';
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

    const server = await startSimServer({
      faults,
      host: options.host,
      port: options.port,
      apiRoot: '/graphql',
      routeKey: runpodRouteKey,
      // The count key names the query's root fields, so the body must be read first.
      admitAt: 'handler',
      renderFault: renderRunpodFault,
      corrupt: corruptRunpodBody,
      routes: (app) => registerGraphqlRoute(app, { apiKey, rootValue: rootResolvers(sim, RUNPOD_SIM_USER_ID, faults.listing) }),
      release: () => {
        timers.clear();
        stateFile.flush();
      },
    });

    return {
      baseUrl: server.baseUrl,
      account: { credentials: { apiKey }, settings: {} },
      // Static API keys never expire: no `expireTokens` of its own.
      control: buildSimControl(faults, {
        reset: () => {
          sim.capacity.restore();
          sim.rawStatus.clear();
          sim.gpuUtilization.clear();
        },
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
        liveInstanceIds: () => [...sim.pods.keys()],
        liveVolumeIds: () => sim.volumes.ids(),
        bootWorkload: (id) => {
          const pod = sim.pods.get(id);
          return pod ? podWorkload(pod.env) : null;
        },
      }),
      close: server.close,
    };
  },
};

/** Capacity is per GPU type: the adapter's `SECURE:`/`COMMUNITY:` SKU prefix only picks the price. */
function gpuTypeOfSku(skuId: string | undefined): string | undefined {
  if (!skuId) return undefined;
  return skuId.replace(/^(SECURE|COMMUNITY):/, '');
}
