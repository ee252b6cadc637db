import type { GpuVmDetails } from '../../contract/gpu-vm.ts';
import type { VmVolume } from '../../contract/volumes.ts';
import type { MachineKind, PortEndpoint, PortSpec, VmStatus } from '../../core/domain/types.ts';
import type { VmRowWithNames } from './repository.ts';

/** A stored VM as GPUVMDetails (seed 000's fields exactly, plus gpufleet's additions). */
export function toVmDetails(
  row: VmRowWithNames,
  extra: {
    accountSyncedAt: number | null;
    accrued: { amount: number; currency: string } | undefined;
    /** Data older than this is marked stale (a live VM only). */
    maxStalenessMs?: number;
    /** Volumes attached to it now. */
    volumes?: VmVolume[];
  },
): GpuVmDetails {
  const synced = [row.synced_at ? Date.parse(row.synced_at) : 0, row.deleted_at ? 0 : (extra.accountSyncedAt ?? 0)];
  const syncedAt = Math.max(...synced);
  return {
    id: row.id,
    name: row.name,
    status: row.status as VmStatus,
    configuration: {
      code: row.series_code,
      name: row.series_name,
      gpuCount: row.gpu_count,
      cpu: row.cpu,
      ram: row.ram_gib,
      disk: row.disk_gb,
      skuCode: row.sku_code,
      skuId: row.sku_id,
    },
    datacenter: {
      id: row.datacenter_id,
      name: row.datacenter_name,
      region: row.datacenter_region,
      country: row.datacenter_country,
      countryAbbr: row.datacenter_country_abbr,
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
    hasStoredCredentials: row.has_stored_credentials === 1,
    sshKeyId: row.ssh_key_id,
    sshKeyName: row.ssh_key_name,
    username: row.username,
    image: row.image,
    ip: row.ip,
    jupyterUrl: row.jupyter_url,
    resourceGroupId: row.resource_group_id,
    resourceGroupName: row.resource_group_name,
    provider: row.provider,
    providerAccountId: row.account_id,
    providerInstanceId: row.provider_instance_id,
    providerStatus: row.provider_status,
    statusReason: row.status_reason,
    machineKind: row.machine_kind as MachineKind,
    spot: row.spot === 1,
    ipIsPrivate: row.ip_is_private === 1,
    sshPort: row.ssh_port,
    pricePerHour: row.price_amount === null ? null : { amount: row.price_amount, currency: row.price_currency ?? 'usd' },
    accruedCost: extra.accrued
      ? { amount: Math.round(extra.accrued.amount * 10_000) / 10_000, currency: extra.accrued.currency }
      : null,
    billsWhileStopped: row.bills_while_stopped === 1,
    ttl: row.ttl_at && row.ttl_action ? { at: row.ttl_at, action: row.ttl_action as 'stop' | 'delete' } : null,
    idle:
      row.idle_minutes !== null
        ? { minutes: row.idle_minutes, action: row.idle_action === 'delete' ? 'delete' : 'stop', since: row.idle_since }
        : null,
    syncedAt: syncedAt > 0 ? new Date(syncedAt).toISOString() : null,
    stale:
      extra.maxStalenessMs !== undefined &&
      row.account_id !== null &&
      !row.deleted_at &&
      Date.now() - syncedAt > extra.maxStalenessMs,
    startupScript:
      row.startup_script !== null
        ? {
            id: row.startup_script_id,
            name: row.startup_script_name,
            sizeBytes: Buffer.byteLength(row.startup_script, 'utf8'),
          }
        : null,
    ...envOf(row.env_json),
    ports: portsOf(row.ports_json),
    endpoints: endpointsOf(row),
    volumes: row.deleted_at ? [] : (extra.volumes ?? []),
    templateId: row.template_id,
  };
}

/** What `vms.env_json` holds: the plain variables, and only the names of the sealed ones. */
export interface StoredEnv {
  env: Record<string, string>;
  secretNames: string[];
}

function envOf(json: string | null): { env: Record<string, string>; secretEnvNames: string[] } {
  if (!json) return { env: {}, secretEnvNames: [] };
  const stored = JSON.parse(json) as StoredEnv;
  return { env: stored.env, secretEnvNames: stored.secretNames };
}

function portsOf(json: string | null): PortSpec[] {
  return json ? (JSON.parse(json) as PortSpec[]) : [];
}

/**
 * Endpoints the provider reported (it maps ports, e.g. RunPod's proxy), or else the machine's own address
 * and each port, as soon as it has one: on a VM every port listens on the VM's address.
 */
function endpointsOf(row: VmRowWithNames): PortEndpoint[] {
  if (row.deleted_at) return [];
  if (row.endpoints_json) return JSON.parse(row.endpoints_json) as PortEndpoint[];
  if (!row.ip) return [];
  const ip = row.ip;
  return portsOf(row.ports_json).map(({ port, protocol }) => ({
    port,
    protocol,
    url: protocol === 'http' ? `http://${ip}:${port}` : null,
    host: ip,
    publicPort: port,
  }));
}
