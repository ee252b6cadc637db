import { createHash } from 'node:crypto';
import { DATA_CENTERS, findGpuType, HOST_LINKS } from './catalog.ts';
import { minimumBid, type SimPod, type SimState } from './state.ts';
import { networkVolumeView } from './views.ts';

/** A pod as RunPod's GraphQL API returns it, built from the simulator's record on each request. */
export function podView(state: SimState, pod: SimPod, accountId: string): Record<string, unknown> {
  const machine = state.capacity.machine(pod.machineId);
  const type = findGpuType(pod.gpuTypeId);
  const uptime = pod.runtimeSinceMs === null ? 0 : Math.floor((Date.now() - pod.runtimeSinceMs) / 1000);
  const utilization = state.gpuUtilization.get(pod.id) ?? 0;
  const running = pod.portMap !== null && machine !== undefined;
  const gpuIds = Array.from({ length: pod.gpuCount }, (_, i) => `GPU-${pod.id}-${i}`);
  return {
    id: pod.id,
    name: pod.name,
    desiredStatus: state.rawStatus.get(pod.id) ?? pod.desiredStatus,
    podType: pod.podType,
    imageName: pod.imageName,
    dockerArgs: pod.dockerArgs ?? '',
    // The container exists only while it runs: stop wipes the container disk, so the next start makes a new one.
    dockerId: running ? dockerIdOf(pod) : null,
    templateId: pod.templateId ?? null,
    // Pods carry an API key only as serverless workers, which the simulator does not run.
    apiKey: null,
    consumerUserId: accountId,
    containerRegistryAuthId: pod.containerRegistryAuthId ?? null,
    // Registry logins are not simulated, so no pod pulls with one.
    registry: null,
    gpuCount: pod.gpuCount,
    // The GPUs the pod holds now: none once it has stopped and given them back.
    gpus: pod.holdsGpus ? gpuIds.map((id) => ({ id, podId: pod.id })) : [],
    vcpuCount: pod.vcpuCount,
    memoryInGb: pod.memoryInGb,
    containerDiskInGb: pod.containerDiskInGb,
    volumeInGb: pod.volumeInGb,
    volumeKey: pod.volumeKey ?? null,
    volumeMountPath: pod.volumeMountPath,
    networkVolumeId: pod.networkVolumeId ?? null,
    networkVolume: () => {
      const volume = pod.networkVolumeId ? state.volumes.get(pod.networkVolumeId) : undefined;
      return volume ? networkVolumeView(state.capacity, volume) : null;
    },
    costPerHr: pod.costPerHr,
    adjustedCostPerHr: pod.costPerHr,
    costMultiplier: 1,
    // What a bid resume needs per GPU; on-demand pods cannot be resumed with a bid.
    lowestBidPriceToResume: pod.podType === 'INTERRUPTABLE' && type ? minimumBid(type, pod.cloudType) : null,
    env: pod.env,
    port: pod.port ?? null,
    ports: pod.ports,
    lastStatusChange: pod.lastStatusChange,
    lastStartedAt: pod.lastStartedAt,
    createdAt: pod.createdAt,
    uptimeSeconds: uptime,
    version: pod.podVersion ?? 0,
    machineId: pod.machineId,
    locked: false,
    volumeEncrypted: false,
    gpuPowerLimitPercent: 100,
    machine: {
      podHostId: pod.podHostId,
      gpuTypeId: pod.gpuTypeId,
      gpuDisplayName: type?.displayName ?? pod.gpuTypeId,
      gpuAvailable: machine ? state.capacity.freeGpus(machine) : 0,
      dataCenterId: pod.dataCenterId,
      location: machine ? (DATA_CENTERS.find((d) => d.id === machine.dataCenterId)?.location ?? null) : null,
      secureCloud: pod.cloudType === 'SECURE',
      supportPublicIp: pod.cloudType === 'SECURE' || pod.supportPublicIp,
      costPerHr: pod.costPerHr,
      currentPricePerGpu: pod.costPerHr / pod.gpuCount,
      ...HOST_LINKS[pod.cloudType],
      // No host has maintenance scheduled or a note from its owner.
      maintenanceStart: null,
      maintenanceEnd: null,
      maintenanceNote: null,
      note: null,
    },
    // Null until the container runs, and again once it has stopped.
    runtime: !running
      ? null
      : {
          uptimeInSeconds: uptime,
          ports: runtimePorts(pod, machine.publicIp, machine.internalIp),
          gpus: gpuIds.map((id) => ({ id, gpuUtilPercent: utilization, memoryUtilPercent: 0 })),
          container: { cpuPercent: CONTAINER_CPU_PERCENT, memoryPercent: CONTAINER_MEMORY_PERCENT },
        },
    latestTelemetry: running ? telemetry(pod, gpuIds, utilization) : null,
  };
}

/** An idle container: what `runtime.container` and the telemetry report alike. */
const CONTAINER_CPU_PERCENT = 1;
const CONTAINER_MEMORY_PERCENT = 2;

/**
 * The last sample of the running container, consistent with `runtime`. The simulator has no thermal or
 * power model, so temperature and power stay null rather than made up.
 */
function telemetry(pod: SimPod, gpuIds: string[], utilization: number): Record<string, unknown> {
  const gpu = (id: string | null) => ({
    id,
    percentUtilization: utilization,
    memoryUtilization: 0,
    temperatureCelcius: null,
    powerWatts: null,
  });
  return {
    state: 'running',
    time: new Date().toISOString(),
    cpuUtilization: CONTAINER_CPU_PERCENT,
    memoryUtilization: CONTAINER_MEMORY_PERCENT,
    averageGpuMetrics: gpu(null),
    individualGpuMetrics: gpuIds.map(gpu),
    // Seconds, not milliseconds: the field is a GraphQL Int, which holds 32 bits.
    lastStateTransitionTimestamp: Math.floor((pod.runtimeSinceMs ?? 0) / 1000),
  };
}

/** A Docker-style 64-hex container id, the same for one run of the container and new on each start. */
function dockerIdOf(pod: SimPod): string {
  return createHash('sha256').update(`${pod.id}:${pod.lastStartedAt}`).digest('hex');
}

/**
 * Internal entries come first, as in RunPod's answers: a client must pick the public one itself. HTTP ports
 * are reached through RunPod's proxy, so they only ever have an internal entry.
 */
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
