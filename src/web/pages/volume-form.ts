import type { ResourceGroupDetails } from '../../contract/resource-groups.ts';
import type { Volume, VolumeOption } from '../../contract/volumes.ts';
import { listAll } from '../api.ts';
import { field, h, option, replace } from '../components/dom.ts';
import { emptyState, errorNotice } from '../components/notice.ts';
import { datacenterWithProvider, providerName } from '../format.ts';
import type { PageContext } from '../page.ts';

/** What a datacenter's volumes can do, in words: where they attach, whether they grow, where they show up. */
export function capabilityText(option: VolumeOption): string {
  const attach = !option.attachToExisting
    ? 'attached only when a VM is ordered with it'
    : option.attachRequiresStopped
      ? 'attached to and detached from stopped VMs, or when a VM is ordered'
      : 'attached to and detached from running VMs, or when a VM is ordered';
  const grow = option.resize ? 'They can be grown' : 'They cannot be grown';
  return `${providerName(option.provider)} ${option.kind}s are ${attach}. ${grow}; up to ${option.maxPerInstance} per VM. On the machine: ${option.mountHint}.`;
}

/**
 * Creating a volume, driven by `/v1/resource/volumes/options`: the datacenter decides the types offered and
 * the size range, and the form says what its volumes can do.
 */
export function volumeForm(ctx: PageContext, options: VolumeOption[], onCreated: (volume: Volume) => Promise<void>): HTMLElement {
  if (options.length === 0) {
    return h(
      'section',
      { class: 'card', 'aria-label': 'Create a volume' },
      h('h2', null, 'Create a volume'),
      emptyState('No connected provider offers volumes, so none can be created here.'),
    );
  }
  const sorted = [...options].sort((a, b) => a.datacenter.name.localeCompare(b.datacenter.name));
  const name = h('input', { type: 'text', required: true, maxlength: 100, autocomplete: 'off', placeholder: 'e.g. datasets' });
  const datacenter = h(
    'select',
    { required: true },
    sorted.map((o) => option(o.datacenter.id, `${datacenterWithProvider(o.datacenter.name, o.provider)} — ${o.kind}`)),
  );
  const type = h('select', { required: true });
  const size = h('input', { type: 'number', required: true, step: 1 });
  const sizeHint = h('span');
  const group = h('select', null, option('', 'None'));
  const about = h('p', { class: 'hint', 'aria-live': 'polite' });
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create volume');

  const chosen = () => sorted.find((o) => o.datacenter.id === datacenter.value) ?? (sorted[0] as VolumeOption);
  const fill = () => {
    const o = chosen();
    replace(
      type,
      o.types.map((t, i) => option(t, i === 0 ? `${t} (default)` : t)),
    );
    size.min = String(o.minSizeGB);
    size.max = String(o.maxSizeGB);
    if (!size.value || Number(size.value) < o.minSizeGB || Number(size.value) > o.maxSizeGB)
      size.value = String(Math.max(o.minSizeGB, Math.min(100, o.maxSizeGB)));
    sizeHint.textContent = `Between ${o.minSizeGB} and ${o.maxSizeGB} GB in ${o.datacenter.name}.`;
    about.textContent = capabilityText(o);
  };
  datacenter.addEventListener('change', fill);
  fill();

  void listAll<ResourceGroupDetails>(ctx.api, '/v1/resource-groups', { sort: 'name:asc' }, ctx.signal)
    .then((groups) => group.append(...groups.map((g) => option(g.id, g.name))))
    .catch(() => {
      // Without the groups the volume is simply created in none.
    });

  const form = h(
    'form',
    { class: 'card form', 'aria-label': 'Create a volume' },
    h('h2', null, 'Create a volume'),
    h(
      'div',
      { class: 'grid-2' },
      field('Name', name),
      field('Datacenter', datacenter, 'A VM ordered with the volume is placed here.'),
      field('Type', type),
      field('Size (GB)', size, sizeHint),
      field('Resource group', group, 'Its storage cost counts in this group.'),
    ),
    about,
    status,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    submit.disabled = true;
    status.replaceChildren();
    try {
      const body: Record<string, unknown> = {
        name: name.value.trim(),
        sizeGB: Number(size.value),
        datacenterId: datacenter.value,
        type: type.value,
      };
      if (group.value) body.resourceGroupId = group.value;
      const { data } = await ctx.api.post<Volume>('/v1/resource/volumes', body);
      name.value = '';
      await onCreated(data);
    } catch (err) {
      status.replaceChildren(errorNotice(err, { title: 'Could not create the volume' }));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
