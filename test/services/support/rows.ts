import { randomUUID } from 'node:crypto';
import { DEFAULT_ENTITY_ID, type Principal } from '../../../src/core/domain/types.ts';
import type { Store } from '../../../src/store/database.ts';

export const TEST_PRINCIPAL: Principal = { apiKeyId: 'test-key', name: 'tester', role: 'admin', entityId: DEFAULT_ENTITY_ID };

/** A `vms` row written straight to the store, for the services that count or guard on VMs. */
export async function insertVm(
  store: Store,
  fields: { resourceGroupId?: string | null; accountId?: string | null; deletedAt?: string | null; status?: string } = {},
): Promise<string> {
  const id = randomUUID();
  const at = new Date().toISOString();
  await store.db
    .insertInto('vms')
    .values({
      id,
      name: `vm-${id.slice(0, 8)}`,
      entity_id: DEFAULT_ENTITY_ID,
      created_by_key_id: null,
      account_id: fields.accountId ?? null,
      provider: fields.accountId ? 'fake' : null,
      provider_instance_id: null,
      provider_sku_id: null,
      location_code: null,
      status: fields.status ?? (fields.deletedAt ? 'Destroyed' : 'Running'),
      provider_status: null,
      status_reason: null,
      desired_state: fields.deletedAt ? 'deleted' : 'running',
      series_id: randomUUID(),
      series_code: 'h100_series',
      series_name: 'H100 Series',
      gpu_count: 1,
      cpu: 8,
      ram_gib: 64,
      disk_gb: 100,
      sku_id: null,
      sku_code: null,
      datacenter_id: randomUUID(),
      datacenter_code: 'fake-dc-1',
      datacenter_name: 'Fake DC 1',
      datacenter_region: 'europe',
      datacenter_country: 'Finland',
      datacenter_country_abbr: 'FI',
      image: 'ubuntu-24.04',
      username: 'ubuntu',
      ip: null,
      ip_is_private: 0,
      ssh_port: null,
      jupyter_url: null,
      ssh_key_id: null,
      resource_group_id: fields.resourceGroupId ?? null,
      spot: 0,
      machine_kind: 'vm',
      price_amount: null,
      price_currency: null,
      bills_while_stopped: 0,
      has_stored_credentials: 0,
      stored_private_key_enc: null,
      ttl_at: null,
      ttl_action: null,
      idle_minutes: null,
      idle_action: null,
      idle_since: null,
      created_at: at,
      updated_at: at,
      deleted_at: fields.deletedAt ?? null,
      synced_at: null,
      version: 1,
    })
    .execute();
  return id;
}

/** Run `fn` and return the AppError-like thing it threw (fails the test when nothing is thrown). */
export async function caught(
  fn: () => Promise<unknown>,
): Promise<{ status: number; code: string; message: string; details?: unknown }> {
  try {
    await fn();
  } catch (error) {
    return error as { status: number; code: string; message: string };
  }
  throw new Error('expected an error, none was thrown');
}

/** A clock tests move by hand. */
export function manualClock(start = '2030-01-01T00:00:00.000Z') {
  let now = Date.parse(start);
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}
