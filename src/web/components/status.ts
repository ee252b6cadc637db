import type { GpuVmDetails, VmStatus } from '../../contract/gpu-vm.ts';
import type { VolumeStatus } from '../../contract/volumes.ts';
import { ago, dateTime } from '../format.ts';
import { h } from './dom.ts';

/** One class per status, so a status has the same colour on every page. */
export function statusBadge(status: VmStatus | string): HTMLElement {
  const known = ['Provisioning', 'Starting', 'Running', 'Stopping', 'Stopped', 'Error', 'Destroyed', 'Unknown'];
  const name = known.includes(status) ? status.toLowerCase() : 'unknown';
  const busy = status === 'Provisioning' || status === 'Starting' || status === 'Stopping';
  return h('span', { class: `badge status-${name}${busy ? ' busy' : ''}` }, status);
}

/**
 * Beside the status of a VM the provider has not confirmed recently (the server answered from its store): what
 * is shown may be out of date. Its title says since when; null for a VM that is up to date.
 */
export function staleSign(vm: Pick<GpuVmDetails, 'stale' | 'syncedAt'>, now = Date.now()): HTMLElement | null {
  if (!vm.stale) return null;
  const title = vm.syncedAt
    ? `Not confirmed by the provider since ${dateTime(vm.syncedAt)} (${ago(vm.syncedAt, now)}): shown as gpufleet last knew it`
    : 'Not confirmed by the provider yet: shown as gpufleet last knew it';
  return h('span', { class: 'tag warn stale', title, 'aria-label': title }, 'stale');
}

/** A volume's status in the colours of the VM statuses it resembles: ready green, on its way busy, gone grey. */
export function volumeStatusBadge(status: VolumeStatus): HTMLElement {
  const classes: Record<VolumeStatus, string> = {
    Available: 'status-running',
    Attached: 'status-running',
    Creating: 'status-provisioning busy',
    Attaching: 'status-starting busy',
    Detaching: 'status-stopping busy',
    Resizing: 'status-starting busy',
    Deleting: 'status-stopping busy',
    Deleted: 'status-destroyed',
    Error: 'status-error',
    Unknown: 'status-unknown',
  };
  return h('span', { class: `badge ${classes[status] ?? 'status-unknown'}` }, status);
}

export function healthBadge(health: string): HTMLElement {
  const labels: Record<string, string> = {
    ok: 'Healthy',
    auth_failed: 'Auth failed',
    unreachable: 'Unreachable',
    unknown: 'Not checked',
  };
  const cls: Record<string, string> = {
    ok: 'status-running',
    auth_failed: 'status-error',
    unreachable: 'status-error',
    unknown: 'status-unknown',
  };
  return h('span', { class: `badge ${cls[health] ?? 'status-unknown'}` }, labels[health] ?? health);
}

export function tag(text: string, kind = ''): HTMLElement {
  return h('span', { class: `tag ${kind}`.trim() }, text);
}
