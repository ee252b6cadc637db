/**
 * Table shapes as Kysely sees them. Timestamps are ISO-8601 UTC strings (sortable, identical on SQLite
 * and PostgreSQL); booleans are stored as 0/1 integers for the same reason; JSON as text.
 */
export interface Database {
  api_keys: ApiKeyTable;
  provider_accounts: ProviderAccountTable;
  ssh_keys: SshKeyTable;
  resource_groups: ResourceGroupTable;
  vms: VmTable;
  jobs: JobTable;
  idempotency_keys: IdempotencyKeyTable;
  vm_events: VmEventTable;
  foreign_instances: ForeignInstanceTable;
  billing_segments: BillingSegmentTable;
  offer_snapshots: OfferSnapshotTable;
  change_versions: ChangeVersionTable;
  startup_scripts: StartupScriptTable;
  volumes: VolumeTable;
  vm_volumes: VmVolumeTable;
  foreign_volumes: ForeignVolumeTable;
}

/** Persistent volumes at a provider; the row exists before the provider is asked (see migration 007). */
export interface VolumeTable {
  id: string;
  entity_id: string;
  created_by_key_id: string | null;
  name: string;
  account_id: string;
  provider: string;
  location_code: string;
  datacenter_id: string;
  datacenter_code: string;
  datacenter_name: string;
  type: string;
  size_gb: number;
  /** A `VolumeStatus`. */
  status: string;
  provider_status: string | null;
  /** Null until the provider has accepted the create (or a listing adopted it by its tag). */
  provider_volume_id: string | null;
  price_per_gb_month: number | null;
  price_currency: string | null;
  resource_group_id: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delete_requested_at: string | null;
  /** Set only when the provider confirms the volume is gone. */
  deleted_at: string | null;
  synced_at: string | null;
}

/** Which VM a volume is (or was) attached to; `detached_at` null is a current attachment. */
export interface VmVolumeTable {
  id: string;
  vm_id: string;
  volume_id: string;
  attached_at: string;
  detached_at: string | null;
}

/** Volumes a provider account lists that gpufleet did not create or no longer tracks. */
export interface ForeignVolumeTable {
  account_id: string;
  provider_volume_id: string;
  name: string;
  provider_status: string;
  gpufleet_id: string | null;
  first_seen_at: string;
  last_seen_at: string;
  info_json: string;
}

/** The startup-script library: shell scripts an order may name by id. */
export interface StartupScriptTable {
  id: string;
  entity_id: string;
  name: string;
  script: string;
  created_at: string;
  updated_at: string;
}

/** One counter per scope (e.g. `api_keys`), bumped by every change other replicas must see at once. */
export interface ChangeVersionTable {
  scope: string;
  version: number;
}

export type Bool = 0 | 1;

export interface ApiKeyTable {
  id: string;
  name: string;
  /** SHA-256 of the key; the key itself is shown once and never stored. */
  key_hash: string;
  /** First characters of the key, to tell keys apart in listings. */
  key_prefix: string;
  role: string;
  entity_id: string;
  created_at: string;
  expires_at: string | null;
  suspended_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface ProviderAccountTable {
  id: string;
  provider: string;
  name: string;
  base_url: string;
  /** AES-256-GCM sealed JSON of the credentials; never returned, never logged. */
  credentials_enc: string;
  settings_json: string;
  enabled: Bool;
  /** Created by sandbox mode against a built-in simulator. */
  is_sandbox: Bool;
  /** `ok`, `auth_failed`, `unreachable`, `unknown`. */
  health: string;
  last_error: string | null;
  last_synced_at: string | null;
  /** The replica polling this account's provider right now, and until when its claim holds. */
  poll_claimed_by: string | null;
  poll_claimed_until: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface SshKeyTable {
  id: string;
  entity_id: string;
  name: string;
  public_key: string;
  fingerprint: string;
  algorithm: string;
  algorithm_display_name: string;
  is_default: Bool;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface ResourceGroupTable {
  id: string;
  name: string;
  description: string | null;
  budget_monthly_amount: number | null;
  budget_currency: string | null;
  budget_warn_percent: number | null;
  /** `stop`, `delete` or `refuse` (new orders) when the monthly budget is reached. */
  budget_action: string | null;
  budget_warned_month: string | null;
  budget_enforced_month: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface VmTable {
  id: string;
  name: string;
  entity_id: string;
  created_by_key_id: string | null;
  account_id: string | null;
  provider: string | null;
  provider_instance_id: string | null;
  provider_sku_id: string | null;
  location_code: string | null;
  status: string;
  provider_status: string | null;
  status_reason: string | null;
  /** What the user asked for last: `running`, `stopped` or `deleted`. */
  desired_state: string;
  series_id: string;
  series_code: string;
  series_name: string;
  gpu_count: number;
  cpu: number;
  ram_gib: number;
  disk_gb: number;
  sku_id: string | null;
  sku_code: string | null;
  datacenter_id: string;
  datacenter_code: string;
  datacenter_name: string;
  datacenter_region: string;
  datacenter_country: string;
  datacenter_country_abbr: string;
  image: string;
  username: string;
  ip: string | null;
  ip_is_private: Bool;
  ssh_port: number | null;
  jupyter_url: string | null;
  ssh_key_id: string | null;
  resource_group_id: string | null;
  spot: Bool;
  machine_kind: string;
  price_amount: number | null;
  price_currency: string | null;
  bills_while_stopped: Bool;
  has_stored_credentials: Bool;
  stored_private_key_enc: string | null;
  ttl_at: string | null;
  ttl_action: string | null;
  idle_minutes: number | null;
  /** Since when the provider has reported the running VM's GPUs as idle (null: busy, or not told). */
  idle_since: string | null;
  /** `stop` or `delete` once idle for `idle_minutes`. */
  idle_action: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  synced_at: string | null;
  /** Optimistic concurrency: bumped on every write. */
  version: number;
  /** The library script the VM was ordered with (null for an inline script or none). */
  startup_script_id: string | null;
  startup_script_name: string | null;
  /** The script's text as ordered. */
  startup_script: string | null;
  /** Plain environment variables, JSON object. */
  env_json: string | null;
  /** Secret environment variables: sealed JSON object, opened only to hand them to the provider. */
  secret_env_enc: string | null;
  /** Exposed ports, JSON array of `{port, protocol}`. */
  ports_json: string | null;
  /** Where the provider last reported the ports reachable, JSON array of endpoints. */
  endpoints_json: string | null;
  /** The public half (OpenSSH line) of the key pair generated for this VM; null without one or once destroyed. */
  generated_public_key: string | null;
  /** The provider template (RunPod) a container machine starts from. */
  template_id: string | null;
}

export interface JobTable {
  id: string;
  vm_id: string;
  operation: string;
  /** `queued`, `running`, `waiting`, `succeeded`, `failed`. */
  state: string;
  stage: string;
  progress: number;
  message: string;
  error_code: string | null;
  error_message: string | null;
  attempts_json: string;
  payload_json: string;
  can_retry: Bool;
  api_key_id: string | null;
  run_after: string;
  lease_owner: string | null;
  lease_until: string | null;
  deadline_at: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface IdempotencyKeyTable {
  api_key_id: string;
  key: string;
  request_hash: string;
  vm_id: string;
  job_id: string;
  created_at: string;
}

export interface VmEventTable {
  id: string;
  vm_id: string;
  at: string;
  kind: string;
  message: string;
  data_json: string | null;
}

export interface ForeignInstanceTable {
  account_id: string;
  provider_instance_id: string;
  name: string;
  provider_status: string;
  gpufleet_id: string | null;
  first_seen_at: string;
  last_seen_at: string;
  info_json: string;
}

export interface BillingSegmentTable {
  id: string;
  vm_id: string;
  started_at: string;
  ended_at: string | null;
  price_amount: number;
  currency: string;
}

export interface OfferSnapshotTable {
  account_id: string;
  fetched_at: string;
  offers_json: string;
  error: string | null;
}
