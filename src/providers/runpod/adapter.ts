import type { PortSpec } from '../../core/domain/types.ts';
import { isProviderError, ProviderError } from '../../core/provider/errors.ts';
import type {
  CreateInstanceRequest,
  CreateVolumeRequest,
  InstanceRef,
  Provider,
  ProviderAccountConfig,
  ProviderCapabilities,
  ProviderDeps,
  ProviderInstance,
  ProviderOffer,
  ProviderVolume,
  VolumeRef,
} from '../../core/provider/provider.ts';
import { RunpodClient } from './client.ts';
import { PROVIDER_ID } from './errors.ts';
import { imageFor, offersFrom, parseSkuId, podToInstance, roundPrice, TAG_ENV } from './mapping.ts';
import * as Q from './queries.ts';
import {
  checkVolumeSize,
  cleanVolumeName,
  RUNPOD_VOLUMES,
  readVolumeName,
  taggedVolumeName,
  VOLUME_TYPE,
  volumeOf,
  volumesFrom,
} from './volumes.ts';
import {
  BidResumeData,
  CatalogData,
  type CloudType,
  CreateVolumeData,
  DeleteVolumeData,
  DeployOnDemandData,
  type DeployPodInput,
  MyselfData,
  type NetworkVolume,
  type Pod,
  PodData,
  PodListData,
  RentInterruptableData,
  ResumeData,
  SpotPriceData,
  StopData,
  TerminateData,
  UpdateVolumeData,
  VolumeListData,
  VolumeNamesData,
} from './wire.ts';

export const RUNPOD_CAPABILITIES: ProviderCapabilities = {
  stopStart: true,
  // Compute stops billing on stop; the pod's volume disk keeps billing (see README).
  billsWhileStopped: false,
  spot: true,
  machineKind: 'container',
  jupyter: true,
  volumes: RUNPOD_VOLUMES,
  // `runtime.gpus[].gpuUtilPercent` tells how busy a running pod's GPUs are.
  gpuUtilization: true,
  workload: {
    startupScriptVia: 'the pod start command (dockerArgs)',
    // The script travels base64-encoded in one env var of the deploy mutation; RunPod documents no limit,
    // so gpufleet keeps it to what a container start command comfortably carries.
    maxStartupScriptBytes: 16 * 1024,
    env: 'native',
    ports: 'proxy',
  },
};

export interface RunpodSettings {
  cloudType?: 'SECURE' | 'COMMUNITY' | 'ALL';
}

/** What every pod gets: REST's default container disk, a volume that survives stop, SSH and Jupyter exposed. */
export const POD_DEFAULTS = {
  containerDiskInGb: 50,
  volumeInGb: 20,
  volumeMountPath: '/workspace',
  ports: '8888/http,22/tcp',
} as const;

/** The startup script travels in this env var, base64-encoded, and the start command runs it. */
export const STARTUP_SCRIPT_ENV = 'GPUFLEET_STARTUP_SCRIPT';

/**
 * `dockerArgs` replaces the container's command. It takes the JSON form dstack uses (`cmd` plus
 * `entrypoint`), so the command runs under a shell: write the script out, run it in the background with its
 * output logged, then hand over to the image's own start (`/start.sh` in RunPod's images, which starts sshd
 * and Jupyter), or keep the container alive where the image has none.
 */
export const STARTUP_DOCKER_ARGS = JSON.stringify({
  cmd: [
    `echo "$${STARTUP_SCRIPT_ENV}" | base64 -d > /gpufleet-startup.sh && chmod 700 /gpufleet-startup.sh; ` +
      '(bash /gpufleet-startup.sh > /var/log/gpufleet-startup.log 2>&1 &); ' +
      'if [ -x /start.sh ]; then exec /start.sh; else exec sleep infinity; fi',
  ],
  entrypoint: ['/bin/sh', '-c'],
});

/** SSH and Jupyter always, then the order's own ports; one entry per port number, the order's winning. */
export function portsFor(ports: PortSpec[]): string {
  const byPort = new Map<string, string>();
  for (const entry of POD_DEFAULTS.ports.split(',')) byPort.set(entry.split('/')[0] as string, entry);
  for (const p of ports) byPort.set(String(p.port), `${p.port}/${p.protocol}`);
  return [...byPort.values()].join(',');
}

/** How long after our `podStop` a lingering runtime reads as Stopping rather than Stopped. */
const STOPPING_WINDOW_MS = 120_000;
/** dstack found that names up to 60 characters work. */
const MAX_NAME_LENGTH = 60;

export class RunpodProvider implements Provider {
  readonly providerId = PROVIDER_ID;
  readonly capabilities = RUNPOD_CAPABILITIES;
  private readonly client: RunpodClient;
  private readonly clouds: readonly CloudType[];
  private readonly stoppedAt = new Map<string, number>();
  private readonly unknownStatuses = new Set<string>();

  constructor(
    account: ProviderAccountConfig,
    private readonly deps: ProviderDeps,
  ) {
    const apiKey = account.credentials.apiKey;
    if (!apiKey) throw new ProviderError({ provider: PROVIDER_ID, kind: 'auth', message: 'the account has no API key' });
    this.client = new RunpodClient({
      accountId: account.accountId,
      baseUrl: account.baseUrl,
      apiKey,
      logger: deps.logger,
      onCall: deps.onProviderCall,
      observer: deps.observer,
    });
    const cloudType = (account.settings as RunpodSettings).cloudType ?? 'ALL';
    this.clouds = cloudType === 'ALL' ? ['SECURE', 'COMMUNITY'] : [cloudType];
  }

  async verify(): Promise<void> {
    await this.client.run(Q.VERIFY, MyselfData);
  }

  async listOffers(): Promise<ProviderOffer[]> {
    const catalog = await this.client.run(Q.CATALOG, CatalogData);
    return offersFrom(catalog, { clouds: this.clouds, ...POD_DEFAULTS });
  }

  async listInstances(): Promise<ProviderInstance[]> {
    const data = await this.client.run(Q.LIST_PODS, PodListData);
    return data.myself.pods.map((pod) => this.toInstance(pod));
  }

  async getInstance(providerInstanceId: string): Promise<ProviderInstance | null> {
    try {
      const data = await this.client.run(Q.GET_POD, PodData, { input: { podId: providerInstanceId } });
      return data.pod ? this.toInstance(data.pod) : null;
    } catch (error) {
      if (isProviderError(error, 'not_found')) return null;
      throw error;
    }
  }

  async createInstance(request: CreateInstanceRequest): Promise<ProviderInstance> {
    const { cloud, gpuTypeId } = parseSkuId(request.providerSkuId);
    const networkVolumeId = await this.networkVolumeFor(request, cloud);
    const templateId = request.templateId?.trim() || null;
    const input: DeployPodInput = {
      name: request.name.slice(0, MAX_NAME_LENGTH),
      gpuTypeId,
      gpuCount: request.gpuCount,
      cloudType: cloud,
      dataCenterId: request.locationCode,
      // Community hosts give direct SSH only when asked for a public IP.
      supportPublicIp: true,
      startSsh: true,
      ...containerSettings(request, templateId),
      // The network volume takes the place of the volume disk, at the template's or the default mount path.
      ...(networkVolumeId ? { networkVolumeId, volumeInGb: 0 } : {}),
      env: [
        ...Object.entries(request.env ?? {}).map(([key, value]) => ({ key, value })),
        { key: TAG_ENV, value: request.gpufleetId },
        // Per-pod keys: the account-wide `pubKey` is one shared blob that other tools rewrite.
        { key: 'PUBLIC_KEY', value: request.sshPublicKeys.map((k) => k.publicKey.trim()).join('\n') },
        ...(request.startupScript
          ? [{ key: STARTUP_SCRIPT_ENV, value: Buffer.from(request.startupScript, 'utf8').toString('base64') }]
          : []),
      ],
      ...(request.startupScript ? { dockerArgs: STARTUP_DOCKER_ARGS } : {}),
    };
    if (!request.spot) {
      const data = await this.client.run(Q.DEPLOY_ON_DEMAND, DeployOnDemandData, { input });
      return this.toInstance(data.podFindAndDeployOnDemand);
    }
    const bidPerGpu = request.maxPricePerHour
      ? perGpuBid(request.maxPricePerHour, request.gpuCount)
      : await this.spotPricePerGpu(cloud, gpuTypeId);
    const data = await this.client.run(Q.RENT_INTERRUPTABLE, RentInterruptableData, { input: { ...input, bidPerGpu } });
    return this.toInstance(data.podRentInterruptable);
  }

  async startInstance(ref: InstanceRef): Promise<void> {
    this.stoppedAt.delete(ref.providerInstanceId);
    if (!ref.spot) {
      await this.client.run(Q.RESUME, ResumeData, { input: { podId: ref.providerInstanceId, gpuCount: ref.gpuCount } });
      return;
    }
    // An interruptible pod resumes only with a bid again: the one it was ordered at.
    const { cloud, gpuTypeId } = parseSkuId(ref.providerSkuId);
    const bidPerGpu = ref.pricePerHour ? perGpuBid(ref.pricePerHour, ref.gpuCount) : await this.spotPricePerGpu(cloud, gpuTypeId);
    await this.client.run(Q.BID_RESUME, BidResumeData, {
      input: { podId: ref.providerInstanceId, bidPerGpu, gpuCount: ref.gpuCount },
    });
  }

  async stopInstance(ref: InstanceRef): Promise<void> {
    await this.client.run(Q.STOP, StopData, { input: { podId: ref.providerInstanceId } });
    this.stoppedAt.set(ref.providerInstanceId, Date.now());
  }

  async deleteInstance(ref: InstanceRef): Promise<'accepted' | 'gone'> {
    try {
      await this.client.run(Q.TERMINATE, TerminateData, { input: { podId: ref.providerInstanceId } });
      this.stoppedAt.delete(ref.providerInstanceId);
      return 'accepted';
    } catch (error) {
      // "pod not found to terminate": the goal is already reached.
      if (isProviderError(error, 'not_found')) return 'gone';
      throw error;
    }
  }

  async listVolumes(): Promise<ProviderVolume[]> {
    const data = await this.client.run(Q.LIST_VOLUMES, VolumeListData);
    return volumesFrom(data.myself);
  }

  async createVolume(request: CreateVolumeRequest): Promise<ProviderVolume> {
    if (request.type !== VOLUME_TYPE) {
      throw new ProviderError({
        provider: PROVIDER_ID,
        kind: 'invalid_request',
        message: `RunPod has one kind of network volume ("${VOLUME_TYPE}"); got type "${request.type}"`,
      });
    }
    checkVolumeSize(request.sizeGB);
    const data = await this.client.run(Q.CREATE_VOLUME, CreateVolumeData, {
      name: taggedVolumeName(request.gpufleetId, request.name),
      size: request.sizeGB,
      dataCenterId: request.locationCode,
    });
    return volumeOf(data.createNetworkVolume, []);
  }

  async deleteVolume(ref: VolumeRef): Promise<'accepted' | 'gone'> {
    try {
      await this.client.run(Q.DELETE_VOLUME, DeleteVolumeData, { id: ref.providerVolumeId });
      return 'accepted';
    } catch (error) {
      // A pod that has the volume makes RunPod refuse (`conflict`); one it does not know is already gone.
      if (isProviderError(error, 'not_found')) return 'gone';
      throw error;
    }
  }

  async resizeVolume(ref: VolumeRef, sizeGB: number): Promise<void> {
    checkVolumeSize(sizeGB);
    await this.client.run(Q.UPDATE_VOLUME, UpdateVolumeData, { id: ref.providerVolumeId, size: sizeGB });
  }

  /** The new name keeps the gpufleet tag of the old one, so the volume is still found after a crash. */
  async renameVolume(ref: VolumeRef, name: string): Promise<void> {
    const current = await this.volumeById(ref.providerVolumeId);
    const { gpufleetId } = readVolumeName(current.name);
    const renamed = gpufleetId ? taggedVolumeName(gpufleetId, name) : cleanVolumeName(name);
    if (!renamed) {
      throw new ProviderError({ provider: PROVIDER_ID, kind: 'invalid_request', message: 'a network volume needs a name' });
    }
    await this.client.run(Q.UPDATE_VOLUME, UpdateVolumeData, { id: ref.providerVolumeId, name: renamed });
  }

  async close(): Promise<void> {
    this.stoppedAt.clear();
  }

  private async volumeById(id: string): Promise<NetworkVolume> {
    const data = await this.client.run(Q.VOLUME_NAMES, VolumeNamesData);
    const found = data.myself.networkVolumes?.find((v) => v.id === id);
    if (!found) throw new ProviderError({ provider: PROVIDER_ID, kind: 'not_found', message: `no network volume ${id}` });
    return found;
  }

  /**
   * The network volume a create attaches, checked before the deploy: RunPod takes one per pod, only in Secure
   * Cloud, and only in the volume's own data center, and answers an id it does not know with its generic
   * "Something went wrong". Like runpod-python, the volume is looked up first (one read).
   */
  private async networkVolumeFor(request: CreateInstanceRequest, cloud: CloudType): Promise<string | null> {
    const volumes = request.volumes ?? [];
    if (volumes.length === 0) return null;
    const refuse = (message: string): never => {
      throw new ProviderError({ provider: PROVIDER_ID, kind: 'invalid_request', message });
    };
    if (volumes.length > 1) refuse(`a RunPod pod takes one network volume; ${volumes.length} were asked for`);
    const ref = volumes[0] as VolumeRef;
    if (cloud !== 'SECURE') {
      refuse('network volumes are only available to Secure Cloud pods; this offer is Community Cloud');
    }
    let volume: NetworkVolume | null = null;
    try {
      volume = await this.volumeById(ref.providerVolumeId);
    } catch (error) {
      if (!isProviderError(error, 'not_found')) throw error;
    }
    if (!volume) return refuse(`RunPod has no network volume ${ref.providerVolumeId} on this account`);
    if (volume.dataCenterId !== request.locationCode) {
      refuse(
        `network volume ${volume.id} is in ${volume.dataCenterId} and a pod with it can only run there, not in ${request.locationCode}`,
      );
    }
    return volume.id;
  }

  private async spotPricePerGpu(cloud: CloudType, gpuTypeId: string): Promise<number> {
    const data = await this.client.run(Q.SPOT_PRICE, SpotPriceData, { input: { id: gpuTypeId } });
    const type = data.gpuTypes.find((t) => t.id === gpuTypeId);
    const price = cloud === 'SECURE' ? type?.secureSpotPrice : type?.communitySpotPrice;
    if (!price || price <= 0) {
      throw new ProviderError({
        provider: PROVIDER_ID,
        kind: 'invalid_request',
        message: `RunPod publishes no spot price for ${gpuTypeId} in ${cloud === 'SECURE' ? 'Secure' : 'Community'} Cloud`,
      });
    }
    return price;
  }

  private toInstance(pod: Pod): ProviderInstance {
    const stoppedAt = this.stoppedAt.get(pod.id);
    const recentlyStopped = stoppedAt !== undefined && Date.now() - stoppedAt < STOPPING_WINDOW_MS;
    if (stoppedAt !== undefined && !recentlyStopped) this.stoppedAt.delete(pod.id);
    const instance = podToInstance(pod, { recentlyStopped });
    if (instance.status === 'Unknown' && !this.unknownStatuses.has(pod.desiredStatus)) {
      this.unknownStatuses.add(pod.desiredStatus);
      this.deps.logger.warn('RunPod reported a pod status gpufleet does not know; showing it as Unknown', {
        provider: PROVIDER_ID,
        desiredStatus: pod.desiredStatus,
        podId: pod.id,
      });
    }
    return instance;
  }
}

/**
 * What the container runs and with which disks. Without a template: the order's image, gpufleet's disks and
 * mount path, SSH and Jupyter plus the order's ports. With one, everything left out is the template's (RunPod's
 * rule: the create's fields win, `env` is merged per key), so the adapter sends neither image, disks, mount
 * path nor Jupyter, and ports only when the order names some (SSH and Jupyter added, replacing the template's).
 */
function containerSettings(request: CreateInstanceRequest, templateId: string | null): Partial<DeployPodInput> {
  if (!templateId) {
    return {
      imageName: imageFor(request.image),
      startJupyter: true,
      ports: portsFor(request.ports ?? []),
      containerDiskInGb: POD_DEFAULTS.containerDiskInGb,
      volumeInGb: POD_DEFAULTS.volumeInGb,
      volumeMountPath: POD_DEFAULTS.volumeMountPath,
    };
  }
  return { templateId, ...(request.ports?.length ? { ports: portsFor(request.ports) } : {}) };
}

/** Bids are per GPU-hour in USD; gpufleet prices are per pod. */
function perGpuBid(price: { amount: number; currency: string }, gpuCount: number): number {
  if (price.currency.toLowerCase() !== 'usd') {
    throw new ProviderError({
      provider: PROVIDER_ID,
      kind: 'invalid_request',
      message: `RunPod bids are in USD; got a maximum price in ${price.currency}`,
    });
  }
  return roundPrice(price.amount / Math.max(1, gpuCount));
}
