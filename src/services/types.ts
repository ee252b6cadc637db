import type { Static } from '@sinclair/typebox';
import type { ApiKeyCreateInput, ApiKeyView, ApiKeyWithSecret } from '../contract/api-keys.ts';
import type { DatacenterInfo, Inventory, InventoryQuery, OffersResult, SeriesInfo } from '../contract/catalog.ts';
import type { PageMeta } from '../contract/common.ts';
import type { CostQuerySchema, CostReport } from '../contract/costs.ts';
import type { PlatformEvent } from '../contract/events.ts';
import type { BulkActionResult, BulkDeleteResult, GpuVmDetails, Job, VmEvent, VmStatus } from '../contract/gpu-vm.ts';
import type { OfferConstraintsSchema, OrderInput, UpdateVmInput } from '../contract/gpu-vm-requests.ts';
import type { HealthReport, ReadinessReport } from '../contract/health.ts';
import type { ImageInfo } from '../contract/images.ts';
import type {
  AccountCreateInput,
  AccountUpdateInput,
  Project,
  ProviderAccountView,
  ProviderDefinition,
  UnmanagedInstance,
} from '../contract/provider-accounts.ts';
import type { ResourceGroupCreateInput, ResourceGroupDetails, ResourceGroupUpdateInput } from '../contract/resource-groups.ts';
import type { GeneratedSshKey, SshKey, SshKeyGenerateInput, SshKeyUpdateInput, SshKeyUploadInput } from '../contract/ssh-keys.ts';
import type { StartupScript, StartupScriptCreateInput, StartupScriptUpdateInput } from '../contract/startup-scripts.ts';
import type { UnmanagedVolume, Volume, VolumeCreateInput, VolumeOption, VolumeUpdateInput } from '../contract/volumes.ts';
import type {
  Webhook,
  WebhookCreateInput,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookStatus,
  WebhookUpdateInput,
  WebhookWithSecret,
} from '../contract/webhooks.ts';
import type { EventType } from '../core/domain/events.ts';
import type { Principal } from '../core/domain/types.ts';

/**
 * The use cases the HTTP API, the CLI (through the API) and the dashboard reach. What they take and answer
 * are the API's JSON shapes, typed from the contract's schemas (`src/contract`), so the API layer only
 * validates, wraps and serialises. The types here are the services' own: the interfaces, and the inputs the
 * routes resolve from a request (parsed sort, defaults filled in). Every method throws `AppError` for anything
 * the user can act on.
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

export interface Page<T> {
  items: T[];
  meta: PageMeta;
}

// ---------- images ----------

export interface ImageService {
  list(query: ListQuery): Promise<Page<ImageInfo>>;
}

// ---------- GPU VMs ----------

/** Where an order may be placed: the order's `constraints`, plus what the service derives from the rest of it. */
export type OfferConstraints = Static<typeof OfferConstraintsSchema> & {
  /** Only providers that report GPU utilisation (set by an order with an idle rule). */
  gpuUtilizationReported?: boolean;
};

export interface CallContext {
  principal: Principal;
  /** `Idempotency-Key` header of the request, when sent. */
  idempotencyKey?: string;
}

export interface VmService {
  list(query: ListQuery & { resourceGroupId?: string; includeDeleted?: boolean; status?: VmStatus }): Promise<Page<GpuVmDetails>>;
  get(id: string): Promise<GpuVmDetails>;
  /** Records the VM and its create job at once (201/202); placement runs in the job worker. */
  order(input: OrderInput, ctx: CallContext): Promise<{ vm: GpuVmDetails; job: Job; replayed: boolean }>;
  /** What `order` would try, in order, without ordering (`dryRun`). */
  preview(input: OrderInput): Promise<OffersResult>;
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

export interface VolumeService {
  list(query: ListQuery & { datacenterId?: string; provider?: string; includeDeleted?: boolean }): Promise<Page<Volume>>;
  get(id: string): Promise<Volume>;
  /** Records the volume, then asks the provider (201; status Creating until the provider says it is ready). */
  create(input: VolumeCreateInput, ctx: CallContext): Promise<Volume>;
  /** Rename and/or grow (where the provider allows). */
  update(id: string, input: VolumeUpdateInput): Promise<Volume>;
  /** Starts deletion (409 while attached to a live VM); `Deleted` once the provider confirms. */
  remove(id: string): Promise<Volume>;
  attach(vmId: string, volumeId: string): Promise<Volume>;
  detach(vmId: string, volumeId: string): Promise<Volume>;
  options(): Promise<VolumeOption[]>;
  unmanaged(): Promise<UnmanagedVolume[]>;
}

// ---------- catalog ----------

export interface CatalogService {
  inventory(query: InventoryQuery): Promise<Inventory>;
  series(): Promise<SeriesInfo[]>;
  datacenters(): Promise<DatacenterInfo[]>;
  /** The query's comma-separated lists arrive split (the route parses them). */
  offers(
    query: OfferConstraints & { seriesCode?: string; gpuCount?: number; datacenterId?: string; availableOnly?: boolean },
  ): Promise<OffersResult>;
}

// ---------- SSH keys and startup scripts ----------

export interface StartupScriptService {
  list(query: ListQuery): Promise<Page<StartupScript>>;
  get(id: string): Promise<StartupScript>;
  create(input: StartupScriptCreateInput, principal: Principal): Promise<StartupScript>;
  update(id: string, input: StartupScriptUpdateInput): Promise<StartupScript>;
  remove(id: string): Promise<void>;
}

export interface SshKeyService {
  list(query: ListQuery): Promise<Page<SshKey>>;
  get(id: string): Promise<SshKey>;
  upload(input: SshKeyUploadInput, principal: Principal): Promise<SshKey>;
  /** The private key is in the answer once and stored nowhere. */
  generate(input: SshKeyGenerateInput, principal: Principal): Promise<GeneratedSshKey>;
  update(id: string, input: SshKeyUpdateInput): Promise<SshKey>;
  remove(id: string): Promise<void>;
}

// ---------- resource groups ----------

export interface ResourceGroupService {
  list(query: ListQuery): Promise<Page<ResourceGroupDetails>>;
  get(id: string): Promise<ResourceGroupDetails>;
  create(input: ResourceGroupCreateInput): Promise<ResourceGroupDetails>;
  update(id: string, input: ResourceGroupUpdateInput): Promise<ResourceGroupDetails>;
  /** Refused (409) while VMs that are not destroyed belong to it. */
  remove(id: string): Promise<void>;
}

// ---------- provider accounts ----------

export interface ProviderAccountService {
  list(): Promise<ProviderAccountView[]>;
  get(id: string): Promise<ProviderAccountView>;
  /** Validates credentials/settings against the provider's schemas and checks them with `verify()`. */
  create(input: AccountCreateInput): Promise<ProviderAccountView>;
  update(id: string, input: AccountUpdateInput): Promise<ProviderAccountView>;
  /** Refused (409) while the account still has VMs that are not destroyed. */
  remove(id: string): Promise<void>;
  /** Provider definitions: id, name, capabilities, credential and settings schemas. */
  providers(): Promise<ProviderDefinition[]>;
  /** Instances found at the provider that gpufleet did not create or no longer tracks. */
  unmanagedInstances(): Promise<UnmanagedInstance[]>;
  projects(id: string): Promise<Project[]>;
}

// ---------- API keys ----------

export interface ApiKeyService {
  /** Resolve a presented key; null when unknown, revoked, suspended or expired. */
  authenticate(key: string): Promise<Principal | null>;
  list(): Promise<ApiKeyView[]>;
  create(input: ApiKeyCreateInput): Promise<ApiKeyWithSecret>;
  /** New secret, old one dies at once. */
  rotate(id: string): Promise<ApiKeyWithSecret>;
  setSuspended(id: string, suspended: boolean): Promise<ApiKeyView>;
  remove(id: string): Promise<void>;
}

// ---------- costs ----------

/** The cost query with the route's defaults filled in (the last 30 days, grouped by VM). */
export type CostQuery = Required<Static<typeof CostQuerySchema>>;

export interface CostService {
  report(query: CostQuery): Promise<CostReport>;
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

export interface WebhookService {
  list(query: ListQuery & { status?: WebhookStatus }, principal: Principal): Promise<Page<Webhook>>;
  get(id: string, principal: Principal): Promise<Webhook>;
  create(input: WebhookCreateInput, principal: Principal): Promise<WebhookWithSecret>;
  update(id: string, patch: WebhookUpdateInput, principal: Principal): Promise<Webhook>;
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
