import type { GpuVmDetails } from '../../contract/gpu-vm.ts';
import { paintStatus } from '../format/colors.ts';
import { formatElapsed } from '../format/spinner.ts';
import { type Column, renderFields, renderTable } from '../format/table.ts';
import { dash, formatMoney, formatTime, yesNo } from '../format/values.ts';

/** Beside the status of a VM the provider has not confirmed recently (the answer came from the store). */
export const STALE_MARK = '!';

/**
 * The line under a list that explains its stale marks, or '' when there are none. With `now` it says for
 * how long (the oldest); without (a watched list, redrawn only when it changes) since when.
 */
export function staleFooter(vms: readonly Pick<GpuVmDetails, 'stale' | 'syncedAt'>[], now?: number): string {
  const stale = vms.filter((vm) => vm.stale);
  if (stale.length === 0) return '';
  const what = `${STALE_MARK} not confirmed by the provider`;
  const times = stale.map((vm) => (vm.syncedAt ? Date.parse(vm.syncedAt) : Number.NaN));
  if (times.some((t) => Number.isNaN(t))) return `${what} yet (read from gpufleet's store)`;
  const oldest = Math.min(...times);
  const since = new Date(oldest).toISOString().slice(11, 19);
  const plural = stale.length > 1;
  return now === undefined
    ? `${what} since ${since} UTC${plural ? ' or later' : ''} (read from gpufleet's store)`
    : `${what} for ${plural ? 'up to ' : ''}${formatElapsed(now - oldest)} (since ${since} UTC; read from gpufleet's store)`;
}

/** `wide` (`--output wide`) adds the SKU, kind, login and cost so far. */
export function vmTable(vms: readonly GpuVmDetails[], color: boolean, wide = false): string {
  const columns: Column<GpuVmDetails>[] = [
    { header: 'ID', value: (vm) => vm.id },
    { header: 'NAME', value: (vm) => vm.name },
    { header: 'STATUS', value: (vm) => paintStatus(vm.status, color) + (vm.stale ? ` ${STALE_MARK}` : '') },
    { header: 'GPUS', value: gpuText },
    { header: 'PROVIDER', value: (vm) => dash(vm.provider) },
    { header: 'DATACENTER', value: (vm) => dash(vm.datacenter?.name) },
    { header: 'IP', value: (vm) => dash(vm.ip) },
    { header: 'PRICE/H', value: (vm) => formatMoney(vm.pricePerHour), align: 'right' },
    { header: 'GROUP', value: (vm) => dash(vm.resourceGroupName) },
    { header: 'CREATED', value: (vm) => formatTime(vm.createdAt) },
  ];
  if (wide) {
    columns.splice(
      4,
      0,
      { header: 'SKU', value: (vm) => dash(vm.configuration?.skuCode) },
      { header: 'KIND', value: (vm) => `${vm.machineKind}${vm.spot ? ', spot' : ''}` },
    );
    columns.push(
      { header: 'SSH', value: (vm) => dash(sshCommand(vm)) },
      { header: 'ACCRUED', value: (vm) => formatMoney(vm.accruedCost), align: 'right' },
    );
  }
  return renderTable(vms, columns);
}

export function vmDetails(vm: GpuVmDetails, color: boolean): string {
  const status = paintStatus(vm.status, color) + (vm.statusReason ? ` (${vm.statusReason})` : '');
  const config = vm.configuration;
  const fields = renderFields([
    ['ID', vm.id],
    ['Name', vm.name],
    ['Status', status],
    ['GPUs', gpuText(vm)],
    ['SKU', dash(config?.skuCode)],
    ['Specs', config ? `${config.cpu} vCPU, ${config.ram} GiB RAM, ${config.disk} GB disk` : '-'],
    ['Provider', vm.provider ? `${vm.provider} (${dash(vm.providerStatus)}, instance ${dash(vm.providerInstanceId)})` : '-'],
    ['Datacenter', vm.datacenter ? `${vm.datacenter.name}, ${vm.datacenter.country}` : '-'],
    ['Kind', `${vm.machineKind}${vm.spot ? ', spot' : ''}`],
    ['Price', formatMoney(vm.pricePerHour, '/h')],
    ['Accrued', formatMoney(vm.accruedCost)],
    ['Bills stopped', yesNo(vm.billsWhileStopped)],
    ['Image', dash(vm.image)],
    ...(vm.templateId ? ([['Template', vm.templateId]] as [string, string][]) : []),
    ['IP', vm.ip ? vm.ip + (vm.ipIsPrivate ? ' (private network)' : '') : '-'],
    ['SSH', dash(sshCommand(vm))],
    ['SSH key', dash(vm.sshKeyName)],
    ['Stored key', vm.hasStoredCredentials ? `yes: a key pair generated for this VM (gpufleet gpu ssh-key ${vm.name})` : '-'],
    ['Jupyter', dash(vm.jupyterUrl)],
    ['Group', dash(vm.resourceGroupName)],
    ['TTL', vm.ttl ? `${vm.ttl.action} at ${formatTime(vm.ttl.at)}` : '-'],
    ['Idle rule', idleRule(vm)],
    ['Script', vm.startupScript ? `${vm.startupScript.name ?? 'inline'} (${vm.startupScript.sizeBytes} bytes)` : '-'],
    ['Env', envText(vm)],
    ['Ports', vm.ports.length > 0 ? vm.ports.map((p) => `${p.port}/${p.protocol}`).join(', ') : '-'],
    ['Endpoints', vm.endpoints.length > 0 ? vm.endpoints.map(endpointText).join(', ') : '-'],
    ['Created', formatTime(vm.createdAt)],
    ['Synced', formatTime(vm.syncedAt)],
    ...(vm.stale ? ([['Stale', `yes: ${staleAge(vm)}`]] as [string, string][]) : []),
    ['Volumes', vm.volumes.length > 0 ? String(vm.volumes.length) : 'none'],
  ]);
  return vm.volumes.length > 0 ? `${fields}\n\n${vmVolumesTable(vm, color)}` : fields;
}

/** The volumes attached to a VM and where each shows up on it. */
function vmVolumesTable(vm: GpuVmDetails, color: boolean): string {
  return renderTable(vm.volumes, [
    { header: 'VOLUME', value: (v) => v.name },
    { header: 'SIZE', value: (v) => `${v.sizeGB} GB`, align: 'right' },
    { header: 'TYPE', value: (v) => v.type },
    { header: 'STATUS', value: (v) => paintStatus(v.status, color) },
    { header: 'ATTACHED', value: (v) => formatTime(v.attachedAt) },
    { header: 'MOUNT', value: (v) => dash(v.mountHint) },
  ]);
}

/** Plain variables with their values, secret ones by name only. */
function envText(vm: GpuVmDetails): string {
  const parts = [...Object.entries(vm.env).map(([k, v]) => `${k}=${v}`), ...vm.secretEnvNames.map((k) => `${k}=(secret)`)];
  return parts.length > 0 ? parts.join(' ') : '-';
}

/** `6006 → https://…` or `7000/tcp → 203.0.113.7:41234`. */
export function endpointText(endpoint: GpuVmDetails['endpoints'][number]): string {
  if (endpoint.url) return `${endpoint.port} → ${endpoint.url}`;
  if (endpoint.host && endpoint.publicPort) return `${endpoint.port}/tcp → ${endpoint.host}:${endpoint.publicPort}`;
  return `${endpoint.port}/${endpoint.protocol} (not mapped yet)`;
}

/** How to log in, once the VM has an address (with `identityFile`, the private key file to log in with). */
export function sshCommand(vm: Pick<GpuVmDetails, 'ip' | 'sshPort' | 'username'>, identityFile?: string): string | null {
  if (!vm.ip) return null;
  return `ssh ${identityFile ? `-i ${identityFile} ` : ''}-p ${vm.sshPort ?? 22} ${vm.username || 'root'}@${vm.ip}`;
}

/** What to do with a VM just ordered. */
export function nextSteps(name: string, waited: boolean): string {
  const ref = /^[\w.-]+$/.test(name) ? name : `'${name.replace(/'/g, "'\\''")}'`;
  return [
    'Next:',
    ...(waited ? [] : [`  gpufleet gpu get ${ref}     its status and address`]),
    `  gpufleet gpu ssh ${ref}     log in`,
    `  gpufleet gpu stop ${ref}    power it off`,
    `  gpufleet gpu rm ${ref}      destroy it and its disk`,
  ].join('\n');
}

/** What someone waiting for a new VM wants to see at the end. */
export function accessLines(vm: GpuVmDetails, identityFile?: string): string {
  const lines = [`${vm.name} (${vm.id}) is ${vm.status}`];
  if (vm.ip) lines.push(`ip:      ${vm.ip}${vm.ipIsPrivate ? ' (private network)' : ''}`);
  const ssh = sshCommand(vm, identityFile);
  if (ssh) lines.push(`ssh:     ${ssh}`);
  if (vm.jupyterUrl) lines.push(`jupyter: ${vm.jupyterUrl}`);
  for (const endpoint of vm.endpoints) lines.push(`port:    ${endpointText(endpoint)}`);
  return lines.join('\n');
}

/** How long the provider has not confirmed a stale VM. */
function staleAge(vm: GpuVmDetails, now = Date.now()): string {
  return vm.syncedAt
    ? `the provider has not confirmed this for ${formatElapsed(now - Date.parse(vm.syncedAt))}`
    : 'the provider has not confirmed this yet';
}

function gpuText(vm: GpuVmDetails): string {
  return vm.configuration ? `${vm.configuration.gpuCount}x ${vm.configuration.name}` : '-';
}

function idleRule(vm: GpuVmDetails): string {
  if (!vm.idle) return '-';
  const rule = `${vm.idle.action} after ${vm.idle.minutes} min idle`;
  return vm.idle.since ? `${rule} (idle since ${formatTime(vm.idle.since)})` : rule;
}

/** A VM's time limit and idle rule on one line each. */
export function limitsLine(vm: GpuVmDetails): string {
  return [
    `${vm.name}:`,
    `  time limit: ${vm.ttl ? `${vm.ttl.action} at ${formatTime(vm.ttl.at)}` : 'none'}`,
    `  idle rule:  ${vm.idle ? idleRule(vm) : 'none'}`,
  ].join('\n');
}
