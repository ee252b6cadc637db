import type { GpuVmDetails } from '../../contract/gpu-vm.ts';
import { datacenterLabel, dateTime, money, pricePerHour, providerName, sshCommand } from '../format.ts';
import { copyButton } from './copy.ts';
import { h, mono } from './dom.ts';
import { notice } from './notice.ts';
import { tag } from './status.ts';
import { details } from './table.ts';

/** Live values that change on every poll while a VM runs; updated in place so the rest of the page stays put. */
export interface LiveFields {
  accrued: HTMLElement;
  synced: HTMLElement;
}

export function connectionCard(vm: GpuVmDetails): HTMLElement {
  const command = sshCommand(vm);
  const section = card(
    'Connection',
    details([
      ['IP address', vm.ip ? [mono(vm.ip), vm.ipIsPrivate ? [' ', tag('private network only', 'warn')] : null] : waitingFor(vm)],
      ['SSH port', vm.sshPort ? mono(String(vm.sshPort)) : '—'],
      ['Username', mono(vm.username)],
      ['SSH key', sshKeys(vm)],
      [
        'SSH command',
        command
          ? h('div', { class: 'copy-row' }, h('code', { class: 'mono command' }, command), copyButton(command, 'Copy'))
          : waitingFor(vm),
      ],
      [
        'Jupyter',
        vm.jupyterUrl ? h('a', { href: vm.jupyterUrl, target: '_blank', rel: 'noopener noreferrer' }, 'Open JupyterLab ↗') : '—',
      ],
    ]),
  );
  // Wide enough for the whole ssh command on one line.
  section.classList.add('wide');
  return section;
}

/**
 * What runs on the VM: on a container its image and template, its startup script, environment (secret
 * values never shown) and port endpoints.
 */
export function workloadCard(vm: GpuVmDetails): HTMLElement | null {
  const envNames = [...Object.keys(vm.env), ...vm.secretEnvNames];
  const container = vm.machineKind === 'container' || vm.templateId !== null;
  if (!container && !vm.startupScript && envNames.length === 0 && vm.ports.length === 0) return null;
  const section = card(
    'Workload',
    details([
      ...(container
        ? ([
            ['Container image', mono(vm.image)],
            ['Template', vm.templateId ? mono(vm.templateId) : 'None'],
          ] as [string, HTMLElement | string][])
        : []),
      [
        'Startup script',
        vm.startupScript ? `${vm.startupScript.name ?? 'inline script'} (${vm.startupScript.sizeBytes} bytes)` : '—',
      ],
      [
        'Environment',
        envNames.length === 0
          ? '—'
          : h(
              'ul',
              { class: 'plain' },
              Object.entries(vm.env).map(([k, v]) => h('li', null, mono(`${k}=${v}`))),
              vm.secretEnvNames.map((k) => h('li', null, mono(k), ' ', tag('secret', 'neutral'))),
            ),
      ],
      [
        'Ports',
        vm.ports.length === 0
          ? '—'
          : h(
              'ul',
              { class: 'plain' },
              vm.ports.map((p) => h('li', null, mono(`${p.port}/${p.protocol}`), ' ', endpointOf(vm, p.port))),
            ),
      ],
    ]),
  );
  section.classList.add('wide');
  return section;
}

function endpointOf(vm: GpuVmDetails, port: number): HTMLElement | string {
  const endpoint = vm.endpoints.find((e) => e.port === port);
  if (endpoint?.url) return h('a', { href: endpoint.url, target: '_blank', rel: 'noopener noreferrer' }, `${endpoint.url} ↗`);
  if (endpoint?.host && endpoint.publicPort) return mono(`${endpoint.host}:${endpoint.publicPort}`);
  return h('span', { class: 'muted' }, vm.deletedAt ? 'gone' : 'waiting for the provider to map it');
}

export function billingCard(vm: GpuVmDetails, live: LiveFields): HTMLElement {
  live.accrued.textContent = money(vm.accruedCost);
  return card(
    'Billing',
    details([
      ['Price', pricePerHour(vm.pricePerHour)],
      ['Accrued cost', live.accrued],
      ['Spot', vm.spot ? 'Yes: the provider may interrupt this VM' : 'No (on-demand)'],
      ['Time limit', vm.ttl ? `${vm.ttl.action === 'delete' ? 'Deleted' : 'Stopped'} at ${dateTime(vm.ttl.at)}` : 'None'],
      ['Idle rule', idleRule(vm)],
    ]),
    vm.billsWhileStopped
      ? notice(
          'warning',
          `${providerName(vm.provider)} keeps billing this VM while it is stopped. Delete it to stop the charges.`,
        )
      : h('p', { class: 'hint' }, 'Stopping this VM stops its compute billing.'),
  );
}

export function machineCard(vm: GpuVmDetails): HTMLElement {
  const c = vm.configuration;
  return card(
    'Machine',
    details([
      ['GPU', `${c.gpuCount}× ${c.name || c.code}`],
      ['vCPU', String(c.cpu)],
      ['Memory', `${c.ram} GiB`],
      ['Disk', `${c.disk} GB`],
      ['SKU', mono(c.skuCode)],
      ['Image', vm.image || '—'],
      [
        'Kind',
        vm.machineKind === 'container'
          ? [
              tag('Container'),
              h('div', { class: 'hint' }, 'A container on a shared host: it cannot run Docker or change the kernel.'),
            ]
          : tag('Virtual machine'),
      ],
    ]),
  );
}

export function placementCard(vm: GpuVmDetails, live: LiveFields): HTMLElement {
  live.synced.textContent = vm.syncedAt ? dateTime(vm.syncedAt) : 'not yet';
  return card(
    'Placement',
    details([
      ['Provider', providerName(vm.provider)],
      ['Datacenter', vm.datacenter.name ? `${datacenterLabel(vm)}, ${vm.datacenter.region}` : '—'],
      ['Instance id', mono(vm.providerInstanceId)],
      ['Provider status', vm.providerStatus ?? '—'],
      ['Status reason', vm.statusReason ?? '—'],
      ['Account', mono(vm.providerAccountId)],
      ['Resource group', vm.resourceGroupName ?? 'None'],
      ['VM id', mono(vm.id)],
      ['Created', dateTime(vm.createdAt)],
      ['Last confirmed', live.synced],
      ...(vm.deletedAt ? ([['Destroyed', dateTime(vm.deletedAt)]] as [string, string][]) : []),
    ]),
  );
}

/** The library key and, when the order asked for one, the key pair generated for this VM. */
function sshKeys(vm: GpuVmDetails): string {
  if (!vm.hasStoredCredentials) return vm.sshKeyName ?? '—';
  const generated = 'a key pair generated for this VM (Download stored private key, above)';
  return vm.sshKeyName ? `${vm.sshKeyName}, and ${generated}` : generated[0]!.toUpperCase() + generated.slice(1);
}

function waitingFor(vm: GpuVmDetails): HTMLElement {
  const text = vm.status === 'Destroyed' ? 'None: the VM is destroyed' : 'Assigned once the VM is running';
  return h('span', { class: 'muted' }, text);
}

function card(title: string, ...content: (HTMLElement | null)[]): HTMLElement {
  return h('section', { class: 'card', 'aria-label': title }, h('h2', null, title), content);
}

function idleRule(vm: GpuVmDetails): string {
  if (!vm.idle) return 'None';
  const rule = `${vm.idle.action === 'delete' ? 'Deleted' : 'Stopped'} after ${vm.idle.minutes} min with idle GPUs`;
  return vm.idle.since ? `${rule}; idle since ${dateTime(vm.idle.since)}` : rule;
}
