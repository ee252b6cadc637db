import type { Volume } from '../../contract/volumes.ts';
import type { VolumeStatus } from '../../core/domain/types.ts';
import type { AttachmentRow, VolumeRow } from './repository.ts';

/** Hours in a month as providers bill storage (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

/** What a volume costs per hour at its size and price; null where the provider publishes no price. */
export function volumePricePerHour(row: Pick<VolumeRow, 'size_gb' | 'price_per_gb_month'>): number | null {
  return row.price_per_gb_month === null ? null : (row.size_gb * row.price_per_gb_month) / HOURS_PER_MONTH;
}

/**
 * The hours a volume has billed: from its creation until the provider confirmed it deleted (storage bills
 * whether or not a VM uses it).
 */
export function volumeBilledHours(row: Pick<VolumeRow, 'created_at' | 'deleted_at'>, now = Date.now()): number {
  const end = row.deleted_at ? Date.parse(row.deleted_at) : now;
  return Math.max(0, end - Date.parse(row.created_at)) / 3_600_000;
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

export function toVolume(row: VolumeRow, attachments: AttachmentRow[], mountHint: string): Volume {
  const perHour = volumePricePerHour(row);
  const currency = row.price_currency ?? 'usd';
  return {
    id: row.id,
    entityId: row.entity_id,
    name: row.name,
    status: row.status as VolumeStatus,
    provider: row.provider,
    providerAccountId: row.account_id,
    providerVolumeId: row.provider_volume_id,
    providerStatus: row.provider_status,
    datacenter: { id: row.datacenter_id, code: row.datacenter_code, name: row.datacenter_name },
    type: row.type,
    sizeGB: Number(row.size_gb),
    pricePerGBMonth: row.price_per_gb_month === null ? null : { amount: Number(row.price_per_gb_month), currency },
    accruedCost: perHour === null ? null : { amount: round(perHour * volumeBilledHours(row)), currency },
    resourceGroupId: row.resource_group_id,
    attachedTo: attachments
      .filter((a) => a.volume_id === row.id && a.vm_deleted_at === null)
      .map((a) => ({ vmId: a.vm_id, vmName: a.vm_name, attachedAt: a.attached_at })),
    mountHint,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
    syncedAt: row.synced_at,
  };
}
