import type { Money, VolumeStatus } from '../../core/domain/types.ts';
import type { ProviderLogger, ProviderVolume } from '../../core/provider/provider.ts';
import type { VolumeTypeWire, VolumeWire } from './wire.ts';

/**
 * Every volume status of Verda's OpenAPI enum, as gpufleet shows it. Verda has no resizing state (a resize
 * shows no transition), so `Resizing` is never reported.
 */
export const VERDA_VOLUME_STATUS_RULES: Readonly<Record<string, VolumeStatus>> = {
  ordered: 'Creating',
  // The copy of a `clone` is being written, and a volume coming back from the trash is being restored: both
  // become `detached` when done.
  cloning: 'Creating',
  restoring: 'Creating',
  created: 'Available',
  detached: 'Available',
  // An export copies the volume out; the volume itself stays as it was.
  exported: 'Available',
  attaching: 'Attaching',
  attached: 'Attached',
  detaching: 'Detaching',
  deleting: 'Deleting',
  // `cancel` interrupts a cross-datacenter clone: the unfinished copy goes away.
  canceling: 'Deleting',
  canceled: 'Deleted',
  deleted: 'Deleted',
};

export function mapVerdaVolumeStatus(raw: string): VolumeStatus | null {
  return Object.hasOwn(VERDA_VOLUME_STATUS_RULES, raw) ? (VERDA_VOLUME_STATUS_RULES[raw] ?? null) : null;
}

/** Maps volume statuses and warns once per raw value it has never seen, so a new Verda state is noticed. */
export class VerdaVolumeStatusMapper {
  private readonly reported = new Set<string>();

  constructor(private readonly logger: ProviderLogger) {}

  map(raw: string): VolumeStatus {
    const mapped = mapVerdaVolumeStatus(raw);
    if (mapped) return mapped;
    if (!this.reported.has(raw)) {
      this.reported.add(raw);
      this.logger.warn('verda reported a volume status gpufleet does not know; showing it as Unknown', {
        provider: 'verda',
        providerStatus: raw,
      });
    }
    return 'Unknown';
  }
}

/**
 * Verda volumes have nothing but a name to carry gpufleet's tag (the documented API has no volume tags or
 * description), so the gpufleet volume id is its tail: `<name>--gf-<id>`. The human part is a slug of lower-case
 * letters, digits and single hyphens, so the first `--gf-` always starts the tag, and a rename through gpufleet
 * keeps it. Verda documents no length limit for volume names; gpufleet keeps them to 64 characters.
 */
export const VOLUME_NAME_MAX = 64;
const TAG_SEPARATOR = '--gf-';
const TAGGED_NAME = /^(.*?)--gf-([A-Za-z0-9][A-Za-z0-9-]{0,63})$/;

/** A free-form name as the slug Verda is given: lower case, `[a-z0-9-]`, no double hyphens. */
export function volumeSlug(name: string, maxLength: number): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
  return slug || 'volume';
}

/** The Verda name of a gpufleet volume: the slug of its name and its tag. */
export function taggedVolumeName(name: string, gpufleetId: string): string {
  const room = Math.max(8, VOLUME_NAME_MAX - TAG_SEPARATOR.length - gpufleetId.length);
  return `${volumeSlug(name, room)}${TAG_SEPARATOR}${gpufleetId}`;
}

/** A Verda volume name read back: the human part and the gpufleet id, or the name as is for untagged volumes. */
export function readVolumeName(raw: string): { name: string; gpufleetId: string | null } {
  const match = TAGGED_NAME.exec(raw);
  if (!match) return { name: raw, gpufleetId: null };
  return { name: match[1] || 'volume', gpufleetId: match[2] ?? null };
}

/** Provider ids of the instances a volume is attached to: `instances` (objects or ids), else `instance_id`. */
export function attachedInstanceIdsOf(wire: VolumeWire): string[] {
  if (wire.status === 'deleted') return [];
  const listed = (wire.instances ?? []).map((entry) => (typeof entry === 'string' ? entry : entry.id));
  const ids = listed.length > 0 ? listed : wire.instance_id ? [wire.instance_id] : [];
  return [...new Set(ids.filter((id) => id !== ''))];
}

/**
 * The volume's price per GB-month: its own `monthly_price` over its size, in its own currency (what this volume
 * is billed, a long-term discount included); the type's list price from `GET /volume-types` when the volume
 * carries none.
 */
export function volumePriceOf(wire: VolumeWire, listPrice: (type: string) => Money | null): Money | null {
  const monthly = Number(wire.monthly_price ?? Number.NaN);
  if (Number.isFinite(monthly) && monthly > 0 && wire.size > 0) {
    return { amount: Math.round((monthly / wire.size) * 1e6) / 1e6, currency: wire.currency || 'usd' };
  }
  return listPrice(wire.type);
}

/** The list price of one volume type, from `GET /volume-types`. */
export function listPriceOf(types: VolumeTypeWire[], type: string): Money | null {
  const found = types.find((t) => t.type === type);
  const amount = Number(found?.price.price_per_month_per_gb ?? Number.NaN);
  if (!found || !Number.isFinite(amount) || amount <= 0) return null;
  return { amount, currency: found.price.currency || 'usd' };
}

/** A Verda volume in gpufleet's terms. */
export function toProviderVolume(
  wire: VolumeWire,
  statuses: VerdaVolumeStatusMapper,
  listPrice: (type: string) => Money | null,
): ProviderVolume {
  const { name, gpufleetId } = readVolumeName(wire.name);
  return {
    providerVolumeId: wire.id,
    gpufleetId,
    name,
    locationCode: wire.location,
    sizeGB: wire.size,
    type: wire.type,
    status: statuses.map(wire.status),
    providerStatus: wire.status,
    attachedInstanceIds: attachedInstanceIdsOf(wire),
    pricePerGBMonth: volumePriceOf(wire, listPrice),
    createdAt: wire.created_at ?? null,
  };
}
