import type { GpuVmDetails, Job } from '../../contract/gpu-vm.ts';
import type { ResourceGroupDetails } from '../../contract/resource-groups.ts';
import { type ApiClient, type ApiResult, isRecord, listAll } from '../api.ts';
import { downloadText } from '../components/copy.ts';
import { openDialog } from '../components/dialog.ts';
import { field, h, option } from '../components/dom.ts';
import { errorNotice, notice } from '../components/notice.ts';
import { pricePerHour, providerName } from '../format.ts';

export interface ActionHost {
  api: ApiClient;
  /** The VM as last loaded. */
  vm(): GpuVmDetails | null;
  /** A job was started: follow it. */
  follow(job: Job): void;
  /** Show a message in the page's message area. */
  say(node: HTMLElement): void;
  /** The VM changed (rename, move): reload it now. */
  refresh(): void;
  /** True while a power or delete job is running. */
  busy(): boolean;
}

/** The action bar of a VM. Buttons follow the VM's status so only what can work is offered. */
export function actionBar(host: ActionHost) {
  const start = h('button', { type: 'button' }, 'Start');
  const stop = h('button', { type: 'button' }, 'Stop');
  const restart = h('button', { type: 'button' }, 'Restart');
  const rename = h('button', { type: 'button' }, 'Rename');
  const move = h('button', { type: 'button' }, 'Move to group');
  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete');
  const keyButton = h('button', { type: 'button' }, 'Download stored private key');

  start.addEventListener('click', () => void power(host, 'start', start));
  stop.addEventListener('click', () => stopDialog(host, stop));
  restart.addEventListener('click', () => void power(host, 'restart', restart));
  rename.addEventListener('click', () => renameDialog(host));
  move.addEventListener('click', () => void moveDialog(host));
  remove.addEventListener('click', () => deleteDialog(host));
  keyButton.addEventListener('click', () => void downloadStoredKey(host));

  const element = h(
    'div',
    { class: 'toolbar', role: 'group', 'aria-label': 'VM actions' },
    start,
    stop,
    restart,
    rename,
    move,
    remove,
  );
  const update = () => {
    const vm = host.vm();
    const busy = host.busy();
    const status = vm?.status;
    const gone = !vm || status === 'Destroyed';
    start.disabled = busy || status !== 'Stopped';
    stop.disabled = busy || status !== 'Running';
    restart.disabled = busy || status !== 'Running';
    rename.disabled = gone;
    move.disabled = gone;
    remove.disabled = busy || gone;
    element.hidden = gone && vm !== null;
    if (vm?.hasStoredCredentials && !gone) element.append(keyButton);
    else keyButton.remove();
  };
  return { element, update };
}

async function power(host: ActionHost, action: 'start' | 'stop' | 'restart', button: HTMLButtonElement): Promise<void> {
  const vm = host.vm();
  if (!vm) return;
  button.disabled = true;
  try {
    await sendPower(host, vm, action);
  } catch (err) {
    host.say(errorNotice(err, { title: `Could not ${action} ${vm.name}` }));
    button.disabled = false;
  }
}

async function sendPower(host: ActionHost, vm: GpuVmDetails, action: 'start' | 'stop' | 'restart'): Promise<void> {
  const result = await host.api.post<unknown>(`/v1/resource/gpu/${vm.id}/${action}`);
  const warning = action === 'stop' ? billingWarning(result, vm) : null;
  host.say(warning ? notice('warning', warning) : notice('success', result.message || `${action} requested.`));
  host.follow(jobOf(result.data));
}

/** Stopping ends whatever runs on the VM, so it is asked for as Delete is (a click, no name to type). */
function stopDialog(host: ActionHost, button: HTMLButtonElement): void {
  const vm = host.vm();
  if (!vm) return;
  openDialog({
    title: `Stop ${vm.name}?`,
    content: [
      h(
        'p',
        null,
        'This powers the VM off and ends whatever runs on it. Start it again at any time; it may come back on a new address or port.',
      ),
      vm.billsWhileStopped
        ? h(
            'p',
            { class: 'hint' },
            `${providerName(vm.provider)} still charges for it while it is stopped (${pricePerHour(vm.pricePerHour)}); delete it to stop paying.`,
          )
        : null,
    ],
    submitLabel: 'Stop VM',
    async onSubmit() {
      button.disabled = true;
      try {
        await sendPower(host, vm, 'stop');
      } catch (err) {
        button.disabled = false;
        throw err;
      }
    },
  });
}

/**
 * The API passes the provider's billing warning on when a stopped VM keeps costing money: as `warning`
 * beside the job when present, otherwise in the answer's message.
 */
function billingWarning(result: ApiResult<unknown>, vm: GpuVmDetails): string | null {
  if (isRecord(result.data) && typeof result.data.warning === 'string' && result.data.warning) return result.data.warning;
  return vm.billsWhileStopped && result.message ? result.message : null;
}

export function jobOf(data: unknown): Job {
  if (isRecord(data) && isRecord(data.job)) return data.job as unknown as Job;
  return data as Job;
}

function renameDialog(host: ActionHost): void {
  const vm = host.vm();
  if (!vm) return;
  const input = h('input', { type: 'text', required: true, maxlength: 100, value: vm.name });
  openDialog({
    title: `Rename ${vm.name}`,
    content: field('New name', input),
    submitLabel: 'Rename',
    canSubmit: () => input.value.trim() !== '' && input.value.trim() !== vm.name,
    async onSubmit() {
      await host.api.put(`/v1/resource/gpu/${vm.id}`, { name: input.value.trim() });
      host.say(notice('success', `Renamed to ${input.value.trim()}.`));
      host.refresh();
    },
  });
}

async function moveDialog(host: ActionHost): Promise<void> {
  const vm = host.vm();
  if (!vm) return;
  let groups: ResourceGroupDetails[];
  try {
    groups = await listAll<ResourceGroupDetails>(host.api, '/v1/resource-groups', { sort: 'name:asc' });
  } catch (err) {
    host.say(errorNotice(err, { title: 'Could not load the resource groups' }));
    return;
  }
  const choice = h(
    'select',
    null,
    option('', 'No resource group', vm.resourceGroupId === null),
    groups.map((g) => option(g.id, g.name, g.id === vm.resourceGroupId)),
  );
  openDialog({
    title: `Move ${vm.name}`,
    content: [
      field('Resource group', choice),
      groups.length === 0
        ? h('p', { class: 'hint' }, 'There are no resource groups yet; create one with the API or the CLI.')
        : null,
    ],
    submitLabel: 'Move',
    canSubmit: () => choice.value !== (vm.resourceGroupId ?? ''),
    async onSubmit() {
      await host.api.put(`/v1/resource/gpu/${vm.id}`, { resourceGroupId: choice.value || null });
      host.say(
        notice(
          'success',
          choice.value ? `Moved to ${choice.selectedOptions[0]?.textContent ?? 'the group'}.` : 'Removed from its group.',
        ),
      );
      host.refresh();
    },
  });
}

/** Deleting destroys the disks too, so the user types the VM's name: a click alone cannot do it. */
function deleteDialog(host: ActionHost): void {
  const vm = host.vm();
  if (!vm) return;
  const input = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
  openDialog({
    title: `Delete ${vm.name}?`,
    danger: true,
    content: [
      h(
        'p',
        null,
        'This terminates the VM at the provider and destroys its disks. It cannot be undone. Type ',
        h('strong', { class: 'mono' }, vm.name),
        ' to confirm.',
      ),
      field('VM name', input),
    ],
    submitLabel: 'Delete VM',
    canSubmit: () => input.value === vm.name,
    async onSubmit() {
      const result = await host.api.delete<unknown>(`/v1/resource/gpu/${vm.id}`);
      host.say(notice('info', result.message || 'Deletion started.'));
      host.follow(jobOf(result.data));
    },
  });
}

async function downloadStoredKey(host: ActionHost): Promise<void> {
  const vm = host.vm();
  if (!vm) return;
  try {
    const { data } = await host.api.get<{ privateKey: string }>(`/v1/resource/gpu/${vm.id}/ssh-key`);
    // OpenSSH format, named as the CLI names it (`gpufleet gpu ssh-key`): `ssh -i <name>.key`.
    downloadText(`${vm.name}.key`, data.privateKey);
    host.say(
      notice(
        'success',
        `Downloaded the private key generated for ${vm.name}. It is wiped from the server when the VM is deleted.`,
      ),
    );
  } catch (err) {
    host.say(errorNotice(err, { title: 'Could not fetch the stored key' }));
  }
}
