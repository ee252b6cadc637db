import { randomUUID } from 'node:crypto';
import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { Database, VolumeTable } from '../../store/schema.ts';
import type { EventPublisher } from '../events/publisher.ts';

export type VolumeRow = Selectable<VolumeTable>;
export type VolumePatch = Omit<Updateable<VolumeTable>, 'id' | 'created_at'>;

/** A current attachment, with the VM's name and whether the VM is still live. */
export interface AttachmentRow {
  id: string;
  vm_id: string;
  volume_id: string;
  attached_at: string;
  vm_name: string;
  vm_deleted_at: string | null;
  provider_instance_id: string | null;
}

/** `volumes` and `vm_volumes` rows; "live" means the provider has not confirmed the volume deleted. */
export class VolumeRepository {
  /** With `events`, a write that changes a volume's status publishes `volume.status_changed` (and `volume.deleted`). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly events?: EventPublisher,
  ) {}

  live(db: Kysely<Database> = this.db) {
    return db.selectFrom('volumes').selectAll().where('deleted_at', 'is', null);
  }

  all(db: Kysely<Database> = this.db) {
    return db.selectFrom('volumes').selectAll();
  }

  async get(id: string, db: Kysely<Database> = this.db): Promise<VolumeRow | undefined> {
    return db.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async getLive(id: string, db: Kysely<Database> = this.db): Promise<VolumeRow | undefined> {
    return this.live(db).where('id', '=', id).executeTakeFirst();
  }

  async liveOfAccount(accountId: string): Promise<VolumeRow[]> {
    return this.live().where('account_id', '=', accountId).execute();
  }

  async findLiveByName(name: string, exceptId?: string, db: Kysely<Database> = this.db): Promise<VolumeRow | undefined> {
    let query = this.live(db).where(sql<boolean>`lower(name) = ${name.toLowerCase()}`);
    if (exceptId) query = query.where('id', '!=', exceptId);
    return query.executeTakeFirst();
  }

  async insert(row: Insertable<VolumeTable>, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('volumes').values(row).execute();
  }

  async update(id: string, patch: VolumePatch): Promise<void> {
    // Read first only for a status write: the listing's confirmations of unchanged volumes stay one write.
    const before = this.events && patch.status !== undefined ? await this.get(id) : undefined;
    await this.db
      .updateTable('volumes')
      .set({ ...patch, updated_at: patch.updated_at ?? new Date().toISOString() })
      .where('id', '=', id)
      .execute();
    if (before && this.events && patch.status !== undefined && patch.status !== before.status) {
      await publishVolumeStatus(this.events, before, patch.status, patch.provider_status ?? before.provider_status);
    }
  }

  /** Current attachments of these volumes (or of every volume when `volumeIds` is absent), oldest first. */
  async attachmentsOf(volumeIds?: string[]): Promise<AttachmentRow[]> {
    if (volumeIds && volumeIds.length === 0) return [];
    let query = this.db
      .selectFrom('vm_volumes')
      .innerJoin('vms', 'vms.id', 'vm_volumes.vm_id')
      .select([
        'vm_volumes.id',
        'vm_volumes.vm_id',
        'vm_volumes.volume_id',
        'vm_volumes.attached_at',
        'vms.name as vm_name',
        'vms.deleted_at as vm_deleted_at',
        'vms.provider_instance_id',
      ])
      .where('vm_volumes.detached_at', 'is', null);
    if (volumeIds) query = query.where('vm_volumes.volume_id', 'in', volumeIds);
    return query.orderBy('vm_volumes.attached_at').orderBy('vm_volumes.id').execute();
  }

  /** Volumes attached now to these VMs, with the attachment time. */
  async attachedToVms(vmIds: string[]): Promise<(VolumeRow & { vm_id: string; attached_at: string })[]> {
    if (vmIds.length === 0) return [];
    return this.db
      .selectFrom('vm_volumes')
      .innerJoin('volumes', 'volumes.id', 'vm_volumes.volume_id')
      .selectAll('volumes')
      .select(['vm_volumes.vm_id', 'vm_volumes.attached_at'])
      .where('vm_volumes.vm_id', 'in', vmIds)
      .where('vm_volumes.detached_at', 'is', null)
      .orderBy('vm_volumes.attached_at')
      .execute();
  }

  async attach(vmId: string, volumeId: string, at = new Date().toISOString()): Promise<void> {
    const open = await this.db
      .selectFrom('vm_volumes')
      .select('id')
      .where('vm_id', '=', vmId)
      .where('volume_id', '=', volumeId)
      .where('detached_at', 'is', null)
      .executeTakeFirst();
    if (open) return;
    await this.db
      .insertInto('vm_volumes')
      .values({ id: randomUUID(), vm_id: vmId, volume_id: volumeId, attached_at: at, detached_at: null })
      .execute();
  }

  async detach(vmId: string, volumeId: string, at = new Date().toISOString()): Promise<void> {
    await this.db
      .updateTable('vm_volumes')
      .set({ detached_at: at })
      .where('vm_id', '=', vmId)
      .where('volume_id', '=', volumeId)
      .where('detached_at', 'is', null)
      .execute();
  }
}

async function publishVolumeStatus(events: EventPublisher, volume: VolumeRow, to: string, providerStatus: string | null) {
  const subject = { kind: 'volume' as const, id: volume.id };
  const data = { from: volume.status, to, providerStatus, name: volume.name };
  await events.publish({ type: 'volume.status_changed', entityId: volume.entity_id, subject, data });
  if (to === 'Deleted') {
    await events.publish({
      type: 'volume.deleted',
      entityId: volume.entity_id,
      subject,
      data: { name: volume.name, sizeGB: volume.size_gb },
    });
  }
}
