import type { PortEndpoint, VmStatus } from '../../core/domain/types.ts';
import { ProviderError } from '../../core/provider/errors.ts';
import type { ProviderInstance, ProviderOffer } from '../../core/provider/provider.ts';
import { PROVIDER_ID } from './errors.ts';
import { gpuSpecOf } from './gpu-models.ts';
import { RUNPOD_IMAGES } from './images.ts';
import { locationOf } from './locations.ts';
import type { CatalogData, CloudType, GpuType, Pod, RuntimePort } from './wire.ts';

// ---- SKU ids -------------------------------------------------------------------------------------

/** The opaque SKU id carries the cloud variant: RunPod sells one GPU type in two clouds at two prices. */
export function skuIdOf(cloud: CloudType, gpuTypeId: string): string {
  return `${cloud}:${gpuTypeId}`;
}

export function parseSkuId(skuId: string): { cloud: CloudType; gpuTypeId: string } {
  const match = /^(SECURE|COMMUNITY):(.+)$/.exec(skuId);
  if (!match) {
    throw new ProviderError({ provider: PROVIDER_ID, kind: 'invalid_request', message: `"${skuId}" is not a RunPod SKU id` });
  }
  return { cloud: match[1] as CloudType, gpuTypeId: match[2] as string };
}

// ---- offers --------------------------------------------------------------------------------------

export const OFFERED_GPU_COUNTS = [1, 2, 4, 8] as const;
const IN_STOCK = new Set(['high', 'medium', 'low']);

export interface OfferOptions {
  clouds: readonly CloudType[];
  containerDiskInGb: number;
  volumeInGb: number;
}

/** Per-GPU fallbacks when `lowestPrice` is missing: RunPod's own create defaults (2 vCPU, 8 GB per GPU). */
const DEFAULT_VCPU_PER_GPU = 2;
const DEFAULT_RAM_PER_GPU = 8;

interface CloudTerms {
  sells: boolean;
  onDemandPerGpu: number | null;
  spotPerGpu: number | null;
  maxCount: number;
}

export function cloudTerms(type: GpuType, cloud: CloudType): CloudTerms {
  const secure = cloud === 'SECURE';
  return {
    sells: secure ? type.secureCloud : type.communityCloud,
    onDemandPerGpu: secure ? type.securePrice : type.communityPrice,
    spotPerGpu: secure ? type.secureSpotPrice : type.communitySpotPrice,
    maxCount: (secure ? type.maxGpuCountSecureCloud : type.maxGpuCountCommunityCloud) ?? type.maxGpuCount,
  };
}

function inStock(status: string | null | undefined): boolean {
  return IN_STOCK.has((status ?? '').toLowerCase());
}

/** RunPod's stock for pods of `count` GPUs of the type, across its data centers. */
function countStock(type: GpuType, count: number): string | null {
  const entry = { 1: type.lowestPrice, 2: type.lowestPrice2, 4: type.lowestPrice4, 8: type.lowestPrice8 }[count];
  return entry?.stockStatus ?? null;
}

/**
 * Every (GPU type × cloud × data center × count × on-demand/spot) RunPod sells. Prices are published per
 * GPU-hour; offers carry the price of the whole pod. An offer is available when the data center has the
 * type in stock and RunPod has stock for pods of that many GPUs (RunPod publishes no per-data-center
 * figure by GPU count, so a large pod can still meet "no instances available" at create).
 */
export function offersFrom(catalog: CatalogData, options: OfferOptions): ProviderOffer[] {
  const offers: ProviderOffer[] = [];
  const dataCenters = catalog.dataCenters.filter((dc) => dc.listed !== false);
  for (const type of catalog.gpuTypes) {
    for (const cloud of options.clouds) {
      const terms = cloudTerms(type, cloud);
      if (!terms.sells) continue;
      for (const dc of dataCenters) {
        const stock = dc.gpuAvailability?.find((a) => a.gpuTypeId === type.id);
        if (!stock) continue;
        const location = locationOf(dc);
        for (const count of OFFERED_GPU_COUNTS) {
          if (count > terms.maxCount) continue;
          const available = inStock(stock.stockStatus) && inStock(countStock(type, count));
          for (const [spot, perGpu] of [
            [false, terms.onDemandPerGpu],
            [true, terms.spotPerGpu],
          ] as const) {
            if (!perGpu || perGpu <= 0) continue;
            offers.push({
              providerSkuId: skuIdOf(cloud, type.id),
              providerSkuName: `${count}x ${type.displayName} (${cloud === 'SECURE' ? 'Secure' : 'Community'} Cloud${spot ? ', spot' : ''})`,
              location,
              gpu: gpuSpecOf(type, count),
              vcpu: (type.lowestPrice?.minVcpu ?? DEFAULT_VCPU_PER_GPU) * count,
              ramGiB: (type.lowestPrice?.minMemory ?? DEFAULT_RAM_PER_GPU) * count,
              diskGB: options.containerDiskInGb + options.volumeInGb,
              pricePerHour: { amount: roundPrice(perGpu * count), currency: 'usd' },
              spot,
              available,
              machineKind: 'container',
              description: describe(type, cloud, count, spot),
              // Network volumes attach to Secure Cloud pods only.
              takesVolumes: cloud === 'SECURE',
            });
          }
        }
      }
    }
  }
  return offers;
}

function describe(type: GpuType, cloud: CloudType, count: number, spot: boolean): string {
  const where = cloud === 'SECURE' ? "RunPod's Secure Cloud" : "RunPod's Community Cloud (hosts run by third parties)";
  const interruptible = spot ? ' Interruptible: RunPod may stop it at any time, without notice.' : '';
  return (
    `${count}x ${type.displayName} ${type.memoryInGb} GB in ${where}.${interruptible} ` +
    'A container (pod) on a shared host, not a VM: no Docker inside, no kernel changes, root login over SSH.'
  );
}

export function roundPrice(amount: number): number {
  return Math.round(amount * 10_000) / 10_000;
}

// ---- images and tags -----------------------------------------------------------------------------

/** The portable names RunPod declares (images.ts), as container references. */
export const IMAGES: Record<string, string> = Object.fromEntries(RUNPOD_IMAGES.map((i) => [i.name, i.providerImage]));

export function imageFor(image: string): string {
  const mapped = IMAGES[image];
  if (mapped) return mapped;
  // A full container reference is passed through: pods run any image.
  if (/[/:]/.test(image)) return image;
  throw new ProviderError({
    provider: PROVIDER_ID,
    kind: 'invalid_request',
    message: `image "${image}" is not one RunPod offers here (${Object.keys(IMAGES).join(', ')}, or a container image reference)`,
  });
}

function gpufleetImageOf(imageName: string): string {
  return Object.entries(IMAGES).find(([, ref]) => ref === imageName)?.[0] ?? imageName;
}

/** The env var holding gpufleet's VM id: pods have no tags, and env is what `myself.pods` returns. */
export const TAG_ENV = 'GPUFLEET_ID';

export function envValue(env: Pod['env'], key: string): string | null {
  const prefix = `${key}=`;
  const entry = env?.find((e) => e?.startsWith(prefix));
  return entry ? entry.slice(prefix.length) : null;
}

// ---- status --------------------------------------------------------------------------------------

export interface StatusContext {
  /** The adapter sent `podStop` for this pod moments ago (RunPod reports no "stopping" state). */
  recentlyStopped: boolean;
}

export interface DerivedStatus {
  status: VmStatus;
  statusReason: string | null;
}

/** `desiredStatus` is RunPod's intent; whether the container really runs is told by `runtime`. */
export function statusOf(pod: Pod, context: StatusContext): DerivedStatus {
  switch (pod.desiredStatus) {
    case 'CREATED':
      return { status: 'Provisioning', statusReason: null };
    case 'RUNNING':
      if (pod.runtime && sshReady(pod)) return { status: 'Running', statusReason: null };
      // A pod that never started is still pulling its image; one that ran before is being resumed.
      return { status: pod.lastStartedAt ? 'Starting' : 'Provisioning', statusReason: null };
    case 'RESTARTING':
      return { status: 'Starting', statusReason: null };
    case 'EXITED':
      if (pod.runtime && context.recentlyStopped) return { status: 'Stopping', statusReason: null };
      return { status: 'Stopped', statusReason: wasPreempted(pod) ? 'preempted' : null };
    case 'PAUSED':
      return { status: 'Stopped', statusReason: null };
    case 'DEAD':
      return { status: 'Error', statusReason: 'container_dead' };
    case 'TERMINATED':
      return { status: 'Destroyed', statusReason: null };
    default:
      return { status: 'Unknown', statusReason: null };
  }
}

/**
 * The container is up once its SSH port is mapped (the runtime appears a moment before its ports). A pod
 * on a host without a public IP maps only an internal address: it runs, but `ip` stays null.
 */
function sshReady(pod: Pod): boolean {
  if (!exposes(pod, '22/tcp')) return true;
  return pod.runtime?.ports?.some((p) => p.privatePort === 22) ?? false;
}

export function isSpot(pod: Pod): boolean {
  return pod.podType === 'INTERRUPTABLE' || pod.podType === 'BID';
}

/**
 * RunPod sends no preemption notice. An interruptible pod that exited without the user stopping it
 * (`lastStatusChange` says "Exited by user: …" after a user stop) was taken back by RunPod.
 */
function wasPreempted(pod: Pod): boolean {
  return isSpot(pod) && !/by user/i.test(pod.lastStatusChange ?? '');
}

// ---- instances -----------------------------------------------------------------------------------

function exposes(pod: Pod, port: string): boolean {
  return (pod.ports ?? '').split(',').some((p) => p.trim().toLowerCase() === port);
}

/** SSH goes to the public IP and the random public port mapped to the container's 22/tcp. */
export function publicSshPort(pod: Pod): RuntimePort | null {
  return (
    pod.runtime?.ports?.find(
      (p) => p.privatePort === 22 && p.isIpPublic === true && (p.type ?? 'tcp') === 'tcp' && p.ip && p.publicPort,
    ) ?? null
  );
}

export function jupyterUrlOf(pod: Pod): string | null {
  if (!pod.runtime || !exposes(pod, '8888/http')) return null;
  return `https://${pod.id}-8888.proxy.runpod.net`;
}

/**
 * Where the pod's exposed ports are reachable while its container runs: every `N/http` port behind
 * RunPod's HTTPS proxy, every `N/tcp` port at the public address and port RunPod mapped it to (mappings
 * change on every restart, so they are read afresh each time).
 */
export function endpointsOf(pod: Pod): PortEndpoint[] {
  if (!pod.runtime) return [];
  const endpoints: PortEndpoint[] = [];
  for (const entry of (pod.ports ?? '').split(',')) {
    const match = /^\s*(\d+)\/(http|tcp)\s*$/i.exec(entry);
    if (!match) continue;
    const port = Number(match[1]);
    const protocol = (match[2] as string).toLowerCase() as 'http' | 'tcp';
    if (protocol === 'http') {
      endpoints.push({ port, protocol, url: `https://${pod.id}-${port}.proxy.runpod.net`, host: null, publicPort: null });
      continue;
    }
    const mapped = pod.runtime.ports?.find((p) => p.privatePort === port && p.isIpPublic === true && p.ip && p.publicPort);
    endpoints.push({ port, protocol, url: null, host: mapped?.ip ?? null, publicPort: mapped?.publicPort ?? null });
  }
  return endpoints;
}

export function podToInstance(pod: Pod, context: StatusContext): ProviderInstance {
  const { status, statusReason } = statusOf(pod, context);
  const ssh = publicSshPort(pod);
  const cost = typeof pod.costPerHr === 'number' ? pod.costPerHr : Number(pod.costPerHr);
  const disks = [pod.containerDiskInGb, pod.volumeInGb].filter((d): d is number => d !== null);
  const machine = pod.machine;
  return {
    providerInstanceId: pod.id,
    gpufleetId: envValue(pod.env, TAG_ENV),
    name: pod.name,
    status,
    providerStatus: pod.desiredStatus,
    statusReason,
    ip: ssh?.ip ?? null,
    ipIsPrivate: false,
    sshPort: ssh?.publicPort ?? null,
    username: 'root',
    jupyterUrl: jupyterUrlOf(pod),
    providerSkuId: machine?.gpuTypeId ? skuIdOf(machine.secureCloud === false ? 'COMMUNITY' : 'SECURE', machine.gpuTypeId) : '',
    locationCode: machine?.dataCenterId ?? '',
    gpuCount: pod.gpuCount,
    vcpu: pod.vcpuCount,
    ramGiB: pod.memoryInGb,
    diskGB: disks.length ? disks.reduce((a, b) => a + b, 0) : null,
    pricePerHour: cost > 0 ? { amount: roundPrice(cost), currency: 'usd' } : null,
    spot: isSpot(pod),
    image: gpufleetImageOf(pod.imageName),
    createdAt: isoOrNull(pod.createdAt),
    gpuUtilizationPercent: meanGpuUtilization(pod),
    endpoints: endpointsOf(pod),
  };
}

/** Mean of the runtime's per-GPU utilisation; null until the runtime reports any. */
export function meanGpuUtilization(pod: Pod): number | null {
  const values = (pod.runtime?.gpus ?? []).map((g) => g.gpuUtilPercent).filter((v): v is number => typeof v === 'number');
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

function isoOrNull(value: string | null): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
