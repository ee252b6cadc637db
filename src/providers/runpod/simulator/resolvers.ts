import { CPU_TYPES } from './catalog.ts';
import { podView } from './pod-view.ts';
import type { DeployInput, SimState } from './state.ts';
import { dataCenterViews, gpuTypeViews } from './views.ts';

type Input<T> = { input?: T | null };

/** Root resolvers (graphql-js `rootValue`): queries and mutations read and change the simulator state. */
export function rootResolvers(state: SimState, accountId: string) {
  const view = (id: string) => {
    const pod = state.pods.get(id);
    return pod ? podView(state, pod, accountId) : null;
  };
  return {
    myself: () => ({
      id: accountId,
      pubKey: '',
      clientBalance: 250,
      // Functions, so graphql-js computes them only for a query that selects them.
      currentSpendPerHr: () => state.spendPerHr(),
      // Pods are kept in creation order, so listing them needs no sort.
      pods: () => Array.from(state.list(), (pod) => podView(state, pod, accountId)),
    }),
    // RunPod answers `pod: null` for an id it does not know.
    pod: ({ input }: Input<{ podId: string }>) => (input ? view(input.podId) : null),
    gpuTypes: ({ input }: Input<{ id?: string | null; ids?: (string | null)[] | null }>) => gpuTypeViews(state.capacity, input),
    dataCenters: () => dataCenterViews(state.capacity),
    cpuTypes: () => CPU_TYPES,

    podFindAndDeployOnDemand: ({ input }: Input<DeployInput>) => view(state.deploy(input ?? {}, false).id),
    podRentInterruptable: ({ input }: Input<DeployInput>) => view(state.deploy(input ?? {}, true).id),
    podStop: ({ input }: Input<{ podId: string; incrementVersion?: boolean | null }>) =>
      view(state.stop(input?.podId ?? '', input?.incrementVersion ?? false).id),
    podResume: ({ input }: Input<{ podId: string }>) => view(state.resume(input?.podId ?? '', { viaBid: false }).id),
    podBidResume: ({ input }: Input<{ podId: string; bidPerGpu: number }>) =>
      view(state.resume(input?.podId ?? '', { viaBid: true, bidPerGpu: input?.bidPerGpu }).id),
    podTerminate: ({ input }: Input<{ podId: string }>) => {
      state.terminate(input?.podId ?? '');
      return null;
    },
  };
}
