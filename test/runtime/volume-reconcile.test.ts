import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderVolume } from '../../src/core/provider/provider.ts';
import { silentLogger } from '../../src/logger.ts';
import { VolumeReconciler } from '../../src/runtime/volume-reconcile.ts';
import { EventPublisher } from '../../src/services/events/publisher.ts';
import type { Store } from '../../src/store/database.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';

const ACCOUNT = 'a5ebc4d6-7f8b-4c9d-8e3f-4a5b6c7d8e06';
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe.each(STORE_KINDS)('volume reconciliation on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let reconciler: VolumeReconciler;
  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(kind));
    reconciler = new VolumeReconciler(store.db, silentLogger, new EventPublisher(store.db, store.dialect));
  });
  afterEach(async () => cleanup());

  async function volumeRow(overrides: Record<string, unknown> = {}): Promise<string> {
    const id = randomUUID();
    const at = minutesAgo(5);
    await store.db
      .insertInto('volumes')
      .values({
        id,
        entity_id: '00000000-0000-4000-8000-000000000001',
        created_by_key_id: null,
        name: 'datasets',
        account_id: ACCOUNT,
        provider: 'verda',
        location_code: 'FIN-01',
        datacenter_id: randomUUID(),
        datacenter_code: 'verda-fin-01',
        datacenter_name: 'Helsinki',
        type: 'NVMe',
        size_gb: 100,
        status: 'Creating',
        provider_status: null,
        provider_volume_id: null,
        price_per_gb_month: null,
        price_currency: null,
        resource_group_id: null,
        last_error: null,
        created_at: at,
        updated_at: at,
        delete_requested_at: null,
        deleted_at: null,
        synced_at: null,
        ...overrides,
      })
      .execute();
    return id;
  }

  const listed = (overrides: Partial<ProviderVolume>): ProviderVolume => ({
    providerVolumeId: `vol-${randomUUID().slice(0, 8)}`,
    gpufleetId: null,
    name: 'datasets',
    locationCode: 'FIN-01',
    sizeGB: 100,
    type: 'NVMe',
    status: 'Available',
    providerStatus: 'detached',
    attachedInstanceIds: [],
    pricePerGBMonth: { amount: 0.2, currency: 'usd' },
    createdAt: null,
    ...overrides,
  });
  const row = (id: string) => store.db.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('adopts a volume whose create outlived a crash, by its tag, and never records it twice', async () => {
    const id = await volumeRow();
    const atProvider = listed({ gpufleetId: id });
    await reconciler.reconcile(ACCOUNT, [atProvider]);
    expect(await row(id)).toMatchObject({
      provider_volume_id: atProvider.providerVolumeId,
      status: 'Available',
      price_per_gb_month: 0.2,
    });
    await reconciler.reconcile(ACCOUNT, [atProvider]);
    expect(await store.db.selectFrom('volumes').select('id').execute()).toHaveLength(1);
    expect(await store.db.selectFrom('foreign_volumes').selectAll().execute()).toEqual([]);
  });

  it('gives up on a create the provider never confirmed only after the deadline', async () => {
    const recent = await volumeRow({ created_at: minutesAgo(1) });
    const old = await volumeRow({ created_at: minutesAgo(30), name: 'lost' });
    await reconciler.reconcile(ACCOUNT, []);
    expect((await row(recent)).status).toBe('Creating');
    expect(await row(old)).toMatchObject({ status: 'Deleted', last_error: expect.stringMatching(/never confirmed/) });
  });

  it('marks a volume Deleted only when the listing no longer shows it, and reports unknown volumes', async () => {
    const id = await volumeRow({ provider_volume_id: 'vol-mine', status: 'Deleting', delete_requested_at: minutesAgo(1) });
    const stranger = listed({ providerVolumeId: 'vol-stranger', name: 'someone else' });
    const result = await reconciler.reconcile(ACCOUNT, [listed({ providerVolumeId: 'vol-mine', status: 'Deleting' }), stranger]);
    expect(result.transitional).toBe(true);
    expect((await row(id)).status).toBe('Deleting');
    expect((await store.db.selectFrom('foreign_volumes').selectAll().execute()).map((f) => f.provider_volume_id)).toEqual([
      'vol-stranger',
    ]);

    await reconciler.reconcile(ACCOUNT, []);
    expect(await row(id)).toMatchObject({ status: 'Deleted', deleted_at: expect.any(String) });
    // A foreign volume that went away is no longer reported.
    expect(await store.db.selectFrom('foreign_volumes').selectAll().execute()).toEqual([]);
  });

  it('follows the attachments the provider reports, keeping the volume when its VM is gone', async () => {
    const id = await volumeRow({ provider_volume_id: 'vol-a', status: 'Available' });
    const vmId = randomUUID();
    const at = minutesAgo(10);
    await store.db
      .insertInto('vms')
      .values({
        id: vmId,
        name: 'trainer',
        entity_id: '00000000-0000-4000-8000-000000000001',
        created_by_key_id: null,
        account_id: ACCOUNT,
        provider: 'verda',
        provider_instance_id: 'inst-1',
        provider_sku_id: '1H100.80S.30V',
        location_code: 'FIN-01',
        status: 'Running',
        provider_status: 'running',
        status_reason: null,
        desired_state: 'running',
        series_id: randomUUID(),
        series_code: 'h100_series',
        series_name: 'H100 Series',
        gpu_count: 1,
        cpu: 30,
        ram_gib: 120,
        disk_gb: 100,
        sku_id: null,
        sku_code: null,
        datacenter_id: randomUUID(),
        datacenter_code: 'verda-fin-01',
        datacenter_name: 'Helsinki',
        datacenter_region: 'europe',
        datacenter_country: 'Finland',
        datacenter_country_abbr: 'FI',
        image: 'ubuntu-24.04',
        username: 'root',
        ip: null,
        ip_is_private: 0,
        ssh_port: null,
        jupyter_url: null,
        ssh_key_id: null,
        resource_group_id: null,
        spot: 0,
        machine_kind: 'vm',
        price_amount: 2,
        price_currency: 'usd',
        bills_while_stopped: 1,
        has_stored_credentials: 0,
        stored_private_key_enc: null,
        ttl_at: null,
        ttl_action: null,
        idle_minutes: null,
        idle_action: null,
        idle_since: null,
        created_at: at,
        updated_at: at,
        deleted_at: null,
        synced_at: null,
        version: 1,
      })
      .execute();
    await reconciler.reconcile(ACCOUNT, [
      listed({ providerVolumeId: 'vol-a', status: 'Attached', attachedInstanceIds: ['inst-1'] }),
    ]);
    const open = () =>
      store.db.selectFrom('vm_volumes').selectAll().where('volume_id', '=', id).where('detached_at', 'is', null).execute();
    expect((await open()).map((a) => a.vm_id)).toEqual([vmId]);
    expect((await row(id)).status).toBe('Attached');

    // The VM is destroyed; the provider lists the volume detached: the attachment ends, the volume stays.
    await store.db
      .updateTable('vms')
      .set({ status: 'Destroyed', deleted_at: minutesAgo(0) })
      .where('id', '=', vmId)
      .execute();
    await reconciler.reconcile(ACCOUNT, [listed({ providerVolumeId: 'vol-a', status: 'Available' })]);
    expect(await open()).toEqual([]);
    expect(await row(id)).toMatchObject({ status: 'Available', deleted_at: null });
  });
});
