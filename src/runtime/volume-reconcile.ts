import type { Kysely } from 'kysely';
import type { ProviderVolume } from '../core/provider/provider.ts';
import type { Logger } from '../logger.ts';
import type { EventPublisher } from '../services/events/publisher.ts';
import { VmRepository } from '../services/vms/repository.ts';
import { type AttachmentRow, VolumeRepository, type VolumeRow } from '../services/volumes/repository.ts';
import { fromProvider } from '../services/volumes/service.ts';
import type { Database } from '../store/schema.ts';

/** A volume whose create was never confirmed and that no listing shows after this long never came to be. */
const CREATE_DEADLINE_MS = 10 * 60_000;
/** Right after a create, a listing may not show the new volume yet. */
const LISTING_GRACE_MS = 60_000;
const TRANSITIONAL = new Set(['Creating', 'Attaching', 'Detaching', 'Resizing', 'Deleting']);

/**
 * Make gpufleet's volumes agree with one provider account's listing, as `Reconciler` does for instances:
 * - each listed volume is matched by provider id, or adopted by its gpufleet tag (a create interrupted by a
 *   crash is found, never made twice);
 * - a volume the listing no longer shows (past a short grace) or lists as deleted becomes `Deleted`: the
 *   listing is the provider confirming it;
 * - attachments follow the provider (a VM that is gone lets go of its volumes; they are kept);
 * - volumes gpufleet does not know are recorded as unmanaged and reported.
 */
export class VolumeReconciler {
  private readonly volumes: VolumeRepository;
  private readonly vms: VmRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    events: EventPublisher,
  ) {
    this.volumes = new VolumeRepository(db, events);
    this.vms = new VmRepository(db);
  }

  async reconcile(accountId: string, listed: ProviderVolume[]): Promise<{ transitional: boolean }> {
    const now = new Date();
    const at = now.toISOString();
    const live = await this.volumes.liveOfAccount(accountId);
    const byProviderId = new Map(live.filter((v) => v.provider_volume_id).map((v) => [v.provider_volume_id as string, v]));
    const byId = new Map(live.map((v) => [v.id, v]));
    const seen = new Set<string>();
    const foreign: ProviderVolume[] = [];
    const instanceToVm = await this.vmsByInstance(accountId);
    // One read of every current attachment of the account's volumes, not one per volume.
    const attachments = new Map<string, AttachmentRow[]>();
    for (const a of await this.volumes.attachmentsOf(live.map((v) => v.id))) {
      attachments.set(a.volume_id, [...(attachments.get(a.volume_id) ?? []), a]);
    }
    /** Each live volume's status after this pass (a deleted one drops out), to tell whether any is changing. */
    const statuses = new Map(live.map((v) => [v.id, v.status]));
    /** Volumes the listing confirmed without a change: their sync time is written in one statement. */
    const confirmed: string[] = [];

    for (const volume of listed) {
      let row = byProviderId.get(volume.providerVolumeId);
      if (!row && volume.gpufleetId) {
        const tagged = byId.get(volume.gpufleetId);
        if (tagged && !tagged.provider_volume_id) {
          row = tagged;
          this.logger.info('adopted a volume by its tag', { volumeId: row.id, providerVolumeId: volume.providerVolumeId });
        }
      }
      if (!row) {
        if (volume.status !== 'Deleted') foreign.push(volume);
        continue;
      }
      seen.add(row.id);
      if (volume.status === 'Deleted') {
        await this.markDeleted(row, at, null);
        statuses.delete(row.id);
        continue;
      }
      const { status, changed } = await this.apply(row, volume, attachments.get(row.id) ?? [], instanceToVm, at);
      statuses.set(row.id, status);
      if (!changed) confirmed.push(row.id);
    }
    if (confirmed.length > 0) {
      await this.db.updateTable('volumes').set({ synced_at: at }).where('id', 'in', confirmed).execute();
    }

    for (const row of live) {
      if (seen.has(row.id)) continue;
      const age = now.getTime() - Date.parse(row.created_at);
      if (!row.provider_volume_id) {
        if (age > CREATE_DEADLINE_MS) {
          await this.markDeleted(row, at, 'the provider never confirmed the create and lists no volume with its tag');
          statuses.delete(row.id);
        }
        continue;
      }
      if (age < LISTING_GRACE_MS && !row.delete_requested_at) continue;
      statuses.delete(row.id);
      await this.markDeleted(
        row,
        at,
        row.delete_requested_at ? null : 'the provider no longer lists this volume (deleted outside gpufleet)',
      );
    }

    await this.recordForeign(accountId, foreign, at);
    return { transitional: [...statuses.values()].some((status) => TRANSITIONAL.has(status)) };
  }

  /** Bring one listed volume's row and attachments in line; says its status and whether the row changed. */
  private async apply(
    row: VolumeRow,
    volume: ProviderVolume,
    current: AttachmentRow[],
    instanceToVm: Map<string, string>,
    at: string,
  ): Promise<{ status: string; changed: boolean }> {
    const columns = fromProvider(volume);
    // gpufleet asked for a detach the provider has not finished: the old attachment is not taken back.
    const detaching = row.status === 'Detaching' && (volume.status === 'Attached' || volume.status === 'Detaching');
    const fresh = (a: { attached_at: string }) => Date.parse(at) - Date.parse(a.attached_at) < LISTING_GRACE_MS;
    // A delete that was accepted reads as Deleting until the provider drops the volume; an attachment just
    // made reads as Attaching until the provider shows it.
    const status =
      row.delete_requested_at && volume.status !== 'Deleted'
        ? 'Deleting'
        : volume.status === 'Available' && current.some((a) => a.vm_deleted_at === null && fresh(a))
          ? 'Attaching'
          : detaching
            ? 'Detaching'
            : volume.status;
    const changed =
      row.status !== status ||
      row.provider_volume_id !== columns.provider_volume_id ||
      row.provider_status !== columns.provider_status ||
      Number(row.size_gb) !== columns.size_gb ||
      row.price_per_gb_month !== columns.price_per_gb_month ||
      row.last_error !== null;
    if (changed) await this.volumes.update(row.id, { ...columns, status, synced_at: at });

    // Attachments as the provider reports them.
    const attachedVms = new Set(
      volume.attachedInstanceIds.map((id) => instanceToVm.get(id)).filter((id): id is string => id !== undefined),
    );
    for (const a of current) {
      if (a.vm_deleted_at !== null || !attachedVms.has(a.vm_id)) {
        // A fresh attachment (at create, or just asked for) may not show in listings yet.
        if (a.vm_deleted_at === null && fresh(a)) continue;
        await this.volumes.detach(a.vm_id, row.id, at);
        if (a.vm_deleted_at === null) await this.vms.addEvent(a.vm_id, 'volume', `volume ${row.name} is no longer attached`);
      }
    }
    if (!detaching) {
      for (const vmId of attachedVms) {
        if (!current.some((a) => a.vm_id === vmId)) await this.volumes.attach(vmId, row.id, at);
      }
    }
    return { status, changed };
  }

  private async markDeleted(row: VolumeRow, at: string, reason: string | null): Promise<void> {
    await this.volumes.update(row.id, {
      status: 'Deleted',
      deleted_at: at,
      ...(reason ? { last_error: reason } : {}),
    });
    for (const a of await this.volumes.attachmentsOf([row.id])) await this.volumes.detach(a.vm_id, row.id, at);
    if (reason) this.logger.warn('volume gone at the provider', { volumeId: row.id, reason });
  }

  /** Live VMs of the account by provider instance id (attachments are reported by instance). */
  private async vmsByInstance(accountId: string): Promise<Map<string, string>> {
    const vms = await this.vms.liveOfAccount(accountId);
    return new Map(vms.filter((v) => v.provider_instance_id).map((v) => [v.provider_instance_id as string, v.id]));
  }

  private async recordForeign(accountId: string, volumes: ProviderVolume[], at: string): Promise<void> {
    const existing = await this.db
      .selectFrom('foreign_volumes')
      .select('provider_volume_id')
      .where('account_id', '=', accountId)
      .execute();
    const known = new Set(existing.map((r) => r.provider_volume_id));
    const current = new Set(volumes.map((v) => v.providerVolumeId));
    for (const volume of volumes) {
      const info = JSON.stringify({
        status: volume.status,
        sizeGB: volume.sizeGB,
        type: volume.type,
        location: volume.locationCode,
        attachedInstanceIds: volume.attachedInstanceIds,
      });
      if (known.has(volume.providerVolumeId)) {
        await this.db
          .updateTable('foreign_volumes')
          .set({ last_seen_at: at, provider_status: volume.providerStatus, name: volume.name, info_json: info })
          .where('account_id', '=', accountId)
          .where('provider_volume_id', '=', volume.providerVolumeId)
          .execute();
      } else {
        this.logger.warn('volume at the provider that gpufleet does not manage', {
          accountId,
          providerVolumeId: volume.providerVolumeId,
          name: volume.name,
        });
        await this.db
          .insertInto('foreign_volumes')
          .values({
            account_id: accountId,
            provider_volume_id: volume.providerVolumeId,
            name: volume.name,
            provider_status: volume.providerStatus,
            gpufleet_id: volume.gpufleetId,
            first_seen_at: at,
            last_seen_at: at,
            info_json: info,
          })
          .execute();
      }
    }
    const gone = [...known].filter((id) => !current.has(id));
    if (gone.length > 0) {
      await this.db
        .deleteFrom('foreign_volumes')
        .where('account_id', '=', accountId)
        .where('provider_volume_id', 'in', gone)
        .execute();
    }
  }
}
