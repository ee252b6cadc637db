import type { ListingVisibility } from '../../kit/sim/listing-visibility.ts';
import { CPU_TYPES } from './catalog.ts';
import type { CreateVolumeInput, UpdateVolumeInput } from './network-volumes.ts';
import { podView } from './pod-view.ts';
import type { DeployInput, SimState } from './state.ts';
import { accountTemplates, templateView } from './templates.ts';
import { dataCenterViews, gpuTypeViews, networkVolumeView } from './views.ts';

type Input<T> = { input?: T | null };

/** Root resolvers (graphql-js `rootValue`): queries and mutations read and change the simulator state. */
export function rootResolvers(state: SimState, accountId: string, listing: ListingVisibility) {
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
      pods: () =>
        Array.from(state.list(), (pod) => pod)
          .filter((pod) => listing.listed(pod.id))
          .map((pod) => podView(state, pod, accountId)),
      networkVolumes: () => state.volumes.list().map((v) => networkVolumeView(state.capacity, v)),
      podTemplates: () => accountTemplates().map(templateView),
    }),
    // RunPod answers `pod: null` for an id it does not know.
    pod: ({ input }: Input<{ podId: string }>) => (input && listing.lookable(input.podId) ? view(input.podId) : null),
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

    createNetworkVolume: ({ input }: Input<CreateVolumeInput>) =>
      networkVolumeView(state.capacity, state.volumes.create(input ?? {})),
    updateNetworkVolume: ({ input }: Input<UpdateVolumeInput>) =>
      networkVolumeView(state.capacity, state.volumes.update(input ?? { id: '' })),
    deleteNetworkVolume: ({ input }: Input<{ id: string }>) => {
      state.volumes.delete(input?.id ?? '');
      return true;
    },
  };
}
