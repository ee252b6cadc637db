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
  VolumeCapabilities,
  VolumeRef,
} from '../../core/provider/provider.ts';
import { bootScriptFor, loginUserFor } from '../kit/boot-script.ts';
import { SingleFlight } from '../kit/single-flight.ts';
import { FluidstackClient } from './client.ts';
import { FILESYSTEM_TYPE, filesystemNameOf, mountsOf, volumeOf } from './filesystems.ts';
import { atlasImageOf, GPUFLEET_ID_TAG, instanceNameOf, instanceOf, MANAGED_BY_TAG, offersOf, StatusMapper } from './mapping.ts';
import { PreemptionTracker } from './preemption.ts';
import { filesystemQuantityOf } from './quantity.ts';
import { PROVIDER_ID, type RegionConfig, type ResolvedSettings, resolveSettings } from './settings.ts';
import { userDataFor } from './user-data.ts';
import type { Instance, InstanceType } from './wire.ts';

/**
 * Atlas filesystems as gpufleet volumes; the README's "Volumes" section gives the evidence for each value. Atlas has
 * `GET|POST /filesystems` and `GET|DELETE /filesystems/{id}` and nothing that changes one (no update route, though
 * the token capability `filesystems:update` exists), and attaches filesystems only through the instance create's
 * `filesystems` (no attach route, no instance update).
 */
export const FLUIDSTACK_VOLUMES: VolumeCapabilities = {
  kind: 'filesystem',
  types: [FILESYSTEM_TYPE],
  // The document states no bounds. 1 GB is the least a whole-GB size can be; 100,000 GB (100 TB) is a
  // ceiling against typing mistakes, not an Atlas limit: raise it when a contract needs more.
  minSizeGB: 1,
  maxSizeGB: 100_000,
  resize: false,
  rename: false,
  attachToExisting: false,
  attachRequiresStopped: false,
  // No limit is documented; the document's own example mounts two. Eight is a chosen bound that leaves room beyond
  // the example: an assumption.
  maxPerInstance: 8,
  mountHint:
    'a virtio-fs share Atlas documents no mount point for: mount it with `sudo mount -t virtiofs <tag> /mnt/<name>` ' +
    '(the tag is undocumented; newer kernels list it in /sys/fs/virtiofs/*/tag)',
};

export const FLUIDSTACK_CAPABILITIES: ProviderCapabilities = {
  stopStart: true,
  // Atlas does not document billing while stopped; a stopped VM keeps its reservation, so assume it bills.
  billsWhileStopped: true,
  spot: true,
  machineKind: 'vm',
  jupyter: false,
  volumes: FLUIDSTACK_VOLUMES,
  workload: {
    startupScriptVia: 'cloud-init user data',
    // Atlas documents no limit for `userData`; cloud-init user data is commonly capped at 16–64 KiB by clouds,
    // so gpufleet stays at the low end of that once base64 and the cloud-config around it are counted.
    maxStartupScriptBytes: 16 * 1024,
    env: 'script',
    ports: 'public-ip',
  },
};

/** The user Atlas's Ubuntu images log in as (cloud-init's default user). */
const FLUIDSTACK_IMAGE_USER = 'ubuntu';

/** Instance types change rarely; they are needed to give listed instances their GPUs, CPUs and memory. */
const TYPES_TTL_MS = 10 * 60_000;

/**
 * How long a region's instance listing is reused by `listVolumes` for the filesystems' attachments, so a listing of
 * instances followed by one of volumes costs one `GET /instances` per region, not two. Dropped at once when this
 * adapter creates or deletes an instance there, or finds one gone.
 */
const LISTING_REUSE_MS = 5_000;

/**
 * Fluidstack Atlas as a gpufleet provider. Every region is its own API host: instance calls go to the region
 * of the instance (the location code is the region name), and the account's base URL is the global
 * Management API.
 */
export class FluidstackProvider implements Provider {
  readonly providerId = PROVIDER_ID;
  readonly capabilities = FLUIDSTACK_CAPABILITIES;
  private readonly settings: ResolvedSettings;
  private readonly client: FluidstackClient;
  private readonly statuses: StatusMapper;
  private readonly types = new Map<string, { byName: Map<string, InstanceType>; fetchedAt: number }>();
  private readonly typesInFlight = new SingleFlight<Map<string, InstanceType>>();
  /** Region of each instance seen, so `getInstance(id)` asks one region instead of all. */
  private readonly regionOfInstance = new Map<string, string>();
  private readonly preemption = new PreemptionTracker();
  /** The last instance listing of each region, with when it was fetched. */
  private readonly listings = new Map<string, { wires: Instance[]; fetchedAt: number }>();
  /** Bumped whenever a region's listing is dropped, so a listing fetched across the change is not kept. */
  private readonly listingEpochs = new Map<string, number>();

  constructor(account: ProviderAccountConfig, deps: ProviderDeps) {
    this.settings = resolveSettings(account.settings);
    const clientId = account.credentials['clientId'];
    const clientSecret = account.credentials['clientSecret'];
    if (!clientId || !clientSecret) {
      throw new ProviderError({ provider: PROVIDER_ID, kind: 'auth', message: 'credentials need clientId and clientSecret' });
    }
    this.statuses = new StatusMapper(deps.logger);
    this.client = new FluidstackClient({
      accountId: account.accountId,
      globalBaseUrl: account.baseUrl,
      settings: this.settings,
      credentials: { clientId, clientSecret },
      logger: deps.logger,
      onCall: deps.onProviderCall,
      observer: deps.observer,
    });
  }

  /** The token works against the Management API, and the project exists in every configured region. */
  async verify(): Promise<void> {
    await this.client.listRegions();
    for (const region of this.settings.regions) {
      try {
        await this.client.getProject(region, region.projectId);
      } catch (error) {
        if (!isProviderError(error, 'not_found')) throw error;
        throw new ProviderError({
          provider: PROVIDER_ID,
          kind: 'auth',
          status: error.status,
          message: `Fluidstack project ${region.projectId} was not found in region ${region.name}; check the account's projectId`,
        });
      }
    }
  }

  /**
   * Instance types (cached) and live capacity, region after region: a handful of calls, sent one at a time
   * so that a rate limit is met by one request rather than by all of them at once.
   */
  async listOffers(): Promise<ProviderOffer[]> {
    const offers: ProviderOffer[] = [];
    for (const region of this.settings.regions) {
      const types = await this.typesOf(region);
      const capacity = new Map<string, number>();
      for (const item of await this.client.listCapacity(region)) {
        capacity.set(item.name, (capacity.get(item.name) ?? 0) + Math.max(0, item.capacity));
      }
      offers.push(...offersOf(region, [...types.values()], capacity, this.settings.priceSheet));
    }
    return offers;
  }

  /**
   * One list call per region. If any region fails, the whole listing fails: an instance missing from a
   * partial list would read as destroyed.
   */
  async listInstances(): Promise<ProviderInstance[]> {
    const perRegion = await Promise.all(
      this.settings.regions.map(async (region) => {
        const [types, wires] = await Promise.all([this.typesOf(region), this.fetchInstances(region)]);
        return wires.map((wire) => this.toInstance(wire, region, types));
      }),
    );
    return perRegion.flat();
  }

  async getInstance(providerInstanceId: string): Promise<ProviderInstance | null> {
    const known = this.regionByName(this.regionOfInstance.get(providerInstanceId));
    // An instance seen before is asked for in its region only; an unknown id in each region in turn.
    for (const region of known ? [known] : this.settings.regions) {
      const wire = await this.client.getInstance(region, providerInstanceId);
      if (wire) return this.toInstance(wire, region, await this.typesOf(region));
    }
    for (const [regionName, listing] of this.listings) {
      if (listing.wires.some((w) => w.id === providerInstanceId)) this.dropListing(regionName);
    }
    this.forget(providerInstanceId);
    return null;
  }

  async createInstance(request: CreateInstanceRequest): Promise<ProviderInstance> {
    const region = this.requireRegion(request.locationCode);
    const filesystems = this.filesystemsFor(request, region);
    let wire: Instance;
    try {
      wire = await this.client.createInstance(region, {
        name: instanceNameOf(request.name),
        type: request.providerSkuId,
        image: atlasImageOf(request.image),
        // Atlas has no bid: a preemptible instance is billed at the contract's preemptible rate.
        preemptible: request.spot,
        ephemeral: false,
        userData: userDataFor(
          request.sshPublicKeys.map((k) => k.publicKey),
          bootScriptFor({
            script: request.startupScript ?? null,
            env: request.env ?? {},
            user: loginUserFor(request, FLUIDSTACK_IMAGE_USER),
          }),
        ),
        ...(filesystems.length > 0 ? { filesystems } : {}),
        tags: { [GPUFLEET_ID_TAG]: request.gpufleetId, [MANAGED_BY_TAG]: 'gpufleet' },
      });
    } catch (error) {
      // The project is fine (that 404 reads as auth), so a 404 here names something the request referred to.
      if (isProviderError(error, 'not_found')) {
        throw new ProviderError({
          provider: PROVIDER_ID,
          kind: 'invalid_request',
          status: error.status,
          message: `create refused in region ${region.name}: ${stripPrefix(error.message)}`,
        });
      }
      throw error;
    } finally {
      // Created or not, the region's instances (and so its filesystems' mounts) may have changed.
      this.dropListing(region.name);
    }
    return this.toInstance(wire, region, await this.typesOf(region));
  }

  async startInstance(ref: InstanceRef): Promise<void> {
    await this.action(ref, 'start');
    this.preemption.noteStart(ref.providerInstanceId);
  }

  async stopInstance(ref: InstanceRef): Promise<void> {
    this.preemption.noteStop(ref.providerInstanceId);
    try {
      await this.action(ref, 'stop');
    } catch (error) {
      this.preemption.undoStop(ref.providerInstanceId);
      throw error;
    }
  }

  async deleteInstance(ref: InstanceRef): Promise<'accepted' | 'gone'> {
    const region = this.regionOfRef(ref);
    const outcome = await this.client.deleteInstance(region, ref.providerInstanceId);
    this.dropListing(region.name);
    if (outcome === 'gone') this.forget(ref.providerInstanceId);
    return outcome;
  }

  /** Projects live on the regional API; the same id in several regions is listed once. */
  async listProjects(): Promise<{ id: string; name: string }[]> {
    const byId = new Map<string, { name: string; regions: string[] }>();
    for (const region of this.settings.regions) {
      for (const project of await this.client.listProjects(region)) {
        const entry = byId.get(project.id) ?? { name: project.name, regions: [] };
        entry.regions.push(region.name);
        byId.set(project.id, entry);
      }
    }
    return [...byId].map(([id, p]) => ({ id, name: `${p.name} (${p.regions.join(', ')})` }));
  }

  /**
   * Per region, one `GET /filesystems` and the region's instances (one `GET /instances`, or a listing of the last
   * few seconds), whose `filesystems` arrays tell which filesystem is mounted by whom. If any region fails the
   * whole listing fails: a filesystem missing from a partial list would read as deleted.
   */
  async listVolumes(): Promise<ProviderVolume[]> {
    const perRegion = await Promise.all(
      this.settings.regions.map(async (region) => {
        const [filesystems, instances] = await Promise.all([this.client.listFilesystems(region), this.recentInstances(region)]);
        const mounts = mountsOf(instances);
        return filesystems.map((fs) =>
          volumeOf(fs, { region, mountedBy: mounts.get(fs.id) ?? [], sheet: this.settings.filesystemPriceSheet }),
        );
      }),
    );
    return perRegion.flat();
  }

  /**
   * `POST /filesystems` to the region's API: the name carries the gpufleet id (`<name>-gf-<uuid>`), the size is sent
   * in decimal GB (`50G`). Refused before any call when the region, type or size is not one Fluidstack takes.
   */
  async createVolume(request: CreateVolumeRequest): Promise<ProviderVolume> {
    const region = this.requireRegion(request.locationCode);
    if (request.type !== FILESYSTEM_TYPE) {
      throw invalid(`Fluidstack has one filesystem type, "${FILESYSTEM_TYPE}", not "${request.type}"`);
    }
    const { minSizeGB, maxSizeGB } = FLUIDSTACK_VOLUMES;
    if (!Number.isInteger(request.sizeGB) || request.sizeGB < minSizeGB || request.sizeGB > maxSizeGB) {
      throw invalid(`a Fluidstack filesystem is a whole number of GB from ${minSizeGB} to ${maxSizeGB}, not ${request.sizeGB}`);
    }
    const name = filesystemNameOf(request.name, request.gpufleetId);
    const wire = await this.client.createFilesystem(region, { name, size: filesystemQuantityOf(request.sizeGB) });
    // Just made: no instance can mount it yet.
    return volumeOf(wire, { region, mountedBy: [], sheet: this.settings.filesystemPriceSheet });
  }

  /**
   * `DELETE /filesystems/{id}`: 204 → `accepted`, 404 → `gone`. Atlas documents no answer for a filesystem an
   * instance still mounts, so the region's instances are read first (always afresh) and a mounted filesystem is
   * refused here as `conflict`, whatever Atlas would have done; a 409 from Atlas reads as `conflict` too.
   */
  async deleteVolume(ref: VolumeRef): Promise<'accepted' | 'gone'> {
    const region = this.requireRegion(ref.locationCode);
    const users = mountsOf(await this.fetchInstances(region)).get(ref.providerVolumeId) ?? [];
    if (users.length > 0) throw mountedConflict(ref.providerVolumeId, region, users);
    try {
      return await this.client.deleteFilesystem(region, ref.providerVolumeId);
    } catch (error) {
      if (isProviderError(error, 'conflict')) {
        throw new ProviderError({
          provider: PROVIDER_ID,
          kind: 'conflict',
          status: error.status,
          message: `filesystem ${ref.providerVolumeId} in region ${region.name} cannot be deleted now (${stripPrefix(error.message)})`,
        });
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    this.types.clear();
    this.regionOfInstance.clear();
    this.listings.clear();
  }

  /**
   * The request's volumes as the create's `filesystems`: each must be in the instance's region (Atlas would only
   * answer 404), none twice, at most `maxPerInstance`.
   */
  private filesystemsFor(request: CreateInstanceRequest, region: RegionConfig): string[] {
    const volumes = request.volumes ?? [];
    const elsewhere = volumes.find((v) => v.locationCode !== region.name);
    if (elsewhere) {
      throw invalid(
        `filesystem ${elsewhere.providerVolumeId} is in region ${elsewhere.locationCode}; an instance in ${region.name} can only mount filesystems of its own region`,
      );
    }
    const ids = [...new Set(volumes.map((v) => v.providerVolumeId))];
    if (ids.length > FLUIDSTACK_VOLUMES.maxPerInstance) {
      throw invalid(`a Fluidstack instance mounts at most ${FLUIDSTACK_VOLUMES.maxPerInstance} filesystems, not ${ids.length}`);
    }
    return ids;
  }

  /** A region's instances, fetched now; kept for `recentInstances` unless the region changed meanwhile. */
  private async fetchInstances(region: RegionConfig): Promise<Instance[]> {
    const epoch = this.listingEpochs.get(region.name) ?? 0;
    const askedAt = Date.now();
    const wires = await this.client.listInstances(region);
    if ((this.listingEpochs.get(region.name) ?? 0) === epoch) this.listings.set(region.name, { wires, fetchedAt: askedAt });
    return wires;
  }

  private dropListing(regionName: string): void {
    this.listings.delete(regionName);
    this.listingEpochs.set(regionName, (this.listingEpochs.get(regionName) ?? 0) + 1);
  }

  /** A region's instances from a listing of the last few seconds, or fetched now. */
  private async recentInstances(region: RegionConfig): Promise<Instance[]> {
    const listing = this.listings.get(region.name);
    if (listing && Date.now() - listing.fetchedAt < LISTING_REUSE_MS) return listing.wires;
    return this.fetchInstances(region);
  }

  private async action(ref: InstanceRef, action: 'start' | 'stop'): Promise<void> {
    try {
      await this.client.instanceAction(this.regionOfRef(ref), ref.providerInstanceId, action);
    } catch (error) {
      if (isProviderError(error, 'conflict')) {
        throw new ProviderError({
          provider: PROVIDER_ID,
          kind: 'conflict',
          status: error.status,
          message: `cannot ${action} instance ${ref.providerInstanceId} in its current state (${stripPrefix(error.message)})`,
        });
      }
      throw error;
    }
  }

  private toInstance(wire: Instance, region: RegionConfig, types: Map<string, InstanceType>): ProviderInstance {
    this.regionOfInstance.set(wire.id, region.name);
    return instanceOf(wire, {
      region,
      types,
      sheet: this.settings.priceSheet,
      statuses: this.statuses,
      preemption: this.preemption,
    });
  }

  private async typesOf(region: RegionConfig): Promise<Map<string, InstanceType>> {
    const cached = this.types.get(region.name);
    if (cached && Date.now() - cached.fetchedAt < TYPES_TTL_MS) return cached.byName;
    return this.typesInFlight.run(region.name, async () => {
      const list = await this.client.listInstanceTypes(region);
      const byName = new Map(list.map((t) => [t.name, t] as const));
      this.types.set(region.name, { byName, fetchedAt: Date.now() });
      return byName;
    });
  }

  private regionByName(name: string | undefined): RegionConfig | undefined {
    return name === undefined ? undefined : this.settings.regions.find((r) => r.name === name);
  }

  private requireRegion(name: string): RegionConfig {
    const region = this.regionByName(name);
    if (region) return region;
    throw new ProviderError({
      provider: PROVIDER_ID,
      kind: 'invalid_request',
      message: `unknown Fluidstack region "${name}"; this account uses ${this.settings.regions.map((r) => r.name).join(', ')}`,
    });
  }

  /** The record's location is the region; an instance seen in another region since is asked there. */
  private regionOfRef(ref: InstanceRef): RegionConfig {
    return this.regionByName(this.regionOfInstance.get(ref.providerInstanceId)) ?? this.requireRegion(ref.locationCode);
  }

  private forget(providerInstanceId: string): void {
    this.regionOfInstance.delete(providerInstanceId);
    this.preemption.forget(providerInstanceId);
  }
}

function invalid(message: string): ProviderError {
  return new ProviderError({ provider: PROVIDER_ID, kind: 'invalid_request', message });
}

function mountedConflict(id: string, region: RegionConfig, users: string[]): ProviderError {
  return new ProviderError({
    provider: PROVIDER_ID,
    kind: 'conflict',
    message: `filesystem ${id} in region ${region.name} is mounted by instance ${users.join(', ')}; delete the instance first (Atlas has no detach)`,
  });
}

function stripPrefix(message: string): string {
  return message.startsWith(`${PROVIDER_ID}: `) ? message.slice(PROVIDER_ID.length + 2) : message;
}
