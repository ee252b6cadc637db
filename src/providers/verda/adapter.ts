import { isProviderError, ProviderError } from '../../core/provider/errors.ts';
import type {
  CreateInstanceRequest,
  InstanceRef,
  Provider,
  ProviderAccountConfig,
  ProviderCapabilities,
  ProviderDeps,
  ProviderImage,
  ProviderInstance,
  ProviderOffer,
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
import type { DeployInstanceBody, Image, Instance, InstanceType, Location } from './wire.ts';

export const VERDA_CAPABILITIES: ProviderCapabilities = {
  stopStart: true,
  // `shutdown` → `offline` keeps charging the full compute price; only delete stops it.
  billsWhileStopped: true,
  spot: true,
  machineKind: 'vm',
  jupyter: true,
  volumes: null,
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
  private readonly currency: 'usd' | 'eur';
  private readonly types: Cached<InstanceType[]>;
  private readonly locations: Cached<Location[]>;
  private readonly imagesByType = new Map<string, Cached<Image[]>>();
  private readonly allImages: Cached<Image[]>;
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
      http,
    });
    this.statuses = new VerdaStatusMapper(deps.logger);
    this.types = new Cached(CATALOG_TTL_MS, () => this.client.instanceTypes(this.currency));
    this.locations = new Cached(CATALOG_TTL_MS, () => this.client.locations());
    this.allImages = new Cached(CATALOG_TTL_MS, () => this.client.allImages());
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
   * detached) and keep billing. Verda refuses to delete a provisioning instance ("Can't discontinue a
   * provisioning instance" → retry_later); "Can't discontinue a discontinued instance" and "Invalid instance
   * id" mean it is gone.
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

  async close(): Promise<void> {
    this.types.clear();
    this.locations.clear();
    this.imagesByType.clear();
    this.allImages.clear();
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

/** `ssh-ed25519 AAAA… comment` → `ssh-ed25519 AAAA…`: the comment does not make a different key. */
function keyContent(publicKey: string): string {
  return publicKey.trim().split(/\s+/).slice(0, 2).join(' ');
}
