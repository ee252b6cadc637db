import type { VmStatus } from '../../core/domain/types.ts';
import { h } from './dom.ts';

/** One class per status, so a status has the same colour on every page. */
export function statusBadge(status: VmStatus | string): HTMLElement {
  const known = ['Provisioning', 'Starting', 'Running', 'Stopping', 'Stopped', 'Error', 'Destroyed', 'Unknown'];
  const name = known.includes(status) ? status.toLowerCase() : 'unknown';
  const busy = status === 'Provisioning' || status === 'Starting' || status === 'Stopping';
  return h('span', { class: `badge status-${name}${busy ? ' busy' : ''}` }, status);
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
