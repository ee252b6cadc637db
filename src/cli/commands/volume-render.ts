import type { UnmanagedVolume, Volume, VolumeOption } from '../../contract/volumes.ts';
import { paintStatus } from '../format/colors.ts';
import { renderFields, renderTable } from '../format/table.ts';
import { dash, formatMoney, formatTime, yesNo } from '../format/values.ts';

export function volumeTable(volumes: readonly Volume[], color: boolean): string {
  return renderTable(volumes, [
    { header: 'ID', value: (v) => v.id },
    { header: 'NAME', value: (v) => v.name },
    { header: 'STATUS', value: (v) => paintStatus(v.status, color) },
    { header: 'SIZE', value: (v) => `${v.sizeGB} GB`, align: 'right' },
    { header: 'TYPE', value: (v) => v.type },
    { header: 'PROVIDER', value: (v) => v.provider },
    { header: 'DATACENTER', value: (v) => v.datacenter.code },
    { header: 'PRICE/GB-MO', value: (v) => formatMoney(v.pricePerGBMonth), align: 'right' },
    { header: 'ACCRUED', value: (v) => formatMoney(v.accruedCost), align: 'right' },
    { header: 'ATTACHED TO', value: (v) => dash(v.attachedTo.map((a) => a.vmName).join(', ')) },
  ]);
}

export function volumeDetails(volume: Volume, color: boolean): string {
  const attached = volume.attachedTo.map((a) => `${a.vmName} (${a.vmId}) since ${formatTime(a.attachedAt)}`);
  return renderFields([
    ['ID', volume.id],
    ['Name', volume.name],
    ['Status', paintStatus(volume.status, color) + (volume.providerStatus ? ` (provider: ${volume.providerStatus})` : '')],
    ['Size', `${volume.sizeGB} GB`],
    ['Type', volume.type],
    ['Provider', `${volume.provider} (volume ${dash(volume.providerVolumeId)})`],
    ['Datacenter', `${volume.datacenter.name} (${volume.datacenter.code})`],
    ['Price', formatMoney(volume.pricePerGBMonth, ' per GB-month')],
    ['Accrued', formatMoney(volume.accruedCost)],
    ['Attached to', attached.length > 0 ? attached.join(', ') : 'nothing'],
    ['Mount', dash(volume.mountHint)],
    ['Group', dash(volume.resourceGroupId)],
    ['Created', formatTime(volume.createdAt)],
    ['Synced', formatTime(volume.syncedAt)],
    ...(volume.deletedAt ? ([['Deleted', formatTime(volume.deletedAt)]] as [string, string][]) : []),
    ...(volume.lastError ? ([['Last error', volume.lastError]] as [string, string][]) : []),
  ]);
}

/** How a datacenter's volumes reach a machine: any time, only while it is stopped, or only when ordering one. */
export function attachText(option: Pick<VolumeOption, 'attachToExisting' | 'attachRequiresStopped'>): string {
  if (!option.attachToExisting) return 'at order only';
  return option.attachRequiresStopped ? 'stopped VMs' : 'yes';
}

export function optionsTable(options: readonly VolumeOption[]): string {
  return renderTable(options, [
    { header: 'DATACENTER', value: (o) => o.datacenter.code },
    { header: 'NAME', value: (o) => o.datacenter.name },
    { header: 'PROVIDER', value: (o) => o.provider },
    { header: 'KIND', value: (o) => o.kind },
    { header: 'TYPES', value: (o) => o.types.join(', ') },
    { header: 'SIZE GB', value: (o) => `${o.minSizeGB}-${o.maxSizeGB}`, align: 'right' },
    { header: 'GROW', value: (o) => yesNo(o.resize) },
    { header: 'RENAME', value: (o) => yesNo(o.rename) },
    { header: 'ATTACH', value: attachText },
    { header: 'PER VM', value: (o) => String(o.maxPerInstance), align: 'right' },
    { header: 'MOUNT', value: (o) => o.mountHint },
  ]);
}

export function unmanagedTable(volumes: readonly UnmanagedVolume[]): string {
  return renderTable(volumes, [
    { header: 'PROVIDER', value: (v) => v.provider },
    { header: 'ACCOUNT', value: (v) => v.providerAccountId },
    { header: 'PROVIDER ID', value: (v) => v.providerVolumeId },
    { header: 'NAME', value: (v) => v.name },
    { header: 'STATUS', value: (v) => v.providerStatus },
    { header: 'GPUFLEET ID', value: (v) => dash(v.gpufleetId) },
    { header: 'FIRST SEEN', value: (v) => formatTime(v.firstSeenAt) },
    { header: 'LAST SEEN', value: (v) => formatTime(v.lastSeenAt) },
  ]);
}
