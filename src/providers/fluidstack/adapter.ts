import { isProviderError, ProviderError } from '../../core/provider/errors.ts';
import type {
  CreateInstanceRequest,
  InstanceRef,
  Provider,
  ProviderAccountConfig,
  ProviderCapabilities,
  ProviderDeps,
  ProviderInstance,
  ProviderOffer,
} from '../../core/provider/provider.ts';
import { bootScriptFor, loginUserFor } from '../kit/boot-script.ts';
import { SingleFlight } from '../kit/single-flight.ts';
import { FluidstackClient } from './client.ts';
import { atlasImageOf, GPUFLEET_ID_TAG, instanceNameOf, instanceOf, MANAGED_BY_TAG, offersOf, StatusMapper } from './mapping.ts';
import { PreemptionTracker } from './preemption.ts';
import { PROVIDER_ID, type RegionConfig, type ResolvedSettings, resolveSettings } from './settings.ts';
import { userDataFor } from './user-data.ts';
import type { Instance, InstanceType } from './wire.ts';

export const FLUIDSTACK_CAPABILITIES: ProviderCapabilities = {
  stopStart: true,
  // Atlas does not document billing while stopped; a stopped VM keeps its reservation, so assume it bills.
  billsWhileStopped: true,
  spot: true,
  machineKind: 'vm',
  jupyter: false,
  volumes: null,
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
        const [types, wires] = await Promise.all([this.typesOf(region), this.client.listInstances(region)]);
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
    this.forget(providerInstanceId);
    return null;
  }

  async createInstance(request: CreateInstanceRequest): Promise<ProviderInstance> {
    const region = this.requireRegion(request.locationCode);
    const filesystems = (request.volumes ?? []).map((v) => v.providerVolumeId);
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
    const outcome = await this.client.deleteInstance(this.regionOfRef(ref), ref.providerInstanceId);
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

  async close(): Promise<void> {
    this.types.clear();
    this.regionOfInstance.clear();
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

function stripPrefix(message: string): string {
  return message.startsWith(`${PROVIDER_ID}: `) ? message.slice(PROVIDER_ID.length + 2) : message;
}
