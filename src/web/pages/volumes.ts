import type { UnmanagedVolume, Volume, VolumeOption } from '../../contract/volumes.ts';
import { openDialog } from '../components/dialog.ts';
import { checkbox, field, h, mono, replace } from '../components/dom.ts';
import { errorNotice, loading, notice } from '../components/notice.ts';
import { pagedList } from '../components/paged-list.ts';
import { poll } from '../components/poll.ts';
import { volumeStatusBadge } from '../components/status.ts';
import { dataTable } from '../components/table.ts';
import { datacenterWithProvider, dateTime, money, providerName } from '../format.ts';
import type { Page, PageContext } from '../page.ts';
import { volumeForm } from './volume-form.ts';

const PAGE_SIZE = 20;
const POLL_MS = 3000;
/** Statuses a volume leaves by itself: the list refreshes while one is shown. */
const SETTLING = new Set(['Creating', 'Attaching', 'Detaching', 'Resizing', 'Deleting']);

/** Volumes: what exists and what it costs, created where `/v1/resource/volumes/options` allows, renamed, grown, deleted. */
export const volumesPage: Page = (ctx) => {
  ctx.setTitle('Volumes');
  const messages = h('div', { 'aria-live': 'polite' }, ctx.flash ? notice('success', ctx.flash) : null);
  const showDeleted = checkbox('Show deleted volumes');
  const formArea = h('div', null, loading('Loading where volumes can be created…'));
  const unmanagedArea = h('div');
  let options: VolumeOption[] = [];
  let settling = false;

  const optionOf = (volume: Volume) => options.find((o) => o.datacenter.id === volume.datacenter.id) ?? null;
  const { element: list, reload } = pagedList<Volume>(ctx, {
    path: '/v1/resource/volumes',
    sort: 'name:asc',
    pageSize: PAGE_SIZE,
    noun: ['volume', 'volumes'],
    what: 'the volumes',
    empty: 'No volumes yet. Create one below; a VM ordered with it is placed in its datacenter.',
    query: () => ({ includeDeleted: showDeleted.input.checked ? true : undefined }),
    render: (volumes) => {
      settling = volumes.some((v) => SETTLING.has(v.status));
      return dataTable(
        [
          {
            header: 'Name',
            cell: (v: Volume) => [
              h('strong', null, v.name),
              v.lastError ? h('div', { class: 'hint error-text' }, v.lastError) : null,
            ],
          },
          { header: 'Status', cell: (v: Volume) => volumeStatusBadge(v.status) },
          { header: 'Size', cell: (v: Volume) => `${v.sizeGB} GB`, class: 'num' },
          { header: 'Type', cell: (v: Volume) => v.type },
          {
            header: 'Datacenter',
            cell: (v: Volume) => datacenterWithProvider(v.datacenter.name, v.provider),
          },
          { header: 'Price', cell: (v: Volume) => money(v.pricePerGBMonth, ' per GB-month'), class: 'num' },
          { header: 'Accrued cost', cell: (v: Volume) => money(v.accruedCost), class: 'num' },
          {
            header: 'Attached to',
            cell: (v: Volume) =>
              v.attachedTo.length === 0
                ? h('span', { class: 'muted' }, '—')
                : h(
                    'ul',
                    { class: 'plain' },
                    v.attachedTo.map((a) => h('li', null, h('a', { href: `/vms/${a.vmId}` }, a.vmName))),
                  ),
          },
          { header: 'Actions', cell: (v: Volume) => rowActions(v) },
        ],
        volumes,
        { caption: 'Volumes' },
      );
    },
  });

  const rowActions = (volume: Volume) => {
    if (volume.status === 'Deleted') return h('span', { class: 'muted' }, `Deleted ${dateTime(volume.deletedAt)}`);
    const option = optionOf(volume);
    const growBlocked = growReason(volume, option);
    const grow = h('button', { type: 'button', class: 'small', disabled: growBlocked !== null, title: growBlocked }, 'Grow');
    grow.addEventListener('click', () => growDialog(volume, option));
    const usable = volume.status === 'Available' && volume.attachedTo.length === 0;
    return h(
      'div',
      { class: 'row-actions' },
      usable ? h('a', { href: `/vms/new?volume=${volume.id}`, class: 'button small' }, 'Order a VM with it') : null,
      h('button', { type: 'button', class: 'small', onclick: () => renameDialog(volume, option) }, 'Rename'),
      grow,
      h(
        'button',
        { type: 'button', class: 'small danger', disabled: volume.status === 'Deleting', onclick: () => deleteDialog(volume) },
        'Delete',
      ),
    );
  };

  // A success notice is a status region: screen readers hear it without a separate announcement.
  const say = (text: string) => messages.replaceChildren(notice('success', text));

  const renameDialog = (volume: Volume, option: VolumeOption | null) => {
    const input = h('input', { type: 'text', required: true, maxlength: 100, value: volume.name, autocomplete: 'off' });
    openDialog({
      title: `Rename the volume ${volume.name}`,
      content: [
        field('New name', input),
        option && !option.rename
          ? h('p', { class: 'hint' }, `${providerName(volume.provider)} keeps its own name for it; gpufleet shows the new one.`)
          : null,
      ],
      submitLabel: 'Rename',
      canSubmit: () => input.value.trim() !== '' && input.value.trim() !== volume.name,
      async onSubmit() {
        const { data } = await ctx.api.put<Volume>(`/v1/resource/volumes/${volume.id}`, { name: input.value.trim() });
        say(`Renamed the volume ${volume.name} to ${data.name}.`);
        await reload();
      },
    });
  };

  const growDialog = (volume: Volume, option: VolumeOption | null) => {
    const max = option?.maxSizeGB ?? volume.sizeGB;
    const input = h('input', { type: 'number', required: true, min: volume.sizeGB + 1, max, step: 1 });
    openDialog({
      title: `Grow the volume ${volume.name}`,
      content: [
        field('New size (GB)', input, `Now ${volume.sizeGB} GB; up to ${max} GB. Volumes never shrink.`),
        volume.attachedTo.length > 0
          ? h('p', { class: 'hint' }, 'A VM using it may need its filesystem grown to see the new space.')
          : null,
      ],
      submitLabel: 'Grow',
      canSubmit: () => {
        const size = Number(input.value);
        return Number.isInteger(size) && size > volume.sizeGB && size <= max;
      },
      async onSubmit() {
        const { data } = await ctx.api.put<Volume>(`/v1/resource/volumes/${volume.id}`, { sizeGB: Number(input.value) });
        say(`Growing the volume ${data.name} to ${data.sizeGB} GB.`);
        await reload();
      },
    });
  };

  /** Deleting destroys the data, so the name is typed in; the API's refusal (409 while attached) shows in the dialog. */
  const deleteDialog = (volume: Volume) => {
    const input = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
    openDialog({
      title: `Delete the volume ${volume.name}?`,
      danger: true,
      content: [
        h(
          'p',
          null,
          `This deletes the volume and all its data at ${providerName(volume.provider)}. It cannot be undone. Type `,
          h('strong', { class: 'mono' }, volume.name),
          ' to confirm.',
        ),
        volume.attachedTo.length > 0
          ? notice(
              'info',
              `It is attached to ${volume.attachedTo.map((a) => a.vmName).join(', ')}: detach it or delete the VM first.`,
            )
          : null,
        field('Volume name', input),
      ],
      submitLabel: 'Delete volume',
      canSubmit: () => input.value === volume.name,
      async onSubmit() {
        const { data } = await ctx.api.delete<Volume>(`/v1/resource/volumes/${volume.id}`);
        say(
          data.status === 'Deleted'
            ? `Deleted the volume ${data.name}.`
            : `Deleting the volume ${data.name}; it reads Deleted once ${providerName(data.provider)} confirms it is gone.`,
        );
        await reload();
      },
    });
  };

  showDeleted.input.addEventListener('change', () => void reload());

  ctx.root.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Volumes')),
    h(
      'p',
      { class: 'hint' },
      'Persistent storage that outlives the VMs using it. A volume lives in one datacenter: a VM ordered with it is placed there. Storage bills from creation until the provider confirms the volume deleted, whether a VM uses it or not.',
    ),
    messages,
    h(
      'form',
      { class: 'filters', onsubmit: (e: Event) => e.preventDefault() },
      h('div', { class: 'field check-field' }, showDeleted.row),
    ),
    list,
    formArea,
    unmanagedArea,
  );

  const loadOptions = async () => {
    try {
      const { data } = await ctx.api.get<VolumeOption[]>('/v1/resource/volumes/options', undefined, ctx.signal);
      if (ctx.signal.aborted) return;
      options = data ?? [];
      replace(
        formArea,
        volumeForm(ctx, options, async (created) => {
          say(
            `Creating the volume ${created.name} (${created.sizeGB} GB ${created.type} in ${created.datacenter.name}). It can be used once Available.`,
          );
          await reload();
        }),
      );
      // The rows' grow buttons depend on the options.
      await reload();
    } catch (err) {
      if (!ctx.signal.aborted)
        replace(
          formArea,
          errorNotice(err, { title: 'Could not load where volumes can be created', retry: () => void loadOptions() }),
        );
    }
  };

  void reload();
  void loadOptions();
  void loadUnmanaged(ctx, unmanagedArea);
  poll(
    async () => {
      if (settling) await reload();
    },
    POLL_MS,
    ctx.signal,
  );
};

/** Why a volume cannot be grown now, or null when it can. */
function growReason(volume: Volume, option: VolumeOption | null): string | null {
  if (!option) return `${providerName(volume.provider)} offers no volumes in ${volume.datacenter.name} any more`;
  if (!option.resize) return `${providerName(volume.provider)} cannot grow a ${option.kind}`;
  if (volume.status === 'Creating' || volume.status === 'Deleting') return `It is ${volume.status.toLowerCase()}`;
  if (volume.sizeGB >= option.maxSizeGB) return `It is at the largest size, ${option.maxSizeGB} GB`;
  return null;
}

/** Volumes at a provider that gpufleet did not create: shown only when there are some, since they may be billing. */
async function loadUnmanaged(ctx: PageContext, area: HTMLElement): Promise<void> {
  try {
    const { data } = await ctx.api.get<UnmanagedVolume[]>('/v1/resource/volumes/unmanaged', undefined, ctx.signal);
    if (ctx.signal.aborted || !data || data.length === 0) return;
    replace(
      area,
      h(
        'section',
        { class: 'card', 'aria-label': 'Unmanaged volumes' },
        h('h2', null, 'Volumes gpufleet does not manage'),
        notice(
          'warning',
          'Your provider accounts list these volumes, but gpufleet did not create them (or no longer tracks them). They may be billing.',
        ),
        dataTable(
          [
            { header: 'Name', cell: (v: UnmanagedVolume) => v.name },
            { header: 'Provider', cell: (v: UnmanagedVolume) => providerName(v.provider) },
            { header: 'Provider id', cell: (v: UnmanagedVolume) => mono(v.providerVolumeId) },
            { header: 'Provider status', cell: (v: UnmanagedVolume) => v.providerStatus },
            { header: 'First seen', cell: (v: UnmanagedVolume) => dateTime(v.firstSeenAt) },
            { header: 'Last seen', cell: (v: UnmanagedVolume) => dateTime(v.lastSeenAt) },
          ],
          data,
          { caption: 'Unmanaged volumes' },
        ),
      ),
    );
  } catch (err) {
    if (!ctx.signal.aborted) replace(area, errorNotice(err, { title: 'Could not load the unmanaged volumes' }));
  }
}
