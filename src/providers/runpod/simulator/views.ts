import type { Capacity } from './capacity.ts';
import { DATA_CENTERS, findGpuType, GPU_TYPES, type SimGpuType } from './catalog.ts';

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
  return DATA_CENTERS.map((dc) => ({
    id: dc.id,
    name: dc.name,
    location: dc.location,
    listed: true,
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
  }));
}
