import type { TSchema } from '@sinclair/typebox';
import type {
  GpuSpec,
  MachineKind,
  Money,
  PortEndpoint,
  PortSpec,
  ProviderLocation,
  VmStatus,
  VolumeStatus,
} from '../domain/types.ts';
import type { ProviderErrorKind } from './errors.ts';

/**
 * The one interface every cloud implements. The core speaks only this; each provider folder
 * (`src/providers/<id>/`) holds its wire client, its mapping to these types, its adapter and its simulator.
 *
 * Rules every adapter follows:
 * - Every response is parsed by a schema at the boundary; an unexpected shape throws
 *   `ProviderError` kind `bad_response` naming the provider and the field.
 * - Failures are typed `ProviderError`s (see errors.ts), never bare strings: the core decides
 *   what to do (fail over, wait, retry, stop) from the kind alone.
 * - An instance is tagged with `gpufleetId` at create in whatever way the provider allows
 *   (name, description, tags, env), and `ProviderInstance.gpufleetId` reads that tag back, so an
 *   instance can always be found again after a crash.
 */
export interface Provider {
  /** The provider id of the definition that built this adapter, e.g. `verda`. */
  readonly providerId: string;
  readonly capabilities: ProviderCapabilities;

  /** Check that the account's credentials and settings work. Throws `auth` when they do not. */
  verify(): Promise<void>;

  /**
   * Every orderable (instance type × location × on-demand/spot) combination with its price per VM-hour
   * and its availability right now. Costs a small, fixed number of provider calls per account.
   */
  listOffers(): Promise<ProviderOffer[]>;

  /**
   * Every instance of the account, ours or not, in as few calls as the provider allows (one list call
   * where it has one). Instances that are gone are simply absent.
   */
  listInstances(): Promise<ProviderInstance[]>;

  /** One instance; `null` when the provider says it does not exist (that is how "gone" reads). */
  getInstance(providerInstanceId: string): Promise<ProviderInstance | null>;

  /**
   * Create one instance from an offer. Returns as soon as the provider has accepted it (the instance is
   * usually still provisioning). A capacity shortage is either thrown here as kind `capacity` or shows
   * later as status `Error` with `statusReason: 'capacity'` (Fluidstack's `out-of-stock`, Verda's
   * `no_capacity`); the core treats both the same way.
   */
  createInstance(request: CreateInstanceRequest): Promise<ProviderInstance>;

  /** Power on a stopped instance. Throws `capacity` when the host cannot give the GPUs back. */
  startInstance(ref: InstanceRef): Promise<void>;

  /** Power off. Whether compute keeps billing is told by `capabilities.billsWhileStopped`. */
  stopInstance(ref: InstanceRef): Promise<void>;

  /**
   * Destroy the instance and its boot disk. `gone` when the provider says it no longer exists (the goal
   * is reached); `accepted` when deletion started. Throws `retry_later` when the provider refuses for
   * now (e.g. Verda will not delete a provisioning instance).
   */
  deleteInstance(ref: InstanceRef): Promise<'accepted' | 'gone'>;

  /** Projects the account's credentials can see (providers that scope by project, e.g. Fluidstack). */
  listProjects?(): Promise<{ id: string; name: string }[]>;

  /**
   * Every volume of the account, ours or not, in as few calls as the provider allows (only where
   * `capabilities.volumes`). Volumes that are gone are absent (or listed with status `Deleted`).
   */
  listVolumes?(): Promise<ProviderVolume[]>;
  /**
   * Create one volume, tagged with `gpufleetId` the way the provider allows so it can be found again after a
   * crash. Returns as soon as the provider has accepted it. Never retried by the adapter.
   */
  createVolume?(request: CreateVolumeRequest): Promise<ProviderVolume>;
  /**
   * Delete a volume for good (never to a trash that keeps billing). `gone` when the provider says it no longer
   * exists; `accepted` when deletion started. Throws `conflict` while it is attached to an instance.
   */
  deleteVolume?(ref: VolumeRef): Promise<'accepted' | 'gone'>;
  /** Grow a volume (only where `capabilities.volumes.resize`); never shrinks. */
  resizeVolume?(ref: VolumeRef, sizeGB: number): Promise<void>;
  /** Rename a volume (only where `capabilities.volumes.rename`), keeping its gpufleet tag. */
  renameVolume?(ref: VolumeRef, name: string): Promise<void>;
  /** Attach to / detach from an existing instance (only where `capabilities.volumes.attachToExisting`). */
  attachVolume?(ref: VolumeRef, instance: InstanceRef): Promise<void>;
  detachVolume?(ref: VolumeRef, instance: InstanceRef): Promise<void>;

  /**
   * The provider's own OS image catalog, where its API lists one (Verda does; Fluidstack and RunPod do not).
   * Each image can be ordered by its `name` as is, next to the portable names of `ProviderDefinition.images`.
   */
  listImages?(): Promise<ProviderImage[]>;

  /** Release timers and sockets. */
  close(): Promise<void>;
}

/** One image of a provider's own catalog. */
export interface ProviderImage {
  /** What `CreateInstanceRequest.image` takes to boot exactly this image, e.g. `ubuntu-24.04-cuda-12.8-open-docker`. */
  name: string;
  description: string;
  /** The image serves Jupyter, so a VM of it shows a `jupyterUrl`. */
  jupyter: boolean;
}

/**
 * One portable gpufleet image name a provider can boot, and the provider image it becomes at create. Each
 * provider declares its own list beside its adapter; the core only reads it.
 */
export interface PortableImageSupport {
  /** e.g. `ubuntu-24.04-cuda` (the names are listed in `src/catalog/images.ts`). */
  name: string;
  /** The provider image it maps to, for people to read; a pattern where the adapter picks per instance type. */
  providerImage: string;
}

/** What the provider can do, declared rather than guessed. */
export interface ProviderCapabilities {
  stopStart: boolean;
  /** Compute keeps billing while stopped (Verda `offline`). The user is told when they stop. */
  billsWhileStopped: boolean;
  spot: boolean;
  machineKind: MachineKind;
  /** The provider can show a Jupyter URL for some instances. */
  jupyter: boolean;
  /** Persistent volumes the provider offers; null where it has none. */
  volumes: VolumeCapabilities | null;
  /** Instances report GPU utilisation (`ProviderInstance.gpuUtilizationPercent`), so idle rules can work. */
  gpuUtilization?: boolean;
  /** How the machine's workload (startup script, environment, ports) reaches it. */
  workload: WorkloadSupport;
}

/** What a provider's volumes can do, declared with the evidence in its README. */
export interface VolumeCapabilities {
  /**
   * What the provider calls the kind of volume it offers (Verda block volumes, RunPod network volumes, Fluidstack
   * filesystems), for people to read.
   */
  kind: string;
  /** Volume types an order may name; the first is the default (e.g. Verda `NVMe`, `HDD`). */
  types: readonly string[];
  minSizeGB: number;
  maxSizeGB: number;
  /** A volume can be grown in place. */
  resize: boolean;
  /** A volume can be renamed in place. */
  rename: boolean;
  /** A volume can be attached to and detached from an existing instance (otherwise only at create). */
  attachToExisting: boolean;
  /** Attaching or detaching needs the instance stopped first (Verda). */
  attachRequiresStopped: boolean;
  /** The most volumes one instance can take (RunPod: one network volume per pod). */
  maxPerInstance: number;
  /** Where the volume shows up on the machine, for people to read (e.g. `/workspace`). */
  mountHint: string;
}

/** How a provider delivers what runs on the machine; told to the user in the VM's history. */
export interface WorkloadSupport {
  /** The way the startup script is handed over, e.g. "a Verda startup script", "cloud-init user data". */
  startupScriptVia: string;
  /**
   * The longest startup script the provider takes, in bytes, after gpufleet has added the environment
   * to it (the order is refused over it, naming the field).
   */
  maxStartupScriptBytes: number;
  /**
   * `native`: the provider sets the variables itself (container env); `script`: gpufleet writes them to
   * the machine's environment from its boot script.
   */
  env: 'native' | 'script';
  /**
   * `proxy`: the provider maps ports and reports their endpoints (`ProviderInstance.endpoints`);
   * `public-ip`: every port listens on the machine's own address, so an endpoint is that address and port.
   */
  ports: 'proxy' | 'public-ip';
}

/** Enough of an instance for an action; taken from gpufleet's record so the adapter need not look it up. */
export interface InstanceRef {
  providerInstanceId: string;
  providerSkuId: string;
  locationCode: string;
  gpuCount: number;
  spot: boolean;
  /** The price the instance was ordered at; RunPod needs the bid again to resume an interruptible pod. */
  pricePerHour: Money | null;
}

export interface ProviderOffer {
  /** Opaque to the core: the adapter's own handle on the instance type (and variant), passed back on create. */
  providerSkuId: string;
  /** The provider's name for the type, shown to users, e.g. `1H100.80S.22V`. */
  providerSkuName: string;
  location: ProviderLocation;
  gpu: GpuSpec;
  vcpu: number;
  ramGiB: number;
  diskGB: number;
  /** Per VM (not per GPU) per hour; null when the provider publishes none and none is configured. */
  pricePerHour: Money | null;
  spot: boolean;
  /** Capacity exists right now. */
  available: boolean;
  machineKind: MachineKind;
  description: string;
  /**
   * Instances of this offer can take the account's volumes (absent: they can wherever the provider has
   * volumes). RunPod's Community Cloud pods take no network volume.
   */
  takesVolumes?: boolean;
}

export interface CreateInstanceRequest {
  /** gpufleet's VM id: the adapter tags the instance with it. */
  gpufleetId: string;
  /** Human name; adapters derive a valid hostname from it. */
  name: string;
  providerSkuId: string;
  locationCode: string;
  gpuCount: number;
  spot: boolean;
  /** For interruptible/spot bids: the most the user pays per VM-hour. Defaults to the offer's spot price. */
  maxPricePerHour?: Money | null;
  /** gpufleet image name, e.g. `ubuntu-24.04`; the adapter maps it to a provider image. */
  image: string;
  /** The login user wanted; the adapter may ignore it when the provider fixes one (root on Verda/RunPod). */
  username: string | null;
  /** OpenSSH public keys that must be able to log in. */
  sshPublicKeys: { name: string; publicKey: string; fingerprint: string }[];
  /** Volumes to attach at create (providers with `capabilities.volumes`); all in `locationCode`. */
  volumes?: VolumeRef[];
  /** A shell script to run once at first boot, as root; null or absent for none. */
  startupScript?: string | null;
  /**
   * A provider template to start the container from (RunPod templates), for providers whose machines are
   * containers; null or absent for none.
   */
  templateId?: string | null;
  /** Environment variables for the workload (secret ones already unsealed: never log them). */
  env?: Record<string, string>;
  /** Ports the workload listens on, to expose. */
  ports?: PortSpec[];
}

/** Enough of a volume for an action; taken from gpufleet's record. */
export interface VolumeRef {
  providerVolumeId: string;
  locationCode: string;
}

export interface CreateVolumeRequest {
  /** gpufleet's volume id: the adapter tags the volume with it. */
  gpufleetId: string;
  /** Human name; the adapter derives a valid provider name from it. */
  name: string;
  sizeGB: number;
  locationCode: string;
  /** One of `capabilities.volumes.types`. */
  type: string;
}

export interface ProviderVolume {
  providerVolumeId: string;
  /** The gpufleet volume id read back from the volume's tag; null for volumes gpufleet did not create. */
  gpufleetId: string | null;
  name: string;
  locationCode: string;
  sizeGB: number;
  type: string;
  status: VolumeStatus;
  /** The provider's raw state, kept for display and for diagnosing `Unknown`. */
  providerStatus: string;
  /** Provider ids of the instances it is attached to. */
  attachedInstanceIds: string[];
  /** Per GB per month as the provider quotes it; null where it publishes none. */
  pricePerGBMonth: Money | null;
  createdAt: string | null;
}

export interface ProviderInstance {
  providerInstanceId: string;
  /** The gpufleet VM id read back from the instance's tag; null for instances gpufleet did not create. */
  gpufleetId: string | null;
  name: string;
  status: VmStatus;
  /** The provider's raw state, kept for display and for diagnosing `Unknown`. */
  providerStatus: string;
  /** Why the instance is in Error/Stopped when the provider says: `capacity`, `preempted`, `install_failed`. */
  statusReason: string | null;
  ip: string | null;
  /** True when `ip` is only reachable inside the provider's network (Fluidstack documents a private IP). */
  ipIsPrivate: boolean;
  sshPort: number | null;
  username: string | null;
  jupyterUrl: string | null;
  providerSkuId: string;
  locationCode: string;
  gpuCount: number;
  vcpu: number | null;
  ramGiB: number | null;
  diskGB: number | null;
  pricePerHour: Money | null;
  spot: boolean;
  image: string | null;
  createdAt: string | null;
  /** Mean GPU utilisation (0–100) the provider reports for a running instance; absent where it reports none. */
  gpuUtilizationPercent?: number | null;
  /** Public endpoints of exposed ports, from providers that map them (`workload.ports: 'proxy'`). */
  endpoints?: PortEndpoint[];
}

export interface ProviderAccountConfig {
  accountId: string;
  name: string;
  baseUrl: string;
  /** Decrypted, validated by the definition's `credentialsSchema`. Never logged. */
  credentials: Record<string, string>;
  /** Validated by the definition's `settingsSchema`. */
  settings: Record<string, unknown>;
}

export interface ProviderLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface ProviderDeps {
  logger: ProviderLogger;
  /** Called once for every HTTP request sent to the provider (for metrics and benchmarks). */
  onProviderCall?: (call: { provider: string; accountId: string; method: string; route: string; status: number }) => void;
  /** Sees every provider request with its duration, and every typed failure (metrics); implemented by the runtime. */
  observer?: ProviderCallObserver;
}

/**
 * What the shared HTTP client reports. `route` is a path template or operation name (never a URL with ids), so
 * it can label a metric. `status` is the HTTP status, or `timeout` / `network_error` when no answer came.
 */
export interface ProviderCallObserver {
  call(call: {
    provider: string;
    accountId: string;
    method: string;
    route: string;
    status: number | 'timeout' | 'network_error';
    durationMs: number;
  }): void;
  error(error: { provider: string; accountId: string; route: string; kind: ProviderErrorKind }): void;
}

/** Everything the core knows about one cloud: registered in `src/providers/registry.ts`. */
export interface ProviderDefinition {
  id: string;
  displayName: string;
  /** Where the real API lives; an account may override it. */
  defaultBaseUrl: string;
  capabilities: ProviderCapabilities;
  /** The portable image names this provider can boot, each with the provider image it maps to. */
  images: readonly PortableImageSupport[];
  /**
   * How long after a create the provider may still leave a new instance out of its listings; within it, an
   * instance missing from a list is not yet taken as gone.
   */
  listingGraceMs: number;
  /** Write-only secrets of an account (API key, client id/secret). */
  credentialsSchema: TSchema;
  /** Non-secret account settings (project id, regions, price sheet). */
  settingsSchema: TSchema;
  connect(account: ProviderAccountConfig, deps: ProviderDeps): Provider;
  simulator: SimulatorDefinition;
}

export interface SimulatorDefinition {
  start(options?: SimulatorOptions): Promise<RunningSimulator>;
}

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** How long each asynchronous state change takes; tests use tens of ms, the sandbox a few seconds. */
  transitionMs?: number;
  /** Credentials the simulator accepts; documented defaults otherwise. */
  credentials?: Record<string, string>;
  /** Where to keep state across restarts (the sandbox); in memory when absent. */
  stateFile?: string;
  /** Seed for anything random (IPs, ports, ids) so runs are repeatable. */
  seed?: number;
  /** Multiply every capacity of the simulated cloud (benchmarks that seed many VMs); default 1. */
  capacityScale?: number;
}

export interface RunningSimulator {
  /** Base URL an account points at (the provider's API root as the adapter expects it). */
  baseUrl: string;
  /** The credentials and settings an account needs to talk to this simulator. */
  account: { credentials: Record<string, string>; settings: Record<string, unknown> };
  control: SimulatorControl;
  close(): Promise<void>;
}

/** Run-time fault injection and inspection, the same for every simulator. */
export interface SimulatorControl {
  /** Probability (0..1) that a request fails with the provider's 5xx error; extra latency per request. */
  setFaults(faults: { errorRate?: number; latencyMs?: number }): void;
  /** Clear every injected fault and restore capacity. */
  reset(): void;
  /** The next `count` requests answer the provider's 429 with `Retry-After: retryAfterSec`. */
  rateLimitNext(count: number, retryAfterSec?: number): void;
  /** Every token issued so far stops working (no-op for providers with static keys). */
  expireTokens(): void;
  /** Turn capacity off/on, for one offer or all. */
  setCapacity(available: boolean, filter?: { providerSkuId?: string; locationCode?: string }): void;
  /** Volumes that exist (not deleted) at the provider, to prove nothing leaked; empty without volumes. */
  liveVolumeIds?(): string[];
  /** Spot eviction / interruptible preemption of one instance. */
  preempt(providerInstanceId: string): void;
  /** Show an instance's raw provider state as `raw` (e.g. one the adapter has never seen); null removes the override. */
  setRawStatus(providerInstanceId: string, raw: string | null): void;
  /** Make an instance's GPUs report `percent` utilisation (null: back to idle); only where the provider reports it. */
  setGpuUtilization?(providerInstanceId: string, percent: number | null): void;
  /**
   * Leave an instance out of the provider's listings for `ms`, as real clouds list new instances late;
   * `lookups: true` makes direct reads answer not-found too for that time.
   */
  hideFromListing(providerInstanceId: string, ms: number, options?: { lookups?: boolean }): void;
  /** The same for the next instance created, from its first appearance. */
  hideNextCreated(ms: number, options?: { lookups?: boolean }): void;
  /** The next `count` successful responses come back with a wrong shape. */
  malformNext(count: number): void;
  /** Injected replies not served yet: 429s of `rateLimitNext`, wrong shapes of `malformNext` (when a fault has ended). */
  pendingFaults(): { rateLimited: number; malformed: number };
  /** Requests received so far, by `METHOD route`. */
  requestCounts(): Record<string, number>;
  /** Instances that exist (not deleted) at the provider, to prove nothing leaked. */
  liveInstanceIds(): string[];
  /**
   * What the simulated machine was given to run at first boot, decoded from what the adapter sent the way
   * that provider delivers it: the startup script and the environment it sees. Null for an unknown instance.
   */
  bootWorkload(
    providerInstanceId: string,
  ): { script: string | null; env: Record<string, string> /** A login user the boot creates. */; user?: string } | null;
}
