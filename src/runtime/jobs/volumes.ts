import type { Kysely } from 'kysely';
import type { VolumeRef } from '../../core/provider/provider.ts';
import type { EventPublisher } from '../../services/events/publisher.ts';
import { VmRepository } from '../../services/vms/repository.ts';
import { VolumeRepository } from '../../services/volumes/repository.ts';
import type { Database } from '../../store/schema.ts';

/**
 * The provider refs of an order's volumes, read at create time (a volume deleted since the order is
 * missing here, and the caller fails the order rather than booting without its data).
 */
export async function orderedVolumeRefs(
  db: Kysely<Database>,
  volumeIds: string[] | undefined,
): Promise<{ refs: VolumeRef[]; missing: string[] }> {
  if (!volumeIds || volumeIds.length === 0) return { refs: [], missing: [] };
  const rows = await new VolumeRepository(db).live().where('id', 'in', volumeIds).execute();
  const refs: VolumeRef[] = [];
  const missing: string[] = [];
  for (const id of volumeIds) {
    const row = rows.find((r) => r.id === id);
    if (row?.provider_volume_id) refs.push({ providerVolumeId: row.provider_volume_id, locationCode: row.location_code });
    else missing.push(id);
  }
  return { refs, missing };
}

/** Record that the provider took the order's volumes with the new instance, in the VM's history too. */
export async function recordOrderedVolumes(
  deps: { db: Kysely<Database>; events: EventPublisher },
  vmId: string,
  volumeIds: string[] | undefined,
): Promise<void> {
  if (!volumeIds || volumeIds.length === 0) return;
  const { db } = deps;
  const volumes = new VolumeRepository(db, deps.events);
  const rows = await volumes.live().where('id', 'in', volumeIds).execute();
  const at = new Date().toISOString();
  for (const row of rows) {
    await volumes.attach(vmId, row.id, at);
    await volumes.update(row.id, { status: 'Attaching', updated_at: at });
  }
  await new VmRepository(db).addEvent(
    vmId,
    'volume',
    `attached at create: ${rows.map((r) => `${r.name} (${r.size_gb} GB ${r.type})`).join(', ')}`,
  );
}
