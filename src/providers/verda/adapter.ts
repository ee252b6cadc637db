import { isProviderError, ProviderError } from '../../core/provider/errors.ts';
import type {
  CreateInstanceRequest,
  CreateVolumeRequest,
  InstanceRef,
  Provider,
  ProviderAccountConfig,
  ProviderCapabilities,
  ProviderDeps,
  ProviderImage,
  ProviderInstance,
  ProviderOffer,
  ProviderVolume,
  VolumeCapabilities,
  VolumeRef,
} from '../../core/provider/provider.ts';
import { bootScriptFor, loginUserFor } from '../kit/boot-script.ts';
import { SingleFlight } from '../kit/single-flight.ts';
import { Cached } from './cache.ts';
import { VerdaClient, type VerdaClientOptions } from './client.ts';
import { VERDA } from './errors.ts';
import {
  chooseVerdaImage,
  gpufleetTag,
  hostnameFrom,
  imageOfCatalog,
  toProviderInstance,
  VERDA_SSH_PORT,
  VERDA_SSH_USER,
} from './mapping.ts';
import { buildOffers, OS_VOLUME_GB } from './offers.ts';
import { VerdaStatusMapper } from './status.ts';
import {
  attachedInstanceIdsOf,
  listPriceOf,
  readVolumeName,
  taggedVolumeName,
  toProviderVolume,
  VerdaVolumeStatusMapper,
  VOLUME_NAME_MAX,
  volumeSlug,
} from './volumes.ts';
import type {
  CreateVolumeBody,
  DeployInstanceBody,
  Image,
  Instance,
  InstanceType,
  Location,
  VolumeTypeWire,
  VolumeWire,
} from './wire.ts';

/**
 * Verda block volumes (the README's "Volumes" section gives the evidence for each value). Only `NVMe` and `HDD`
 * are volumes a single instance attaches; the `*_Shared` and cluster types are shared filesystems and cluster
 * storage. Verda documents no size limits beyond a whole, positive number of GB, and no limit of volumes per
 * instance: the largest size and the per-instance count are gpufleet's own bounds.
 */
export const VERDA_VOLUME_CAPABILITIES: VolumeCapabilities = {
  kind: 'block volume',
  types: ['NVMe', 'HDD'],
  minSizeGB: 1,
  maxSizeGB: 10_000,
  resize: true,
  rename: true,
  attachToExisting: true,
  // The SDKs: "the instance needs to be shut-down (offline)" for attach and detach; `POST /volumes` documents
  // 403 "One or more of the specified instances is not shut down".
  attachRequiresStopped: true,
  maxPerInstance: 8,
  mountHint: 'an unformatted block device (/dev/vdb for the first, then /dev/vdc, …); format and mount it, e.g. at /mnt/volume',
};

/** Verda volume states in which a volume is tied to an instance. */
const ATTACHED_STATES = new Set(['attached', 'attaching', 'detaching']);

export const VERDA_CAPABILITIES: ProviderCapabilities = {
  stopStart: true,
  // `shutdown` → `offline` keeps charging the full compute price; only delete stops it.
  billsWhileStopped: true,
  spot: true,
  machineKind: 'vm',
  jupyter: true,
  volumes: VERDA_VOLUME_CAPABILITIES,
  workload: {
    startupScriptVia: 'a Verda startup script',
    // Verda documents no size limit for a script; 64 KiB keeps every deploy request small.
    maxStartupScriptBytes: 64 * 1024,
    env: 'script',
    ports: 'public-ip',
  },
};

const CATALOG_TTL_MS = 5 * 60_000;
/** How long the adapter remembers that it started or deleted an instance (to read Verda's reused states). */
const MEMORY_MS = 6 * 60 * 60_000;
/** Raw states after which a `start` we sent has played out. */
const SETTLED_AFTER_START = new Set(['running', 'error', 'no_capacity', 'installation_failed', 'deleting', 'discontinued']);

export interface VerdaSettings {
  currency?: 'usd' | 'eur';
}

/** gpufleet's `Provider` on Verda (formerly DataCrunch) GPU VMs. */
export class VerdaProvider implements Provider {
  readonly providerId = VERDA;
  readonly capabilities = VERDA_CAPABILITIES;
  private readonly client: VerdaClient;
  private readonly statuses: VerdaStatusMapper;
  private readonly volumeStatuses: VerdaVolumeStatusMapper;
  private readonly currency: 'usd' | 'eur';
  private readonly types: Cached<InstanceType[]>;
  private readonly locations: Cached<Location[]>;
  private readonly imagesByType = new Map<string, Cached<Image[]>>();
  private readonly allImages: Cached<Image[]>;
  private readonly volumeTypes: Cached<VolumeTypeWire[]>;
  private readonly startedByUs = new Map<string, number>();
  private readonly deletedByUs = new Map<string, number>();
  /** Two creates with the same new key at once register it once. */
  private readonly keyRegistrations = new SingleFlight<string>();

  constructor(account: ProviderAccountConfig, deps: ProviderDeps, http?: VerdaClientOptions['http']) {
    const settings = account.settings as VerdaSettings;
    this.currency = settings.currency === 'eur' ? 'eur' : 'usd';
    this.client = new VerdaClient({
      accountId: account.accountId,
      baseUrl: apiRoot(account.baseUrl),
      clientId: account.credentials['clientId'] ?? '',
      clientSecret: account.credentials['clientSecret'] ?? '',
      logger: deps.logger,
      onCall: deps.onProviderCall,
      observer: deps.observer,
      http,
    });
    this.statuses = new VerdaStatusMapper(deps.logger);
    this.volumeStatuses = new VerdaVolumeStatusMapper(deps.logger);
    this.types = new Cached(CATALOG_TTL_MS, () => this.client.instanceTypes(this.currency));
    this.locations = new Cached(CATALOG_TTL_MS, () => this.client.locations());
    this.allImages = new Cached(CATALOG_TTL_MS, () => this.client.allImages());
    this.volumeTypes = new Cached(CATALOG_TTL_MS, () => this.client.volumeTypes());
  }

  async verify(): Promise<void> {
    await this.client.balance();
  }

  /**
   * Four calls at most, one after the other (types and locations are cached for a few minutes): a burst
   * would only hit Verda's per-project limit sooner.
   */
  async listOffers(): Promise<ProviderOffer[]> {
    const types = await this.types.get();
    const locations = await this.locations.get();
    const onDemand = await this.client.availability(false);
    const spot = await this.client.availability(true);
    return buildOffers({ types, locations, onDemand, spot });
  }

  /** One `GET /images` (cached a few minutes): every instance image, each orderable by its `image_type`. */
  async listImages(): Promise<ProviderImage[]> {
    const images = await this.allImages.get();
    return images.filter((image) => image.is_cluster !== true).map(imageOfCatalog);
  }

  /** One `GET /instances` (not paginated). Deleted instances linger there as `discontinued` → Destroyed. */
  async listInstances(): Promise<ProviderInstance[]> {
    this.forgetOld();
    const instances = await this.client.instances();
    return instances.map((wire) => this.toInstance(wire));
  }

  async getInstance(providerInstanceId: string): Promise<ProviderInstance | null> {
    const wire = await this.client.instance(providerInstanceId);
    return wire ? this.toInstance(wire) : null;
  }

  async createInstance(request: CreateInstanceRequest): Promise<ProviderInstance> {
    const volumeIds = volumeIdsFor(request);
    const image = await this.imageFor(request.providerSkuId, request.image);
    const sshKeyIds = await this.registerSshKeys(request.sshPublicKeys);
    const hostname = hostnameFrom(request.name, request.gpufleetId);
    const saved = await this.saveBootScript(request);
    const scriptId = saved?.id ?? null;
    const body: DeployInstanceBody = {
      ...(scriptId ? { startup_script_id: scriptId } : {}),
      instance_type: request.providerSkuId,
      image,
      hostname,
      description: gpufleetTag(request.gpufleetId),
      location_code: request.locationCode,
      ...(sshKeyIds.length > 0 ? { ssh_key_ids: sshKeyIds } : {}),
      is_spot: request.spot,
      contract: request.spot ? 'SPOT' : 'PAY_AS_YOU_GO',
      os_volume: {
        name: `${hostname.slice(0, 50)}-os`,
        size: OS_VOLUME_GB,
        // An evicted spot VM's OS volume is otherwise kept detached, and billed.
        ...(request.spot ? { on_spot_discontinue: 'delete_permanently' as const } : {}),
      },
      // Verda attaches them when the instance is placed; a spot eviction leaves them detached, data intact.
      ...(volumeIds.length > 0 ? { existing_volumes: volumeIds } : {}),
    };
    let id: string;
    try {
      id = await this.client.deploy(body);
    } catch (error) {
      // Refused outright, so nothing uses a script saved just now: take it back from the account's quota. A
      // script found from an earlier attempt, or one after a timeout, stays for the instance that may boot with it.
      if (saved?.createdNow && isProviderError(error) && !error.retryable) {
        await this.client.deleteScript(saved.id).catch(() => {});
      }
      throw error;
    }
    // The create has happened: from here on nothing may throw, or the core would think it failed.
    try {
      const wire = await this.client.instance(id);
      if (wire) return this.toInstance(wire);
    } catch {
      // Read it later; what we sent is enough to describe it now.
    }
    return this.accepted(id, request, body);
  }

  async startInstance(ref: InstanceRef): Promise<void> {
    await this.client.action({ action: 'start', id: ref.providerInstanceId });
    this.startedByUs.set(ref.providerInstanceId, Date.now());
  }

  async stopInstance(ref: InstanceRef): Promise<void> {
    await this.client.action({ action: 'shutdown', id: ref.providerInstanceId });
  }

  /**
   * Delete with the OS volume named and `delete_permanently`, or the volume would go to the trash (or stay
   * detached) and keep billing. Only the OS volume is named, so every data volume is detached and kept (without
   * an OS volume nothing is named, and Verda's default deletes only the OS volume). Verda refuses to delete a
   * provisioning instance ("Can't discontinue a provisioning instance" → retry_later); "Can't discontinue a
   * discontinued instance" and "Invalid instance id" mean it is gone.
   */
  async deleteInstance(ref: InstanceRef): Promise<'accepted' | 'gone'> {
    const id = ref.providerInstanceId;
    const wire = await this.client.instance(id);
    if (!wire || wire.status === 'discontinued' || wire.status === 'notfound') return 'gone';
    if (wire.status === 'deleting') return 'accepted';
    try {
      await this.client.action({
        action: 'delete',
        id,
        ...(wire.os_volume_id ? { volume_ids: [wire.os_volume_id], delete_permanently: true } : {}),
      });
    } catch (error) {
      if (isProviderError(error, 'not_found')) return 'gone';
      throw error;
    }
    this.deletedByUs.set(id, Date.now());
    // The script was this instance's own (see saveBootScript) and has run: free its place in the quota.
    if (wire.startup_script_id) await this.client.deleteScript(wire.startup_script_id).catch(() => {});
    return 'accepted';
  }

  /**
   * The order's environment and startup script as one Verda startup script of its own, named after the
   * gpufleet id so a retried create finds and reuses it instead of saving it twice. Verda's scripts are
   * plain shell scripts run once at first boot (not cloud-init).
   */
  private async saveBootScript(request: CreateInstanceRequest): Promise<{ id: string; createdNow: boolean } | null> {
    const script = bootScriptFor({
      script: request.startupScript ?? null,
      env: request.env ?? {},
      user: loginUserFor(request, VERDA_SSH_USER),
    });
    if (!script) return null;
    const name = `gpufleet-${request.gpufleetId}`;
    const existing = (await this.client.scriptsNamed(name)).find((s) => s.name === name);
    if (existing) return { id: existing.id, createdNow: false };
    return { id: await this.client.addScript(name, script), createdNow: true };
  }

  /**
   * One `GET /volumes` (not paginated; deleted volumes are not in it). OS volumes are left out: gpufleet creates
   * and deletes them with their instance. The price per GB-month is the volume's own; the type's list price
   * (`GET /volume-types`, cached) is only fetched for a volume that carries none.
   */
  async listVolumes(): Promise<ProviderVolume[]> {
    const volumes = (await this.client.volumes()).filter((volume) => !volume.is_os_volume);
    const needsListPrice = volumes.some((volume) => !(Number(volume.monthly_price) > 0));
    // A listing never fails over a price.
    const types = needsListPrice ? await this.volumeTypes.get().catch(() => []) : [];
    return volumes.map((volume) => this.toVolume(volume, types));
  }

  /**
   * `POST /volumes` with the gpufleet tag in the name (`<name>--gf-<id>`, see volumes.ts), after checking the
   * type against `GET /volume-types` (cached). Answered 202 with the bare id, then read back once.
   */
  async createVolume(request: CreateVolumeRequest): Promise<ProviderVolume> {
    checkVolumeSize(request.sizeGB);
    if (!VERDA_VOLUME_CAPABILITIES.types.includes(request.type)) {
      throw invalidVolume(
        `volume type ${request.type} is not one Verda attaches to an instance (${VERDA_VOLUME_CAPABILITIES.types.join(', ')})`,
      );
    }
    const types = await this.volumeTypes.get();
    if (!types.some((t) => t.type === request.type)) {
      throw invalidVolume(`Verda does not offer ${request.type} volumes now (it lists ${types.map((t) => t.type).join(', ')})`);
    }
    const body: CreateVolumeBody = {
      type: request.type,
      location_code: request.locationCode,
      size: request.sizeGB,
      name: taggedVolumeName(request.name, request.gpufleetId),
    };
    const id = await this.client.createVolume(body);
    // The create has happened: from here on nothing may throw.
    try {
      const wire = await this.client.volume(id);
      if (wire) return this.toVolume(wire, types);
    } catch {
      // Read it later; what we sent is enough to describe it now.
    }
    return {
      providerVolumeId: id,
      gpufleetId: request.gpufleetId,
      name: readVolumeName(body.name).name,
      locationCode: request.locationCode,
      sizeGB: request.sizeGB,
      type: request.type,
      status: 'Creating',
      providerStatus: 'ordered',
      attachedInstanceIds: [],
      pricePerGBMonth: listPriceOf(types, request.type),
      createdAt: null,
    };
  }

  /**
   * Always for good (`DELETE /volumes/{id}` with `is_permanent: true`), never to the trash, which keeps the
   * volume for 96 h against the quota. An attached volume is refused as `conflict` before Verda is asked: Verda
   * itself deletes a volume attached to a shut-down instance, detaching it. Gone when Verda says it does not
   * exist or was deleted for good; a volume found in the trash is deleted for good now.
   */
  async deleteVolume(ref: VolumeRef): Promise<'accepted' | 'gone'> {
    const wire = await this.client.volume(ref.providerVolumeId);
    if (!wire || (wire.status === 'deleted' && wire.is_permanently_deleted === true)) return 'gone';
    const attachedTo = attachedInstanceIdsOf(wire);
    if (attachedTo.length > 0 || ATTACHED_STATES.has(wire.status)) {
      throw new ProviderError({
        provider: VERDA,
        kind: 'conflict',
        message: `volume ${wire.id} is ${wire.status}${attachedTo.length > 0 ? ` to instance ${attachedTo.join(', ')}` : ''}: detach it first`,
      });
    }
    return this.client.deleteVolume(wire.id, true);
  }

  /** Grow in place (`resize`); Verda refuses a size below the current one. */
  async resizeVolume(ref: VolumeRef, sizeGB: number): Promise<void> {
    checkVolumeSize(sizeGB);
    await this.client.volumeAction({ action: 'resize', id: ref.providerVolumeId, size: sizeGB });
  }

  /** Rename, keeping the gpufleet tag the current name carries (read first: the ref does not hold it). */
  async renameVolume(ref: VolumeRef, name: string): Promise<void> {
    const wire = await this.client.volume(ref.providerVolumeId);
    if (!wire || wire.status === 'deleted') {
      throw new ProviderError({ provider: VERDA, kind: 'not_found', message: `volume ${ref.providerVolumeId} does not exist` });
    }
    const { gpufleetId } = readVolumeName(wire.name);
    const newName = gpufleetId ? taggedVolumeName(name, gpufleetId) : volumeSlug(name, VOLUME_NAME_MAX);
    await this.client.volumeAction({ action: 'rename', id: wire.id, name: newName });
  }

  /**
   * Attach (`attach` with `instance_id`). Verda needs the instance shut down (`offline`) and in the volume's
   * location; otherwise 403 "One or more of the specified instances is not shut down" → `conflict`.
   */
  async attachVolume(ref: VolumeRef, instance: InstanceRef): Promise<void> {
    if (ref.locationCode !== instance.locationCode) {
      throw invalidVolume(
        `volume ${ref.providerVolumeId} is in ${ref.locationCode} and instance ${instance.providerInstanceId} in ${instance.locationCode}: Verda attaches only within one location`,
      );
    }
    await this.client.volumeAction({ action: 'attach', id: ref.providerVolumeId, instance_id: instance.providerInstanceId });
  }

  /** Detach; like attach, only while the instance is shut down (`conflict` otherwise). */
  async detachVolume(ref: VolumeRef, instance: InstanceRef): Promise<void> {
    await this.client.volumeAction({ action: 'detach', id: ref.providerVolumeId, instance_id: instance.providerInstanceId });
  }

  async close(): Promise<void> {
    this.types.clear();
    this.locations.clear();
    this.imagesByType.clear();
    this.allImages.clear();
    this.volumeTypes.clear();
  }

  private toVolume(wire: VolumeWire, types: VolumeTypeWire[]): ProviderVolume {
    return toProviderVolume(wire, this.volumeStatuses, (type) => listPriceOf(types, type));
  }

  private toInstance(wire: Instance): ProviderInstance {
    if (this.startedByUs.has(wire.id) && SETTLED_AFTER_START.has(wire.status)) this.startedByUs.delete(wire.id);
    return toProviderInstance(wire, this.statuses, {
      startedByUs: this.startedByUs.has(wire.id),
      deletedByUs: this.deletedByUs.has(wire.id),
      currency: this.currency,
    });
  }

  private forgetOld(): void {
    const cutoff = Date.now() - MEMORY_MS;
    for (const memory of [this.startedByUs, this.deletedByUs]) {
      for (const [id, at] of memory) if (at < cutoff) memory.delete(id);
    }
  }

  private async imageFor(instanceType: string, requested: string): Promise<string> {
    let images = this.imagesByType.get(instanceType);
    if (!images) {
      images = new Cached(CATALOG_TTL_MS, () => this.client.images(instanceType));
      this.imagesByType.set(instanceType, images);
    }
    let list: Image[];
    try {
      list = await images.get();
    } catch (error) {
      if (isProviderError(error, 'not_found')) {
        throw new ProviderError({ provider: VERDA, kind: 'invalid_request', message: `unknown instance type ${instanceType}` });
      }
      throw error;
    }
    const image = chooseVerdaImage(requested, list);
    if (!image) {
      throw new ProviderError({
        provider: VERDA,
        kind: 'invalid_request',
        message: `image ${requested} is not offered for ${instanceType} (Verda offers: ${list.map((i) => i.image_type).join(', ')})`,
      });
    }
    return image;
  }

  /**
   * Verda attaches keys only at create, by id. A key whose content is already registered is reused
   * (registering it again would pile up duplicates in the user's project).
   */
  private async registerSshKeys(keys: CreateInstanceRequest['sshPublicKeys']): Promise<string[]> {
    if (keys.length === 0) return [];
    const existing = await this.client.sshKeys();
    const ids: string[] = [];
    for (const key of keys) {
      const content = keyContent(key.publicKey);
      const found = existing.find((candidate) => keyContent(candidate.key) === content);
      if (found) {
        ids.push(found.id);
        continue;
      }
      const id = await this.keyRegistrations.run(content, () =>
        this.client.addSshKey(key.name.trim() || 'gpufleet', key.publicKey.trim()),
      );
      existing.push({ id, name: key.name, key: key.publicKey });
      ids.push(id);
    }
    return [...new Set(ids)];
  }

  /** What the create said, for when the instance cannot be read back at once. */
  private accepted(id: string, request: CreateInstanceRequest, body: DeployInstanceBody): ProviderInstance {
    return {
      providerInstanceId: id,
      gpufleetId: request.gpufleetId,
      name: body.hostname,
      status: 'Provisioning',
      providerStatus: 'ordered',
      statusReason: null,
      ip: null,
      ipIsPrivate: false,
      sshPort: VERDA_SSH_PORT,
      username: VERDA_SSH_USER,
      jupyterUrl: null,
      providerSkuId: request.providerSkuId,
      locationCode: request.locationCode,
      gpuCount: request.gpuCount,
      vcpu: null,
      ramGiB: null,
      diskGB: OS_VOLUME_GB,
      pricePerHour: null,
      spot: request.spot,
      image: body.image,
      createdAt: null,
    };
  }
}

/** Verda's API root ends in `/v1`; an account entered as the bare host (`https://api.verda.com`) gets it added. */
export function apiRoot(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return new URL(trimmed).pathname === '/' ? `${trimmed}/v1` : trimmed;
}

/**
 * The `existing_volumes` of a create: Verda attaches only detached volumes of the instance's own location, so a
 * volume elsewhere is refused here, before anything is sent.
 */
function volumeIdsFor(request: CreateInstanceRequest): string[] {
  const volumes = request.volumes ?? [];
  for (const volume of volumes) {
    if (volume.locationCode !== request.locationCode) {
      throw invalidVolume(
        `volume ${volume.providerVolumeId} is in ${volume.locationCode}, not in ${request.locationCode} where the instance goes`,
      );
    }
  }
  const ids = [...new Set(volumes.map((v) => v.providerVolumeId))];
  if (ids.length > VERDA_VOLUME_CAPABILITIES.maxPerInstance) {
    throw invalidVolume(
      `an instance takes at most ${VERDA_VOLUME_CAPABILITIES.maxPerInstance} volumes, ${ids.length} were named`,
    );
  }
  return ids;
}

function checkVolumeSize(sizeGB: number): void {
  const { minSizeGB, maxSizeGB } = VERDA_VOLUME_CAPABILITIES;
  if (!Number.isInteger(sizeGB) || sizeGB < minSizeGB || sizeGB > maxSizeGB) {
    throw invalidVolume(`volume size must be a whole number of GB from ${minSizeGB} to ${maxSizeGB}, not ${sizeGB}`);
  }
}

function invalidVolume(message: string): ProviderError {
  return new ProviderError({ provider: VERDA, kind: 'invalid_request', message });
}

/** `ssh-ed25519 AAAA… comment` → `ssh-ed25519 AAAA…`: the comment does not make a different key. */
function keyContent(publicKey: string): string {
  return publicKey.trim().split(/\s+/).slice(0, 2).join(' ');
}
