import type { Capacity } from './capacity.ts';
import { DATA_CENTERS, findDataCenter, findGpuType, GPU_TYPES, type SimDataCenter, type SimGpuType } from './catalog.ts';
import type { SimNetworkVolume } from './network-volumes.ts';

/** GraphQL objects as RunPod returns them, built from the simulator's records on each request. */

export function gpuTypeViews(capacity: Capacity, filter?: { id?: string | null; ids?: (string | null)[] | null } | null) {
  return GPU_TYPES.filter((t) => (!filter?.id || t.id === filter.id) && (!filter?.ids || filter.ids.includes(t.id))).map((t) =>
    gpuTypeView(capacity, t),
  );
}

function gpuTypeView(capacity: Capacity, t: SimGpuType): Record<string, unknown> {
  const secure = t.securePrice !== null;
  const community = t.communityPrice !== null;
  return {
    id: t.id,
    displayName: t.displayName,
    manufacturer: t.manufacturer,
    memoryInGb: t.memoryInGb,
    cudaCores: t.cudaCores,
    secureCloud: secure,
    communityCloud: community,
    maxGpuCount: t.maxGpuCount,
    maxGpuCountSecureCloud: secure ? t.maxGpuCount : 0,
    maxGpuCountCommunityCloud: community ? t.maxGpuCount : 0,
    minPodGpuCount: 1,
    // RunPod sends 0, not null, for a cloud that does not sell the type.
    securePrice: t.securePrice ?? 0,
    communityPrice: t.communityPrice ?? 0,
    secureSpotPrice: t.secureSpotPrice ?? 0,
    communitySpotPrice: t.communitySpotPrice ?? 0,
    lowestPrice: (args: {
      input?: { gpuCount?: number | null; secureCloud?: boolean | null; dataCenterId?: string | null } | null;
    }) => {
      const count = args.input?.gpuCount ?? 1;
      const wantSecure = args.input?.secureCloud ?? secure;
      return {
        gpuName: t.displayName,
        gpuTypeId: t.id,
        minimumBidPrice: (wantSecure ? t.secureSpotPrice : t.communitySpotPrice) ?? null,
        uninterruptablePrice: (wantSecure ? t.securePrice : t.communityPrice) ?? null,
        minVcpu: t.vcpuPerGpu * count,
        minMemory: t.ramPerGpu * count,
        stockStatus: capacity.stockStatus(t.id, args.input?.dataCenterId ?? undefined, count),
      };
    },
  };
}

export function dataCenterViews(capacity: Capacity): Record<string, unknown>[] {
  return DATA_CENTERS.map((dc) => dataCenterView(capacity, dc));
}

export function dataCenterView(capacity: Capacity, dc: SimDataCenter): Record<string, unknown> {
  return {
    id: dc.id,
    name: dc.name,
    location: dc.location,
    listed: true,
    // Every simulated data center can hold network volumes.
    storageSupport: true,
    gpuAvailability: Object.keys(dc.machines).map((gpuTypeId) => {
      const stockStatus = capacity.stockStatus(gpuTypeId, dc.id);
      const displayName = findGpuType(gpuTypeId)?.displayName ?? gpuTypeId;
      return {
        id: gpuTypeId,
        gpuTypeId,
        displayName,
        gpuTypeDisplayName: displayName,
        stockStatus,
        available: stockStatus !== 'None',
      };
    }),
  };
}

/** `NetworkVolume`: its data center is resolved only for a query that selects it. */
export function networkVolumeView(capacity: Capacity, volume: SimNetworkVolume): Record<string, unknown> {
  return {
    id: volume.id,
    name: volume.name,
    size: volume.size,
    dataCenterId: volume.dataCenterId,
    dataCenter: () => {
      const dc = findDataCenter(volume.dataCenterId);
      return dc ? dataCenterView(capacity, dc) : null;
    },
  };
}
