import type { EventType, PlatformEvent } from '../core/domain/events.ts';
import type {
  MachineKind,
  Money,
  PortEndpoint,
  PortSpec,
  Principal,
  ResourceGroup,
  SshKey,
  StartupScript,
  UserRole,
  VmStatus,
  VolumeStatus,
} from '../core/domain/types.ts';

/**
 * The use cases the HTTP API, the CLI (through the API) and the dashboard reach. Shapes here are the
 * API's JSON shapes (GPCN's field names), so the API layer only validates, wraps and serialises.
 * Every method throws `AppError` for anything the user can act on.
 */
export interface Services {
  vms: VmService;
  catalog: CatalogService;
  images: ImageService;
  sshKeys: SshKeyService;
  startupScripts: StartupScriptService;
  volumes: VolumeService;
  resourceGroups: ResourceGroupService;
  accounts: ProviderAccountService;
  apiKeys: ApiKeyService;
  costs: CostService;
  events: EventService;
  webhooks: WebhookService;
  health(): Promise<HealthReport>;
  /** Whether this replica can do its work: the store answers, and each enabled provider account's last sync. */
  readiness(): Promise<ReadinessReport>;
}

// ---------- lists ----------

export interface ListQuery {
  page: number;
  limit: number;
  /** Parsed `field:asc|desc` pairs, already checked against the endpoint's sortable fields. */
  sort: { field: string; direction: 'asc' | 'desc' }[];
  search?: string;
}

export interface PageMeta {
  total: number;
  page: number;
  pageSize: number;
  totalPages: number;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export interface Page<T> {
  items: T[];
  meta: PageMeta;
}

// ---------- images ----------

/** An OS image an order can name, and where it can run. */
export interface ImageInfo {
  id: string;
  name: string;
  description: string;
  providers: string[];
  machineKinds: MachineKind[];
  jupyter: boolean;
}

export interface ImageService {
  list(query: ListQuery): Promise<Page<ImageInfo>>;
}

// ---------- GPU VMs ----------

/** Seed 000 exactly, plus gpufleet's additions (marked). */
export interface GpuVmDetails {
  id: string;
  name: string;
  status: VmStatus;
  configuration: {
    code: string;
    name: string;
    gpuCount: number;
    cpu: number;
    ram: number;
    disk: number;
    skuCode: string | null;
    skuId: string | null;
  };
  datacenter: { id: string; name: string; region: string; country: string; countryAbbr: string };
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  hasStoredCredentials: boolean;
  sshKeyId: string | null;
  sshKeyName: string | null;
  username: string;
  image: string;
  ip: string | null;
  jupyterUrl: string | null;
  resourceGroupId: string | null;
  resourceGroupName: string | null;
  // gpufleet additions
  provider: string | null;
  providerAccountId: string | null;
  providerInstanceId: string | null;
  providerStatus: string | null;
  statusReason: string | null;
  machineKind: MachineKind;
  spot: boolean;
  ipIsPrivate: boolean;
  sshPort: number | null;
  pricePerHour: Money | null;
  /** Cost accrued since the VM started billing, in `pricePerHour.currency`. */
  accruedCost: Money | null;
  billsWhileStopped: boolean;
  ttl: { at: string; action: 'stop' | 'delete' } | null;
  /** Idle rule: act once the GPUs have been idle `minutes`; `since` is when the current idle spell began. */
  idle: { minutes: number; action: 'stop' | 'delete'; since: string | null } | null;
  /** When the provider last confirmed this record. */
  syncedAt: string | null;
  /** gpufleet: the provider has not confirmed this record within the staleness bound (it is answered from the store). */
  stale: boolean;
  /** gpufleet: the startup script the VM was ordered with (its text is not repeated here). */
  startupScript: { id: string | null; name: string | null; sizeBytes: number } | null;
  /** gpufleet: the VM's plain environment variables. */
  env: Record<string, string>;
  /** gpufleet: names of its secret environment variables; their values are never returned. */
  secretEnvNames: string[];
  /** gpufleet: ports the VM exposes. */
  ports: PortSpec[];
  /** gpufleet: where each exposed port is reachable, once the provider says (empty before). */
  endpoints: PortEndpoint[];
  /** gpufleet: the provider template (RunPod) the container was started from. */
  templateId: string | null;
  /** gpufleet: volumes attached to the VM now. */
  volumes: VmVolume[];
}

/** A volume as a VM shows it. */
export interface VmVolume {
  id: string;
  name: string;
  sizeGB: number;
  type: string;
  status: VolumeStatus;
  attachedAt: string;
  /** Where it shows up on the machine, as the provider documents it. */
  mountHint: string;
}

export interface OrderInput {
  name: string;
  /** Optional beyond GPCN: when absent, `constraints` choose across datacenters. */
  datacenterId?: string;
  seriesId: string;
  gpuCount: number;
  /** Required by GPCN; gpufleet lets an order with `generateSshKey` go without one. */
  sshKeyId?: string;
  imageName?: string;
  imageId?: string;
  resourceGroupId?: string;
  skuCode?: string;
  username?: string;
  // gpufleet additions
  constraints?: OfferConstraints;
  spot?: boolean;
  maxPricePerHour?: number;
  ttlHours?: number;
  ttlAction?: 'stop' | 'delete';
  /** Stop or delete the VM once its GPUs have been idle this long; only providers that report utilisation. */
  idleMinutes?: number;
  idleAction?: 'stop' | 'delete';
  /** Volumes to attach at create; they pin the VM to their provider account and datacenter. */
  volumeIds?: string[];
  /** A script from the startup-script library to run at first boot. */
  startupScriptId?: string;
  /** Or the script itself (not both). */
  startupScript?: string;
  env?: Record<string, string>;
  /** Sealed at rest, handed only to the provider, never returned. */
  secretEnv?: Record<string, string>;
  /** `8888/http`, `22/tcp`, … */
  ports?: string[];
  /** A container image reference for container providers (RunPod pods), instead of an OS image. */
  containerImage?: string;
  /** Generate a key pair for this VM alone; its private key is stored sealed (`hasStoredCredentials`). */
  generateSshKey?: boolean;
  /** A provider template (RunPod) to start the container from; container providers only. */
  templateId?: string;
}

export interface OfferConstraints {
  countries?: string[];
  regions?: string[];
  providers?: string[];
  excludeProviders?: string[];
  maxPricePerHour?: number;
  spot?: 'allow' | 'only' | 'exclude';
  machineKinds?: MachineKind[];
  /** Only providers that report GPU utilisation (set by an order with an idle rule). */
  gpuUtilizationReported?: boolean;
}

export interface UpdateVmInput {
  name?: string;
  resourceGroupId?: string | null;
  sshKeyId?: string | null;
  username?: string;
  ttlHours?: number | null;
  ttlAction?: 'stop' | 'delete';
  idleMinutes?: number | null;
  idleAction?: 'stop' | 'delete';
}

export interface CallContext {
  principal: Principal;
  /** `Idempotency-Key` header of the request, when sent. */
  idempotencyKey?: string;
}

export interface Job {
  jobId: string;
  resourceType: 'virtual_machine';
  resourceDisplayName: string;
  operation: string;
  stage: string;
  progressPercentage: number;
  message: string;
  errorMessage: string | null;
  estimatedCompletion: string | null;
  timeRemaining: number | null;
  canRetry: boolean;
  isCompleted: boolean;
  hasFailed: boolean;
  resourceId: string;
  resourceName: string;
  createdAt: string;
  updatedAt: string;
  // gpufleet addition: every placement attempt of an order.
  attempts: PlacementAttempt[];
}

export interface PlacementAttempt {
  provider: string;
  providerAccountId: string;
  skuCode: string;
  datacenterId: string;
  datacenterName: string;
  pricePerHour: Money | null;
  outcome: 'succeeded' | 'capacity' | 'failed' | 'pending';
  reason: string | null;
  at: string;
}

export interface BulkActionResult {
  results: { id: string; success: boolean; error: string | null; jobId?: string }[];
  summary: { total: number; succeeded: number; failed: number };
}

/**
 * Bulk delete: GPCN's `jobs` (one per VM whose deletion started) with gpufleet's per-id report beside it,
 * so an id that cannot be deleted is named instead of failing the whole call.
 */
export interface BulkDeleteResult extends BulkActionResult {
  jobs: Job[];
}

export interface VmEvent {
  at: string;
  kind: string;
  message: string;
}

export interface VmService {
  list(query: ListQuery & { resourceGroupId?: string; includeDeleted?: boolean; status?: VmStatus }): Promise<Page<GpuVmDetails>>;
  get(id: string): Promise<GpuVmDetails>;
  /** Records the VM and its create job at once (201/202); placement runs in the job worker. */
  order(input: OrderInput, ctx: CallContext): Promise<{ vm: GpuVmDetails; job: Job; replayed: boolean }>;
  /** What `order` would try, in order, without ordering (`dryRun`). */
  preview(input: OrderInput): Promise<{ offers: Offer[]; ageSeconds: number }>;
  update(id: string, input: UpdateVmInput, ctx: CallContext): Promise<GpuVmDetails>;
  remove(id: string, ctx: CallContext): Promise<Job>;
  start(id: string, ctx: CallContext): Promise<Job>;
  stop(id: string, ctx: CallContext): Promise<{ job: Job; warning: string | null }>;
  restart(id: string, ctx: CallContext): Promise<Job>;
  bulkStop(ids: string[], ctx: CallContext): Promise<BulkActionResult>;
  bulkStart(ids: string[], ctx: CallContext): Promise<BulkActionResult>;
  /** Each id on its own, like bulk stop: a job for every VM that can be deleted, a failure for each one that cannot. */
  bulkDelete(ids: string[], ctx: CallContext): Promise<BulkDeleteResult>;
  /** The private key generated for the VM at order time (`generateSshKey`); 404 `NO_STORED_CREDENTIALS` otherwise. */
  legacyPrivateKey(id: string, ctx: CallContext): Promise<{ privateKey: string }>;
  jobs(jobIds: string[]): Promise<Job[]>;
  history(id: string): Promise<VmEvent[]>;
}

// ---------- volumes ----------

/** Persistent storage at a provider that outlives the VMs it is attached to. */
export interface Volume {
  id: string;
  entityId: string;
  name: string;
  status: VolumeStatus;
  provider: string;
  providerAccountId: string;
  /** The provider's own id; null until the provider has accepted the create. */
  providerVolumeId: string | null;
  providerStatus: string | null;
  datacenter: { id: string; code: string; name: string };
  type: string;
  sizeGB: number;
  /** What the provider charges per GB per month; null where it publishes none. */
  pricePerGBMonth: Money | null;
  /** Cost accrued since the volume was created, in `pricePerGBMonth.currency`. */
  accruedCost: Money | null;
  resourceGroupId: string | null;
  /** VMs it is attached to now. */
  attachedTo: { vmId: string; vmName: string; attachedAt: string }[];
  /** Where it shows up on a machine, as the provider documents it. */
  mountHint: string;
  /** Why the last provider call for it failed, when it did. */
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  /** Set only once the provider confirms the volume is gone. */
  deletedAt: string | null;
  syncedAt: string | null;
}

/** Where volumes can be created: one entry per datacenter whose provider offers volumes. */
export interface VolumeOption {
  datacenter: { id: string; code: string; name: string };
  provider: string;
  kind: string;
  types: string[];
  minSizeGB: number;
  maxSizeGB: number;
  resize: boolean;
  rename: boolean;
  attachToExisting: boolean;
  attachRequiresStopped: boolean;
  maxPerInstance: number;
  mountHint: string;
}

export interface UnmanagedVolume {
  providerAccountId: string;
  provider: string;
  providerVolumeId: string;
  name: string;
  providerStatus: string;
  gpufleetId: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface VolumeCreateInput {
  name: string;
  sizeGB: number;
  datacenterId: string;
  type?: string;
  resourceGroupId?: string;
}

export interface VolumeService {
  list(query: ListQuery & { datacenterId?: string; provider?: string; includeDeleted?: boolean }): Promise<Page<Volume>>;
  get(id: string): Promise<Volume>;
  /** Records the volume, then asks the provider (201; status Creating until the provider says it is ready). */
  create(input: VolumeCreateInput, ctx: CallContext): Promise<Volume>;
  /** Rename and/or grow (where the provider allows). */
  update(id: string, input: { name?: string; sizeGB?: number }): Promise<Volume>;
  /** Starts deletion (409 while attached to a live VM); `Deleted` once the provider confirms. */
  remove(id: string): Promise<Volume>;
  attach(vmId: string, volumeId: string): Promise<Volume>;
  detach(vmId: string, volumeId: string): Promise<Volume>;
  options(): Promise<VolumeOption[]>;
  unmanaged(): Promise<UnmanagedVolume[]>;
}

// ---------- catalog ----------

export interface SeriesInfo {
  id: string;
  code: string;
  name: string;
  description: string;
}

export interface DatacenterInfo {
  id: string;
  name: string;
  code: string;
  region: string;
  country: string;
  countryAbbr: string;
  provider: string;
}

export interface SkuSpecs {
  gpuDescription: string;
  vcpu: number;
  memoryGiB: number;
  storageGB: number;
}

export interface Offer {
  skuId: string;
  skuCode: string;
  description: string;
  provider: string;
  providerAccountId: string;
  providerSkuName: string;
  /** The adapter's opaque handle on the type and the provider's location code: what an order passes back. */
  providerSkuId: string;
  providerLocationCode: string;
  series: { id: string; code: string; name: string };
  datacenter: DatacenterInfo;
  gpuCount: number;
  gpu: { model: string; memoryGiB: number; interconnect: string | null };
  specs: SkuSpecs;
  pricePerHour: Money | null;
  available: boolean;
  spot: boolean;
  machineKind: MachineKind;
  billsWhileStopped: boolean;
  /** The provider reports GPU utilisation, so an idle rule can act on a VM placed here. */
  reportsGpuUtilization: boolean;
  /** An order with volumes can be placed here (the provider has volumes and this offer takes them). */
  takesVolumes: boolean;
  /** Provider type not in gpufleet's series catalog: listed, never dropped. */
  unmapped: boolean;
}

export interface InventoryQuery {
  code?: string;
  datacenterId?: string;
  count?: number;
}

export interface Inventory {
  series: {
    id: string;
    name: string;
    code: string;
    description: string;
    availability: {
      datacenterId: string;
      datacenterName: string;
      datacenterCode: string;
      gpuCounts: {
        count: number;
        specs: SkuSpecs;
        pricePerHour: Money | null;
        availableSkus: { skuCode: string; description: string; specs: SkuSpecs; pricePerHour: Money | null; provider: string }[];
      }[];
    }[];
  }[];
  error?: { code: 'GPU_PROVIDER_UNAVAILABLE'; message: string };
  /** gpufleet addition: age of the availability data, seconds. */
  ageSeconds: number;
}

export interface CatalogService {
  inventory(query: InventoryQuery): Promise<Inventory>;
  series(): Promise<SeriesInfo[]>;
  datacenters(): Promise<DatacenterInfo[]>;
  offers(
    query: OfferConstraints & { seriesCode?: string; gpuCount?: number; datacenterId?: string; availableOnly?: boolean },
  ): Promise<{
    offers: Offer[];
    ageSeconds: number;
  }>;
}

// ---------- SSH keys ----------

export type SshKeyAlgorithmChoice = 'ed25519' | 'rsa-4096' | 'rsa-2048' | 'ecdsa-p256';

export interface StartupScriptService {
  list(query: ListQuery): Promise<Page<StartupScript>>;
  get(id: string): Promise<StartupScript>;
  create(input: { name: string; script: string }, principal: Principal): Promise<StartupScript>;
  update(id: string, input: { name?: string; script?: string }): Promise<StartupScript>;
  remove(id: string): Promise<void>;
}

export interface SshKeyService {
  list(query: ListQuery): Promise<Page<SshKey>>;
  get(id: string): Promise<SshKey>;
  upload(input: { name: string; publicKey: string; isDefault?: boolean }, principal: Principal): Promise<SshKey>;
  /** The private key is in the answer once and stored nowhere. */
  generate(
    input: { name: string; algorithm?: SshKeyAlgorithmChoice; passphrase?: string; isDefault?: boolean },
    principal: Principal,
  ): Promise<SshKey & { privateKey: string }>;
  update(id: string, input: { name?: string; isDefault?: boolean }): Promise<SshKey>;
  remove(id: string): Promise<void>;
}

// ---------- resource groups ----------

export interface ResourceGroupBudget {
  monthlyAmount: number;
  currency: string;
  warnAtPercent: number;
  action: 'stop' | 'delete' | 'refuse';
}

export type ResourceGroupDetails = ResourceGroup & { vmCount: number; budget: ResourceGroupBudget | null };

export interface ResourceGroupService {
  list(query: ListQuery): Promise<Page<ResourceGroupDetails>>;
  get(id: string): Promise<ResourceGroupDetails>;
  create(input: { name: string; description?: string; budget?: ResourceGroupBudget }): Promise<ResourceGroupDetails>;
  update(
    id: string,
    input: { name?: string; description?: string | null; budget?: ResourceGroupBudget | null },
  ): Promise<ResourceGroupDetails>;
  /** Refused (409) while VMs that are not destroyed belong to it. */
  remove(id: string): Promise<void>;
}

// ---------- provider accounts ----------

export interface ProviderAccountView {
  id: string;
  provider: string;
  name: string;
  baseUrl: string;
  settings: Record<string, unknown>;
  enabled: boolean;
  sandbox: boolean;
  health: 'ok' | 'auth_failed' | 'unreachable' | 'unknown';
  lastError: string | null;
  lastSyncedAt: string | null;
  /** Names of the credential fields set (never their values). */
  credentialFields: string[];
  createdAt: string;
  updatedAt: string;
}

export interface AccountCreateInput {
  provider: string;
  name: string;
  credentials: Record<string, string>;
  baseUrl?: string;
  settings?: Record<string, unknown>;
  enabled?: boolean;
}

/** Credential fields given replace the stored ones of the same name; `settings` replaces them whole. */
export type AccountUpdateInput = Partial<Omit<AccountCreateInput, 'provider'>>;

/** An instance found at a provider that gpufleet did not create or no longer tracks. */
export interface UnmanagedInstance {
  accountId: string;
  providerInstanceId: string;
  name: string;
  providerStatus: string;
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface ProviderAccountService {
  list(): Promise<ProviderAccountView[]>;
  get(id: string): Promise<ProviderAccountView>;
  /** Validates credentials/settings against the provider's schemas and checks them with `verify()`. */
  create(input: AccountCreateInput): Promise<ProviderAccountView>;
  update(id: string, input: AccountUpdateInput): Promise<ProviderAccountView>;
  /** Refused (409) while the account still has VMs that are not destroyed. */
  remove(id: string): Promise<void>;
  /** Provider definitions: id, name, capabilities, credential and settings schemas. */
  providers(): Promise<
    { id: string; displayName: string; capabilities: object; credentialsSchema: object; settingsSchema: object }[]
  >;
  /** Instances found at the provider that gpufleet did not create or no longer tracks. */
  unmanagedInstances(): Promise<UnmanagedInstance[]>;
  projects(id: string): Promise<{ id: string; name: string }[]>;
}

// ---------- API keys ----------

export interface ApiKeyView {
  id: string;
  name: string;
  role: UserRole;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  suspended: boolean;
  lastUsedAt: string | null;
}

export interface ApiKeyService {
  /** Resolve a presented key; null when unknown, revoked, suspended or expired. */
  authenticate(key: string): Promise<Principal | null>;
  list(): Promise<ApiKeyView[]>;
  create(input: { name: string; role: UserRole; expiresAt?: string }): Promise<ApiKeyView & { key: string }>;
  /** New secret, old one dies at once. */
  rotate(id: string): Promise<ApiKeyView & { key: string }>;
  setSuspended(id: string, suspended: boolean): Promise<ApiKeyView>;
  remove(id: string): Promise<void>;
}

// ---------- costs ----------

export interface CostQuery {
  from: string;
  to: string;
  groupBy: 'vm' | 'resourceGroup' | 'provider' | 'apiKey';
}

export interface CostReport {
  from: string;
  to: string;
  groupBy: CostQuery['groupBy'];
  rows: { key: string; label: string; amount: number; currency: string; hours: number }[];
  total: { amount: number; currency: string }[];
}

export interface CostService {
  report(query: CostQuery): Promise<CostReport>;
}

// ---------- health ----------

export interface HealthReport {
  status: 'ok' | 'degraded';
  version: string;
  mode: 'sandbox' | 'production';
  database: 'sqlite' | 'postgres';
  accounts: { id: string; provider: string; name: string; health: string; lastSyncedAt: string | null }[];
}

/**
 * `ok`: working; `pending`: an account not synced yet (counts as ready); `failing`: not ready. Account entries
 * carry no credentials, base URL or provider error text: the report is public, like `/healthz`.
 */
export type ReadinessStatus = 'ok' | 'pending' | 'failing';

export interface ReadinessReport {
  ready: boolean;
  store: { status: 'ok' | 'failing'; latencyMs: number };
  accounts: {
    name: string;
    provider: string;
    status: ReadinessStatus;
    /** `ok`, `auth_failed`, `unreachable` or `unknown`, from the last sync. */
    health: string;
    lastSyncedAt: string | null;
  }[];
}

// ---------- events ----------

/** Which events a subscriber wants: always one entity's, optionally only some types or one resource. */
export interface EventStreamFilter {
  entityId: string;
  types?: readonly EventType[];
  /** Only events whose subject is this resource (VM, job, volume, SSH key…). */
  subjectId?: string;
}

export interface EventListFilter extends EventStreamFilter {
  /** ISO-8601 bounds on the event time, inclusive. */
  since?: string;
  until?: string;
}

/** The stored event log, paged, and the live stream over it (`GET /v1/events`). */
export interface EventService {
  /** One page of stored events, newest first. */
  list(filter: EventListFilter, query: ListQuery): Promise<Page<PlatformEvent>>;
  /** The store order of one of the entity's events (a `Last-Event-ID`); undefined when unknown or no longer retained. */
  resumeSeq(eventId: string, entityId: string): Promise<number | undefined>;
  /**
   * Deliver matching events as they are stored; with `afterSeq`, the stored ones after it first, in order.
   * `onError` is told when the replay fails (the subscription is then over). Returns the unsubscribe.
   */
  subscribe(
    filter: EventStreamFilter,
    afterSeq: number | null,
    deliver: (event: PlatformEvent) => void,
    onError: (error: unknown) => void,
  ): () => void;
}

// ---------- webhooks ----------

export type WebhookStatus = 'active' | 'disabled';
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** A receiver of events (the signing secret is never part of it; see `WebhookWithSecret`). */
export interface Webhook {
  id: string;
  entityId: string;
  url: string;
  description: string;
  events: EventType[];
  status: WebhookStatus;
  disabledReason: string | null;
  disabledAt: string | null;
  /** The first characters of the signing secret, to tell secrets apart. */
  secretPrefix: string;
  /** After a rotation the old secret also signs until then. */
  previousSecretExpiresAt: string | null;
  consecutiveFailures: number;
  lastDeliveryAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What create and rotate answer: the secret, shown that once. */
export type WebhookWithSecret = Webhook & { secret: string };

export interface WebhookAttempt {
  at: string;
  responseCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: EventType;
  status: WebhookDeliveryStatus;
  attempts: number;
  responseCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  attemptLog: WebhookAttempt[];
  createdAt: string;
  updatedAt: string;
}

export interface WebhookService {
  list(query: ListQuery & { status?: WebhookStatus }, principal: Principal): Promise<Page<Webhook>>;
  get(id: string, principal: Principal): Promise<Webhook>;
  create(input: { url: string; events: EventType[]; description?: string }, principal: Principal): Promise<WebhookWithSecret>;
  update(
    id: string,
    patch: { url?: string; events?: EventType[]; description?: string; status?: WebhookStatus },
    principal: Principal,
  ): Promise<Webhook>;
  delete(id: string, principal: Principal): Promise<void>;
  /** A new secret; the old one keeps signing for a while (see `previousSecretExpiresAt`). */
  rotateSecret(id: string, principal: Principal): Promise<WebhookWithSecret>;
  /** Queue a `webhook.test` event to this webhook alone; answers its delivery. */
  sendTest(id: string, principal: Principal): Promise<WebhookDelivery>;
  listDeliveries(
    id: string,
    query: ListQuery & { status?: WebhookDeliveryStatus },
    principal: Principal,
  ): Promise<Page<WebhookDelivery>>;
  getDelivery(id: string, deliveryId: string, principal: Principal): Promise<WebhookDelivery>;
  /** Try a delivery again now (a failed one is queued again; a delivered one is sent once more). */
  redeliver(id: string, deliveryId: string, principal: Principal): Promise<WebhookDelivery>;
}
