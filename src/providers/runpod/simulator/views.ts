import type { Capacity } from './capacity.ts';
import { DATA_CENTERS, findGpuType, GPU_TYPES, type SimGpuType } from './catalog.ts';
import type { SimPod, SimState } from './state.ts';

/** GraphQL objects as RunPod returns them, built from the simulator's records on each request. */

export function podView(state: SimState, pod: SimPod): Record<string, unknown> {
  const machine = state.capacity.machine(pod.machineId);
  const type = findGpuType(pod.gpuTypeId);
  const uptime = pod.runtimeSinceMs === null ? 0 : Math.floor((Date.now() - pod.runtimeSinceMs) / 1000);
  const utilization = state.gpuUtilization.get(pod.id) ?? 0;
  return {
    id: pod.id,
    name: pod.name,
    desiredStatus: state.rawStatus.get(pod.id) ?? pod.desiredStatus,
    podType: pod.podType,
    imageName: pod.imageName,
    gpuCount: pod.gpuCount,
    vcpuCount: pod.vcpuCount,
    memoryInGb: pod.memoryInGb,
    containerDiskInGb: pod.containerDiskInGb,
    volumeInGb: pod.volumeInGb,
    volumeMountPath: pod.volumeMountPath,
    costPerHr: pod.costPerHr,
    adjustedCostPerHr: pod.costPerHr,
    env: pod.env,
    ports: pod.ports,
    lastStatusChange: pod.lastStatusChange,
    lastStartedAt: pod.lastStartedAt,
    createdAt: pod.createdAt,
    uptimeSeconds: uptime,
    machineId: pod.machineId,
    locked: false,
    volumeEncrypted: false,
    gpuPowerLimitPercent: 100,
    machine: {
      podHostId: pod.podHostId,
      gpuTypeId: pod.gpuTypeId,
      gpuDisplayName: type?.displayName ?? pod.gpuTypeId,
      dataCenterId: pod.dataCenterId,
      location: machine ? (DATA_CENTERS.find((d) => d.id === machine.dataCenterId)?.location ?? null) : null,
      secureCloud: pod.cloudType === 'SECURE',
      supportPublicIp: pod.cloudType === 'SECURE' || pod.supportPublicIp,
      costPerHr: pod.costPerHr,
      currentPricePerGpu: pod.costPerHr / pod.gpuCount,
    },
    // Null until the container runs, and again once it has stopped.
    runtime:
      pod.portMap === null || !machine
        ? null
        : {
            uptimeInSeconds: uptime,
            ports: runtimePorts(pod, machine.publicIp, machine.internalIp),
            gpus: Array.from({ length: pod.gpuCount }, (_, i) => ({
              id: `GPU-${pod.id}-${i}`,
              gpuUtilPercent: utilization,
              memoryUtilPercent: 0,
            })),
            container: { cpuPercent: 1, memoryPercent: 2 },
          },
  };
}

/** Internal entries come first, as in RunPod's answers: a client must pick the public one itself. */
function runtimePorts(pod: SimPod, publicIp: string, internalIp: string): Record<string, unknown>[] {
  const entries: Record<string, unknown>[] = [];
  const publicIpAllowed = pod.cloudType === 'SECURE' || pod.supportPublicIp;
  for (const port of pod.portMap ?? []) {
    if (port.type === 'tcp') {
      entries.push({
        ip: internalIp,
        isIpPublic: false,
        privatePort: port.privatePort,
        publicPort: port.privatePort,
        type: 'tcp',
      });
      if (publicIpAllowed) {
        entries.push({ ip: publicIp, isIpPublic: true, privatePort: port.privatePort, publicPort: port.publicPort, type: 'tcp' });
      }
    } else {
      entries.push({
        ip: internalIp,
        isIpPublic: false,
        privatePort: port.privatePort,
        publicPort: port.publicPort,
        type: port.type,
      });
    }
  }
  return entries;
}

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
