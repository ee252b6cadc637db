import type { GpuVmDetails } from '../../contract/gpu-vm.ts';
import type { VmVolume, Volume, VolumeOption } from '../../contract/volumes.ts';
import { type ApiClient, listAll } from '../api.ts';
import { openDialog } from '../components/dialog.ts';
import { field, h, option, uid } from '../components/dom.ts';
import { errorNotice, notice } from '../components/notice.ts';
import { volumeStatusBadge } from '../components/status.ts';
import { dataTable } from '../components/table.ts';
import { dateTime, providerName } from '../format.ts';

export interface VolumeHost {
  api: ApiClient;
  /** Show a message in the page's message area. */
  say(node: HTMLElement): void;
  /** The VM's volumes changed: reload it now. */
  refresh(): void;
}

/** What the VM page knows about volumes in the VM's datacenter: its provider's capabilities there, if any. */
export interface VolumePlace {
  option: VolumeOption | null;
  /** Set when the options could not be loaded. */
  error: unknown;
}

/**
 * The VM's volumes with where each shows up on the machine, and attach / detach where the provider does that
 * for an existing machine; otherwise the buttons stay disabled with the reason beside them.
 */
export function volumesCard(host: VolumeHost, vm: GpuVmDetails, place: VolumePlace): HTMLElement | null {
  const { option } = place;
  // A provider without volumes and nothing attached: there is nothing to say.
  if (vm.volumes.length === 0 && !option) return null;
  const gone = vm.deletedAt !== null || vm.status === 'Destroyed';
  const detachReason = gone ? null : blockedReason(vm, option, 'detach');
  const section = h(
    'section',
    { class: 'card wide', 'aria-label': 'Volumes' },
    h('h2', null, 'Volumes'),
    vm.volumes.length === 0
      ? h('p', { class: 'muted' }, 'No volumes attached.')
      : dataTable(
          [
            { header: 'Name', cell: (v: VmVolume) => h('a', { href: '/volumes' }, v.name) },
            { header: 'Size', cell: (v: VmVolume) => `${v.sizeGB} GB`, class: 'num' },
            { header: 'Type', cell: (v: VmVolume) => v.type },
            { header: 'Status', cell: (v: VmVolume) => volumeStatusBadge(v.status) },
            { header: 'Attached', cell: (v: VmVolume) => dateTime(v.attachedAt) },
            { header: 'On the machine', cell: (v: VmVolume) => v.mountHint || '—' },
            ...(gone
              ? []
              : [
                  {
                    header: 'Actions',
                    cell: (v: VmVolume) =>
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'small',
                          disabled: detachReason !== null || v.status === 'Detaching',
                          title: detachReason,
                          'aria-label': `Detach ${v.name}`,
                          onclick: () => detachDialog(host, vm, v),
                        },
                        'Detach',
                      ),
                  },
                ]),
          ],
          vm.volumes,
          { caption: 'Attached volumes' },
        ),
    detachReason && vm.volumes.length > 0 ? h('p', { class: 'hint' }, detachReason) : null,
    gone || !option ? null : attachControl(host, vm, option),
    place.error ? errorNotice(place.error, { title: 'Could not load what volumes can do here' }) : null,
  );
  return section;
}

function attachControl(host: VolumeHost, vm: GpuVmDetails, option: VolumeOption): HTMLElement {
  const reason = blockedReason(vm, option, 'attach');
  const reasonId = uid('attach-reason');
  const button = h(
    'button',
    { type: 'button', disabled: reason !== null, 'aria-describedby': reason ? reasonId : null },
    'Attach a volume',
  );
  button.addEventListener('click', () => void attachDialog(host, vm, option));
  return h('div', null, reason ? h('p', { class: 'hint', id: reasonId }, reason) : null, h('div', { class: 'actions' }, button));
}

/** Why the VM cannot attach or detach a volume now, in the provider's terms; null when it can. */
export function blockedReason(vm: GpuVmDetails, option: VolumeOption | null, action: 'attach' | 'detach'): string | null {
  const provider = providerName(vm.provider);
  if (!option) return `${provider} offers no volumes in ${vm.datacenter.name || 'this datacenter'}.`;
  if (!option.attachToExisting) {
    return action === 'attach'
      ? `${provider} attaches a ${option.kind} only when a VM is ordered with it: order a new VM with the volume.`
      : `${provider} releases a ${option.kind} only when the VM is deleted; the volume and its data are kept then.`;
  }
  if (!vm.providerInstanceId) return 'Wait until the VM is placed at a provider.';
  if (option.attachRequiresStopped && vm.status !== 'Stopped') {
    return `Stop the VM first: ${provider} attaches and detaches volumes only while the VM is stopped.`;
  }
  if (action === 'attach' && vm.volumes.length >= option.maxPerInstance) {
    return `It has ${vm.volumes.length} volume${vm.volumes.length === 1 ? '' : 's'}, the most a ${provider} VM takes.`;
  }
  return null;
}

async function attachDialog(host: VolumeHost, vm: GpuVmDetails, place: VolumeOption): Promise<void> {
  let candidates: Volume[];
  try {
    const inDatacenter = await listAll<Volume>(host.api, '/v1/resource/volumes', {
      datacenterId: vm.datacenter.id,
      sort: 'name:asc',
    });
    candidates = inDatacenter.filter((v) => v.status === 'Available' && v.attachedTo.length === 0);
  } catch (err) {
    host.say(errorNotice(err, { title: 'Could not load the volumes' }));
    return;
  }
  const choice = h(
    'select',
    null,
    candidates.map((v) => option(v.id, `${v.name} — ${v.sizeGB} GB ${v.type}`)),
  );
  openDialog({
    title: `Attach a volume to ${vm.name}`,
    content:
      candidates.length === 0
        ? h(
            'p',
            null,
            `No volume in ${vm.datacenter.name} is Available. `,
            h('a', { href: '/volumes' }, 'Create one'),
            ' in this datacenter first.',
          )
        : [
            field(
              'Volume',
              choice,
              `Only Available volumes in ${vm.datacenter.name}: a volume attaches only in its own datacenter.`,
            ),
            h('p', { class: 'hint' }, `On the machine: ${place.mountHint}.`),
          ],
    submitLabel: 'Attach',
    canSubmit: () => candidates.length > 0 && choice.value !== '',
    async onSubmit() {
      const { data } = await host.api.post<Volume>(`/v1/resource/gpu/${vm.id}/volumes`, { volumeId: choice.value });
      host.say(notice('success', `Attaching ${data.name} to ${vm.name}. On the machine: ${data.mountHint}.`));
      host.refresh();
    },
  });
}

function detachDialog(host: VolumeHost, vm: GpuVmDetails, volume: VmVolume): void {
  openDialog({
    title: `Detach ${volume.name} from ${vm.name}?`,
    content: h('p', null, 'The volume and its data are kept; it can be attached again or used by another VM.'),
    submitLabel: 'Detach',
    async onSubmit() {
      await host.api.delete<Volume>(`/v1/resource/gpu/${vm.id}/volumes/${volume.id}`);
      host.say(notice('success', `Detaching ${volume.name} from ${vm.name}; the volume is kept.`));
      host.refresh();
    },
  });
}
