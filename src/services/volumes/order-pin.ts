import type { Kysely } from 'kysely';
import type { Offer } from '../../contract/catalog.ts';
import type { VolumeCapabilities } from '../../core/provider/provider.ts';
import type { Database } from '../../store/schema.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { VolumeRepository } from './repository.ts';

/** Where an order's volumes pin its VM: one provider account and one of its locations. */
export interface VolumePin {
  volumeIds: string[];
  names: string[];
  accountId: string;
  provider: string;
  locationCode: string;
  datacenterId: string;
  datacenterName: string;
}

/**
 * The place an order's `volumeIds` leave for its VM. Every volume must exist, be Available and unattached,
 * and live at the same account and datacenter (a volume cannot follow its VM elsewhere); their count must fit
 * the provider. Throws what the order answers otherwise, naming the field.
 */
export async function volumePinFor(
  db: Kysely<Database>,
  volumeIds: string[] | undefined,
  datacenterId: string | undefined,
  capabilitiesOf: (provider: string) => VolumeCapabilities | null,
): Promise<VolumePin | null> {
  if (!volumeIds || volumeIds.length === 0) return null;
  const repo = new VolumeRepository(db);
  const rows = await repo.live().where('id', 'in', volumeIds).execute();
  for (const id of volumeIds) if (!rows.some((r) => r.id === id)) throw notFound('Volume', id);
  const places = new Set(rows.map((r) => `${r.account_id}|${r.location_code}`));
  if (places.size > 1) {
    throw badRequest(
      'VOLUMES_SPLIT',
      `volumeIds: the volumes live in different places (${rows.map((r) => `${r.name}: ${r.datacenter_name}`).join('; ')}); one VM can only use volumes of one datacenter`,
    );
  }
  const first = rows[0] as (typeof rows)[number];
  if (datacenterId && datacenterId !== first.datacenter_id) {
    throw badRequest(
      'VOLUME_DATACENTER_MISMATCH',
      `volumeIds: volume ${first.name} is in ${first.datacenter_name}, not in the datacenterId ordered; a volume pins its VM to its datacenter (omit datacenterId or use ${first.datacenter_id})`,
      { datacenterId: first.datacenter_id },
    );
  }
  const capabilities = capabilitiesOf(first.provider);
  if (!capabilities) throw badRequest('VOLUMES_UNSUPPORTED', `volumeIds: ${first.provider} has no volumes`);
  if (rows.length > capabilities.maxPerInstance) {
    throw badRequest(
      'TOO_MANY_VOLUMES',
      `volumeIds: a ${first.provider} machine takes at most ${capabilities.maxPerInstance} ${capabilities.kind}(s)`,
    );
  }
  for (const row of rows) {
    if (row.status !== 'Available' || !row.provider_volume_id) {
      throw conflict('VOLUME_NOT_READY', `volumeIds: volume ${row.name} is ${row.status}; order once it is Available`);
    }
  }
  const attached = (await repo.attachmentsOf(volumeIds)).filter((a) => a.vm_deleted_at === null);
  if (attached.length > 0) {
    const a = attached[0] as (typeof attached)[number];
    throw conflict(
      'VOLUME_IN_USE',
      `volumeIds: volume ${rows.find((r) => r.id === a.volume_id)?.name} is attached to ${a.vm_name}`,
    );
  }
  return {
    volumeIds,
    names: rows.map((r) => r.name),
    accountId: first.account_id,
    provider: first.provider,
    locationCode: first.location_code,
    datacenterId: first.datacenter_id,
    datacenterName: first.datacenter_name,
  };
}

/** Offers at the pinned place only. */
export function withinPin<T extends Pick<Offer, 'providerAccountId' | 'providerLocationCode' | 'takesVolumes'>>(
  offers: T[],
  pin: VolumePin | null,
): T[] {
  if (!pin) return offers;
  return offers.filter(
    (o) => o.providerAccountId === pin.accountId && o.providerLocationCode === pin.locationCode && o.takesVolumes,
  );
}
