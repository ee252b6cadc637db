import { randomHex } from '../../kit/sim/random.ts';
import type { SimTimers } from '../../kit/sim/timers.ts';
import { buildMachines, Capacity, type SimMachine } from './capacity.ts';
import { findDataCenter, findGpuType, type SimGpuType } from './catalog.ts';
import { atDeadline, deadlineOf } from './deadlines.ts';
import { fail, HOST_FULL, NO_INSTANCES, SOMETHING_WENT_WRONG } from './errors.ts';
import { randomPodHostId, randomPodId, randomPublicPort } from './ids.ts';
import { NetworkVolumes, type SimNetworkVolume } from './network-volumes.ts';
import { type SimTemplate, templateFor } from './templates.ts';

/**
 * The simulated pods and their lifecycle. A pod is placed on a host at create (`CREATED`), its container
 * starts after the image pull (`RUNNING` with no runtime), and only then does `runtime` appear with the
 * port mappings. Stop releases the GPUs but keeps the pod pinned to its host, which resume needs again.
 */
export type Phase = 'placing' | 'booting' | 'up' | 'stopping' | 'exited';

export interface SimPod {
  id: string;
  name: string;
  imageName: string;
  gpuTypeId: string;
  gpuCount: number;
  cloudType: 'SECURE' | 'COMMUNITY';
  dataCenterId: string;
  machineId: string;
  podHostId: string;
  podType: 'RESERVED' | 'INTERRUPTABLE';
  bidPerGpu: number | null;
  costPerHr: number;
  env: string[];
  ports: string;
  supportPublicIp: boolean;
  vcpuCount: number;
  memoryInGb: number;
  containerDiskInGb: number;
  volumeInGb: number;
  volumeMountPath: string;
  /** As given at create; absent in state files written before the simulator kept them. */
  dockerArgs?: string;
  templateId?: string | null;
  networkVolumeId?: string | null;
  volumeKey?: string | null;
  containerRegistryAuthId?: string | null;
  port?: number | null;
  /** When RunPod stops or terminates the pod on its own, as asked at create (ISO text). */
  stopAfter?: string | null;
  terminateAfter?: string | null;
  /** RunPod's `Pod.version`: bumped by a `podStop` that asks for it (`incrementVersion`). */
  podVersion?: number;
  desiredStatus: 'CREATED' | 'RUNNING' | 'EXITED';
  phase: Phase;
  holdsGpus: boolean;
  /** Ports mapped while the container runs; new random public ports on every start. */
  portMap: { privatePort: number; publicPort: number; type: string }[] | null;
  createdAt: string;
  lastStartedAt: string | null;
  runtimeSinceMs: number | null;
  lastStatusChange: string;
  /** Bumped on every change so a timer set for an older state does nothing. */
  version: number;
}

export interface DeployInput {
  name?: string | null;
  imageName?: string | null;
  gpuTypeId?: string | null;
  gpuCount?: number | null;
  cloudType?: 'SECURE' | 'COMMUNITY' | 'ALL' | null;
  dataCenterId?: string | null;
  supportPublicIp?: boolean | null;
  startJupyter?: boolean | null;
  startSsh?: boolean | null;
  ports?: string | null;
  env?: { key: string; value: string }[] | null;
  containerDiskInGb?: number | null;
  volumeInGb?: number | null;
  volumeMountPath?: string | null;
  dockerArgs?: string | null;
  templateId?: string | null;
  networkVolumeId?: string | null;
  volumeKey?: string | null;
  containerRegistryAuthId?: string | null;
  port?: number | null;
  stopAfter?: string | null;
  terminateAfter?: string | null;
  bidPerGpu?: number | null;
}

export interface SimSnapshot {
  machines: SimMachine[];
  pods: SimPod[];
  /** Absent in state files written before the simulator kept network volumes. */
  volumes?: SimNetworkVolume[];
}

export interface SimStateOptions {
  random: () => number;
  timers: SimTimers;
  transitionMs: number;
  onChange: () => void;
  /** Multiplies the number of hosts per data center (benchmarks seeding many pods). */
  capacityScale?: number;
}

export class SimState {
  readonly pods = new Map<string, SimPod>();
  /** Pods pinned to each host (stopped ones too), so capacity looks at one host's pods, not the fleet. */
  private readonly onMachine = new Map<string, Map<string, SimPod>>();
  readonly capacity: Capacity;
  /** `setRawStatus` overlays on what the API reports as `desiredStatus`. */
  readonly rawStatus = new Map<string, string>();
  /** `setGpuUtilization` overrides; a pod nobody set runs nothing, so its GPUs report 0 %. */
  readonly gpuUtilization = new Map<string, number>();
  readonly volumes: NetworkVolumes;

  constructor(
    private readonly options: SimStateOptions,
    snapshot: SimSnapshot | null,
  ) {
    const machines = snapshot?.machines ?? buildMachines(options.random, options.capacityScale ?? 1);
    this.capacity = new Capacity(machines, (machineId) => this.onMachine.get(machineId)?.values() ?? []);
    this.volumes = new NetworkVolumes(options.random, options.onChange, (id) => this.podsUsing(id), snapshot?.volumes);
    for (const pod of snapshot?.pods ?? []) {
      this.add(pod);
      this.schedule(pod);
      this.armDeadlines(pod);
    }
  }

  private add(pod: SimPod): void {
    this.pods.set(pod.id, pod);
    let pinned = this.onMachine.get(pod.machineId);
    if (!pinned) {
      pinned = new Map();
      this.onMachine.set(pod.machineId, pinned);
    }
    pinned.set(pod.id, pod);
  }

  /** Live pods in creation order (the order `myself.pods` lists them in). */
  list(): IterableIterator<SimPod> {
    return this.pods.values();
  }

  /** What the account spends per hour now; a walk over the pods, so only done when a query asks for it. */
  spendPerHr(): number {
    let sum = 0;
    for (const pod of this.pods.values()) if (pod.holdsGpus) sum += pod.costPerHr;
    return sum;
  }

  snapshot(): SimSnapshot {
    return { machines: this.capacity.machines, pods: [...this.pods.values()], volumes: this.volumes.list() };
  }

  /** The pods, running or stopped, that have the network volume attached. */
  podsUsing(volumeId: string): string[] {
    const ids: string[] = [];
    for (const pod of this.pods.values()) if (pod.networkVolumeId === volumeId) ids.push(pod.id);
    return ids;
  }

  deploy(request: DeployInput, interruptible: boolean): SimPod {
    const template = request.templateId ? templateFor(request.templateId) : null;
    const input = template ? withTemplate(template, request) : request;
    if (!input.imageName) fail('imageName or templateId is required.');
    const stopAfter = deadlineOf('stopAfter', input.stopAfter);
    const terminateAfter = deadlineOf('terminateAfter', input.terminateAfter);
    const type = input.gpuTypeId ? findGpuType(input.gpuTypeId) : undefined;
    // RunPod answers every unsatisfiable selection (unknown type, too many GPUs, wrong data center) alike.
    if (!type) fail(NO_INSTANCES);
    const volume = input.networkVolumeId ? this.volumeFor(input) : null;
    // Network volumes exist only in Secure Cloud: with one, `ALL` means Secure Cloud.
    const cloud = cloudFor(type, volume ? 'SECURE' : (input.cloudType ?? 'ALL'));
    const count = input.gpuCount ?? 1;
    if (!cloud || count < 1 || count > type.maxGpuCount) fail(NO_INSTANCES);
    // A network volume pins the pod to its data center; naming another one leaves nothing to place it on.
    if (volume && input.dataCenterId && input.dataCenterId !== volume.dataCenterId) fail(NO_INSTANCES);
    const dataCenterId = volume?.dataCenterId ?? input.dataCenterId ?? undefined;
    if (dataCenterId && !findDataCenter(dataCenterId)?.machines[type.id]) fail(NO_INSTANCES);

    let bidPerGpu: number | null = null;
    if (interruptible) bidPerGpu = checkBid(type, cloud, input.bidPerGpu);

    let host = this.capacity.findHost(type.id, dataCenterId, count);
    if (!host && !interruptible) {
      const eviction = this.capacity.evictionFor(type.id, dataCenterId, count);
      if (eviction) {
        for (const victim of eviction.victims) this.preempt(victim.id);
        host = eviction.host;
      }
    }
    if (!host) fail(NO_INSTANCES);

    const random = this.options.random;
    let id = randomPodId(random);
    while (this.pods.has(id)) id = randomPodId(random);
    const env = (input.env ?? []).map((e) => `${e.key}=${e.value}`);
    if (input.startJupyter && !env.some((e) => e.startsWith('JUPYTER_PASSWORD='))) {
      env.push(`JUPYTER_PASSWORD=${randomHex(random, 20)}`);
    }
    const onDemandPerGpu = (cloud === 'SECURE' ? type.securePrice : type.communityPrice) ?? 0;
    const now = new Date();
    const pod: SimPod = {
      id,
      name: input.name ?? id,
      imageName: input.imageName,
      gpuTypeId: type.id,
      gpuCount: count,
      cloudType: cloud,
      dataCenterId: host.dataCenterId,
      machineId: host.id,
      podHostId: randomPodHostId(random, id),
      podType: interruptible ? 'INTERRUPTABLE' : 'RESERVED',
      bidPerGpu,
      costPerHr: round((bidPerGpu ?? onDemandPerGpu) * count),
      env,
      ports: input.ports ?? '',
      supportPublicIp: input.supportPublicIp ?? false,
      vcpuCount: type.vcpuPerGpu * count,
      memoryInGb: type.ramPerGpu * count,
      containerDiskInGb: input.containerDiskInGb ?? 10,
      // A network volume takes the place of the pod's volume disk, mounted at the same path.
      volumeInGb: volume ? 0 : (input.volumeInGb ?? 0),
      volumeMountPath: input.volumeMountPath ?? '/workspace',
      // Registry logins are not simulated: the id is kept and shown as given.
      dockerArgs: input.dockerArgs ?? '',
      templateId: template?.id ?? null,
      networkVolumeId: volume?.id ?? null,
      volumeKey: input.volumeKey ?? null,
      containerRegistryAuthId: input.containerRegistryAuthId ?? null,
      port: input.port ?? null,
      stopAfter,
      terminateAfter,
      podVersion: 0,
      desiredStatus: 'CREATED',
      phase: 'placing',
      holdsGpus: true,
      portMap: null,
      createdAt: now.toISOString(),
      lastStartedAt: null,
      runtimeSinceMs: null,
      lastStatusChange: `Rented by User: ${now.toString()}`,
      version: 0,
    };
    this.add(pod);
    this.changed(pod);
    this.armDeadlines(pod);
    return pod;
  }

  /**
   * The network volume a create names. RunPod answers an id it does not know, and a network volume asked of
   * Community Cloud, with its generic error (runpodctl#172: a volume name passed as the id, without
   * `--secureCloud`).
   */
  private volumeFor(input: DeployInput): SimNetworkVolume {
    const volume = this.volumes.get(input.networkVolumeId ?? '');
    if (!volume || input.cloudType === 'COMMUNITY') fail(SOMETHING_WENT_WRONG);
    return volume;
  }

  /** A stop or terminate asked for at create happens then, whatever the pod is doing. */
  private armDeadlines(pod: SimPod): void {
    const { timers } = this.options;
    if (pod.stopAfter) atDeadline(timers, pod.stopAfter, () => this.pods.has(pod.id) && this.stop(pod.id));
    if (pod.terminateAfter) atDeadline(timers, pod.terminateAfter, () => this.pods.has(pod.id) && this.terminate(pod.id));
  }

  stop(podId: string, incrementVersion = false): SimPod {
    const pod = this.pods.get(podId) ?? fail('Pod not found.');
    if (incrementVersion) pod.podVersion = (pod.podVersion ?? 0) + 1;
    if (pod.phase === 'stopping' || pod.phase === 'exited') return pod;
    pod.desiredStatus = 'EXITED';
    pod.lastStatusChange = `Exited by user: ${new Date().toString()}`;
    // A running container takes a moment to stop; one that never started is gone at once.
    if (pod.phase === 'up') pod.phase = 'stopping';
    else this.release(pod);
    this.changed(pod);
    return pod;
  }

  resume(podId: string, bid: { viaBid: boolean; bidPerGpu?: number | null }): SimPod {
    const pod = this.pods.get(podId) ?? fail('Pod not found.');
    if (pod.phase === 'stopping') this.release(pod);
    if (pod.phase !== 'exited') fail('Pod is already running.');
    const interruptible = pod.podType === 'INTERRUPTABLE';
    if (interruptible && !bid.viaBid) fail('Cannot resume a spot pod as an on demand pod.');
    if (!interruptible && bid.viaBid) fail('Cannot resume an on demand pod as a spot pod.');
    const type = findGpuType(pod.gpuTypeId) ?? fail(NO_INSTANCES);
    if (interruptible) {
      pod.bidPerGpu = checkBid(type, pod.cloudType, bid.bidPerGpu);
      pod.costPerHr = round(pod.bidPerGpu * pod.gpuCount);
    }
    const host = this.capacity.machine(pod.machineId);
    if (!host || this.capacity.freeGpus(host) < pod.gpuCount) fail(HOST_FULL);
    pod.desiredStatus = 'RUNNING';
    pod.phase = 'booting';
    pod.holdsGpus = true;
    pod.lastStatusChange = `Rented by User: ${new Date().toString()}`;
    this.changed(pod);
    return pod;
  }

  terminate(podId: string): void {
    const pod = this.pods.get(podId);
    if (!pod) fail('pod not found to terminate');
    this.pods.delete(podId);
    this.onMachine.get(pod.machineId)?.delete(podId);
    this.rawStatus.delete(podId);
    this.options.onChange();
  }

  /** RunPod takes the GPUs back: the pod shows `EXITED`, with no notice beforehand. */
  preempt(podId: string): void {
    const pod = this.pods.get(podId);
    if (!pod) throw new Error(`no pod ${podId} to preempt`);
    pod.desiredStatus = 'EXITED';
    pod.lastStatusChange = `Exited by Runpod: ${new Date().toString()}`;
    this.release(pod);
    this.changed(pod);
  }

  private release(pod: SimPod): void {
    pod.phase = 'exited';
    pod.holdsGpus = false;
    pod.portMap = null;
    pod.runtimeSinceMs = null;
  }

  private changed(pod: SimPod): void {
    pod.version++;
    this.schedule(pod);
    this.options.onChange();
  }

  /** Set the timer for the pod's next step, if its phase has one. */
  private schedule(pod: SimPod): void {
    const t = this.options.transitionMs;
    const version = pod.version;
    const later = (ms: number, step: (p: SimPod) => void) =>
      this.options.timers.after(ms, () => {
        const current = this.pods.get(pod.id);
        if (!current || current.version !== version) return;
        step(current);
        this.changed(current);
      });
    if (pod.phase === 'placing') {
      later(t, (p) => {
        p.desiredStatus = 'RUNNING';
        p.phase = 'booting';
      });
    } else if (pod.phase === 'booting') {
      // The first start pulls the image; a resume finds it cached.
      later(pod.lastStartedAt ? 2 * t : 3 * t, (p) => this.startContainer(p));
    } else if (pod.phase === 'stopping') {
      later(t, (p) => this.release(p));
    }
  }

  private startContainer(pod: SimPod): void {
    pod.phase = 'up';
    pod.lastStartedAt = new Date().toISOString();
    pod.runtimeSinceMs = Date.now();
    pod.portMap = pod.ports
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((spec) => {
        const [port, type = 'tcp'] = spec.split('/');
        const privatePort = Number(port);
        return { privatePort, publicPort: type === 'tcp' ? randomPublicPort(this.options.random) : privatePort, type };
      })
      .filter((p) => Number.isInteger(p.privatePort) && p.privatePort > 0);
  }
}

/**
 * A template is resolved at create into the settings the create could have spelled out: every field the
 * create gives wins, except `env`, which is merged per key with the create's values winning (what REST v2
 * documents for `templateId`; GraphQL documents nothing and behaves alike).
 */
function withTemplate(template: SimTemplate, input: DeployInput): DeployInput {
  const env = new Map(template.env.map((e) => [e.key, e.value]));
  for (const e of input.env ?? []) env.set(e.key, e.value);
  return {
    ...input,
    imageName: input.imageName ?? template.imageName,
    dockerArgs: input.dockerArgs ?? (template.dockerArgs || null),
    ports: input.ports ?? template.ports,
    env: [...env].map(([key, value]) => ({ key, value })),
    containerDiskInGb: input.containerDiskInGb ?? template.containerDiskInGb,
    volumeInGb: input.volumeInGb ?? template.volumeInGb,
    volumeMountPath: input.volumeMountPath ?? template.volumeMountPath,
    startJupyter: input.startJupyter ?? template.startJupyter,
    startSsh: input.startSsh ?? template.startSsh,
  };
}

function cloudFor(type: SimGpuType, wanted: 'SECURE' | 'COMMUNITY' | 'ALL'): 'SECURE' | 'COMMUNITY' | null {
  if (wanted !== 'COMMUNITY' && type.securePrice !== null) return 'SECURE';
  if (wanted !== 'SECURE' && type.communityPrice !== null) return 'COMMUNITY';
  return null;
}

export function minimumBid(type: SimGpuType, cloud: 'SECURE' | 'COMMUNITY'): number | null {
  return cloud === 'SECURE' ? type.secureSpotPrice : type.communitySpotPrice;
}

function checkBid(type: SimGpuType, cloud: 'SECURE' | 'COMMUNITY', bid: number | null | undefined): number {
  const min = minimumBid(type, cloud);
  if (min === null) fail(NO_INSTANCES);
  if (bid === null || bid === undefined) fail('bidPerGpu is required for an interruptible pod.');
  if (bid + 1e-9 < min) {
    fail(`Your bid of $${bid}/hr per GPU is below the minimum bid of $${min}/hr per GPU for ${type.displayName}.`);
  }
  return bid;
}

function round(amount: number): number {
  return Math.round(amount * 10_000) / 10_000;
}
