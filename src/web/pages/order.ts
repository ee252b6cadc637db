import type { Inventory, Offer } from '../../contract/catalog.ts';
import type { GpuVmDetails, Job } from '../../contract/gpu-vm.ts';
import type { ImageInfo } from '../../contract/images.ts';
import type { ResourceGroupDetails } from '../../contract/resource-groups.ts';
import type { SshKey } from '../../contract/ssh-keys.ts';
import type { StartupScript } from '../../contract/startup-scripts.ts';
import type { Volume, VolumeOption } from '../../contract/volumes.ts';
import { ApiError, listAll } from '../api.ts';
import { checkbox, field, h, option, replace, select } from '../components/dom.ts';
import { inventoryPicker, type Selection } from '../components/inventory-picker.ts';
import { emptyState, errorNotice, loading, notice } from '../components/notice.ts';
import { ago, pricePerHour, providerName } from '../format.ts';
import { randomUuid } from '../ids.ts';
import type { Page, PageContext } from '../page.ts';
import { narrowInventory, volumeFields } from './order-volumes.ts';
import { workloadFields } from './order-workload.ts';

/** Order a GPU VM from the live inventory, then hand over to the VM page that follows the create job. */
export const orderPage: Page = (ctx) => {
  ctx.setTitle('Order a GPU VM');
  const body = h('div', null, loading('Loading the inventory, SSH keys and resource groups…'));
  ctx.root.append(h('div', { class: 'page-head' }, h('h1', null, 'Order a GPU VM')), body);

  const load = async () => {
    try {
      const [inventory, keys, groups, images, scripts, volumes, volumeOptions, offers] = await Promise.all([
        ctx.api.get<Inventory>('/v1/resource/gpu/inventory', undefined, ctx.signal).then((r) => r.data),
        listAll<SshKey>(ctx.api, '/v1/resource/ssh-keys', { sort: 'name:asc' }, ctx.signal),
        listAll<ResourceGroupDetails>(ctx.api, '/v1/resource-groups', { sort: 'name:asc' }, ctx.signal),
        listAll<ImageInfo>(ctx.api, '/v1/resource/gpu/images', {}, ctx.signal),
        listAll<StartupScript>(ctx.api, '/v1/resource/startup-scripts', { sort: 'name:asc' }, ctx.signal),
        listAll<Volume>(ctx.api, '/v1/resource/volumes', { sort: 'name:asc' }, ctx.signal),
        ctx.api.get<VolumeOption[]>('/v1/resource/volumes/options', undefined, ctx.signal).then((r) => r.data ?? []),
        ctx.api.get<{ offers: Offer[] }>('/v1/offers', undefined, ctx.signal).then((r) => r.data?.offers ?? []),
      ]);
      // Which machines can take volumes, per datacenter: a volume's VM is ordered only on one of them.
      const takesVolumes = new Set(offers.filter((o) => o.takesVolumes).map((o) => `${o.datacenter.id}|${o.skuCode}`));
      if (!ctx.signal.aborted)
        renderForm(ctx, body, inventory, keys, groups, {
          images,
          scripts,
          volumes,
          volumeOptions,
          takesVolumes,
        });
    } catch (err) {
      if (!ctx.signal.aborted)
        replace(body, errorNotice(err, { title: 'Could not load the order form', retry: () => void load() }));
    }
  };
  void load();
};

function renderForm(
  ctx: PageContext,
  body: HTMLElement,
  inventory: Inventory,
  keys: SshKey[],
  groups: ResourceGroupDetails[],
  library: {
    images: ImageInfo[];
    scripts: StartupScript[];
    volumes: Volume[];
    volumeOptions: VolumeOption[];
    takesVolumes: Set<string>;
  },
): void {
  const name = h('input', {
    type: 'text',
    name: 'name',
    required: true,
    maxlength: 63,
    pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{0,62}',
    title: '1–63 letters, digits, -, _ and ., starting with a letter or digit',
    autocomplete: 'off',
    placeholder: 'e.g. training-01',
  });
  const sshKey = h('select', { name: 'sshKey', required: true });
  if (keys.length === 0) sshKey.append(option('', 'No SSH key yet', true, true));
  for (const key of keys)
    sshKey.append(option(key.id, `${key.name}${key.isDefault ? ' (default)' : ''} — ${key.algorithmDisplayName}`, key.isDefault));
  // A key pair made for this VM alone may be its only way in: then no library key is needed.
  const generateKey = checkbox('Generate a key pair for this VM', { name: 'generateSshKey' });
  const onlyGenerated = option('', 'None: only the generated key pair', false, true);
  if (keys.length > 0) sshKey.append(onlyGenerated);
  generateKey.input.addEventListener('change', () => {
    const generating = generateKey.input.checked;
    sshKey.required = !generating;
    onlyGenerated.disabled = !generating;
    if (!generating && sshKey.value === '' && keys.length > 0) sshKey.value = (keys.find((k) => k.isDefault) ?? keys[0])!.id;
    updateSummary();
  });
  const image = select(
    library.images.map((i) => ({ value: i.name, label: `${i.name} — ${i.providers.join(', ')}` })),
    'ubuntu-24.04',
    { name: 'image' },
  );
  const workload = workloadFields(library.scripts);
  // A volume pins the VM to its datacenter: choosing one narrows the machine picker to that datacenter.
  let latest = inventory;
  const volumes = volumeFields(library.volumes, library.volumeOptions, ctx.query.get('volume'), () => showPicker(latest));
  const group = h(
    'select',
    { name: 'resourceGroup' },
    option('', 'None'),
    groups.map((g) => option(g.id, g.name)),
  );
  const username = h('input', {
    type: 'text',
    name: 'username',
    pattern: '[a-zA-Z_][a-zA-Z0-9_\\-]{2,19}',
    placeholder: 'image default',
  });
  // The offers page links spot offers here with `spot=1`: the inventory lists on-demand machines only,
  // so a spot order names its SKU from the link, or leaves the choice of spot machine to the server.
  const preset = { sku: ctx.query.get('sku'), spot: ctx.query.get('spot') === '1' };
  const spot = checkbox('Spot capacity (cheaper, may be interrupted by the provider)', { checked: preset.spot });
  spot.input.addEventListener('change', () => updateSummary());
  const ttlHours = h('input', { type: 'number', name: 'ttlHours', min: '0.1', step: '0.1', placeholder: 'no limit' });
  const ttlAction = select(
    [
      { value: 'stop', label: 'Stop the VM' },
      { value: 'delete', label: 'Delete the VM' },
    ],
    'stop',
    { name: 'ttlAction' },
  );
  const idleMinutes = h('input', { type: 'number', name: 'idleMinutes', min: '5', step: '1', placeholder: 'never' });
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Order VM');
  const pickerArea = h('div');
  let selection: Selection | null = null;

  const updateSummary = () => {
    submit.disabled = selection === null || (keys.length === 0 && !generateKey.input.checked);
    if (!selection) {
      summary.textContent = 'Choose a series, datacenter and GPU count with capacity.';
    } else if (spot.input.checked) {
      summary.textContent = `${selection.gpuCount.count}× ${selection.series.name} at ${selection.availability.datacenterName}, spot: ${
        spotSku() ?? 'the cheapest spot machine of this choice'
      }. It may be interrupted by the provider.`;
    } else {
      summary.textContent = `${selection.gpuCount.count}× ${selection.series.name} at ${selection.availability.datacenterName} on ${providerName(selection.sku.provider)}: ${pricePerHour(selection.sku.pricePerHour)}`;
    }
  };
  /** The spot SKU named by the offers link, while the form still shows the series, place and count it belongs to. */
  const spotSku = (): string | null => {
    if (!preset.spot || !preset.sku || !selection) return null;
    const sameSeries = [selection.series.id, selection.series.code].includes(ctx.query.get('series') ?? '');
    const samePlace = selection.availability.datacenterId === ctx.query.get('datacenter');
    return sameSeries && samePlace && String(selection.gpuCount.count) === ctx.query.get('count') ? preset.sku : null;
  };
  const showPicker = (fresh: Inventory) => {
    latest = fresh;
    const pin = volumes.pin();
    const narrowed = pin
      ? narrowInventory(fresh, pin.datacenterId, (sku) => library.takesVolumes.has(`${pin.datacenterId}|${sku}`))
      : null;
    const data = narrowed?.inventory ?? fresh;
    const noCapacity = !data.series.some((s) => s.availability.some((a) => a.gpuCounts.length > 0));
    const previous = selection;
    selection = null;
    const linkedSkuGone = previous === null && !preset.spot && preset.sku !== null && !inventoryHasSku(data, preset.sku);
    replace(
      pickerArea,
      linkedSkuGone
        ? notice(
            'info',
            `The machine you chose (${preset.sku}) is not available any more; the closest available one is selected.`,
          )
        : null,
      data.error ? notice('warning', `Some providers could not be reached (${data.error.code}): ${data.error.message}`) : null,
      pin && narrowed && narrowed.hidden > 0
        ? h(
            'p',
            { class: 'hint' },
            `Only machines that can take volumes are offered in ${pin.datacenterName}; ${narrowed.hidden} other machine type${narrowed.hidden === 1 ? '' : 's'} there cannot.`,
          )
        : null,
      h(
        'p',
        { class: 'hint' },
        `Availability as of ${ago(new Date(Date.now() - data.ageSeconds * 1000).toISOString())}. `,
        h('button', { type: 'button', class: 'link', onclick: () => void refreshInventory() }, 'Refresh'),
      ),
      noCapacity
        ? emptyState(
            pin
              ? `No GPU capacity is available in ${pin.datacenterName} right now, where the chosen volumes pin the VM.`
              : 'No GPU capacity is available right now at any connected provider.',
          )
        : inventoryPicker(
            data,
            {
              series: previous?.series.id ?? ctx.query.get('series'),
              datacenter: pin?.datacenterId ?? previous?.availability.datacenterId ?? ctx.query.get('datacenter'),
              count: previous?.gpuCount.count ?? (Number(ctx.query.get('count')) || null),
              sku: previous?.sku.skuCode ?? ctx.query.get('sku'),
            },
            (s) => {
              selection = s;
              updateSummary();
            },
          ).element,
    );
    updateSummary();
  };
  const refreshInventory = async () => {
    try {
      const { data } = await ctx.api.get<Inventory>('/v1/resource/gpu/inventory', undefined, ctx.signal);
      if (!ctx.signal.aborted) showPicker(data);
    } catch (err) {
      if (!ctx.signal.aborted) status.replaceChildren(errorNotice(err, { title: 'Could not refresh the inventory' }));
    }
  };

  const form = h(
    'form',
    { class: 'card form', 'aria-label': 'Order a GPU VM' },
    h('h2', null, 'Machine'),
    pickerArea,
    volumes.section,
    h('h2', null, 'Access and placement'),
    h(
      'div',
      { class: 'grid-2' },
      field('Name', name),
      field(
        'SSH key',
        sshKey,
        keys.length === 0
          ? h(
              'span',
              { class: 'warn-text' },
              'You have no SSH key yet. ',
              h('a', { href: '/keys' }, 'Add an SSH key'),
              ' first, or generate a key pair for this VM.',
            )
          : h('span', null, 'Its public part is installed on the VM. ', h('a', { href: '/keys' }, 'Add an SSH key')),
      ),
      h(
        'div',
        { class: 'field check-field' },
        generateKey.row,
        h(
          'div',
          { class: 'hint' },
          'Installed beside the chosen SSH key. The server keeps the private key sealed; download it from the VM page until the VM is deleted, when it is wiped.',
        ),
      ),
      field('Image', image),
      field('Resource group', group),
    ),
    workload.section,
    h(
      'details',
      { class: 'advanced', open: preset.spot },
      h('summary', null, 'Advanced: spot, time limit, idle stop, username'),
      h(
        'div',
        { class: 'grid-2' },
        h('div', { class: 'field check-field' }, spot.row),
        field('Username', username, '3–20 characters; the image default when empty.'),
        field('Time limit (hours)', ttlHours, 'Stops or deletes the VM after this long.'),
        field('When the time is up', ttlAction),
        field(
          'Stop when idle (minutes)',
          idleMinutes,
          'Stops the VM once its GPUs have been idle this long. Only providers that report GPU use qualify; the order says so otherwise.',
        ),
      ),
    ),
    summary,
    status,
    h('div', { class: 'actions' }, h('a', { href: '/vms', class: 'button' }, 'Cancel'), submit),
  );

  // One key per submission: a double click or a retry after a lost answer repeats the same key, so the
  // server answers with the first order instead of placing a second one. Editing the form, or a clear
  // refusal from the server (nothing was ordered), starts afresh.
  let idempotencyKey: string | null = null;
  let submitting = false;
  form.addEventListener('input', () => {
    if (!submitting) idempotencyKey = null;
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submitting || !selection) return;
    if (!form.reportValidity()) return;
    submitting = true;
    submit.disabled = true;
    submit.textContent = 'Ordering…';
    status.replaceChildren();
    idempotencyKey ??= randomUuid();
    const order: Record<string, unknown> = {
      name: name.value.trim(),
      seriesId: selection.series.id,
      datacenterId: selection.availability.datacenterId,
      gpuCount: selection.gpuCount.count,
      skuCode: selection.sku.skuCode,
      imageName: image.value,
    };
    if (sshKey.value) order.sshKeyId = sshKey.value;
    if (generateKey.input.checked) order.generateSshKey = true;
    if (group.value) order.resourceGroupId = group.value;
    const volumeIds = volumes.volumeIds();
    if (volumeIds.length > 0) order.volumeIds = volumeIds;
    if (username.value.trim()) order.username = username.value.trim();
    if (spot.input.checked) {
      order.spot = true;
      const sku = spotSku();
      if (sku) order.skuCode = sku;
      else delete order.skuCode;
    }
    if (ttlHours.value) {
      order.ttlHours = Number(ttlHours.value);
      order.ttlAction = ttlAction.value;
    }
    if (idleMinutes.value) order.idleMinutes = Number(idleMinutes.value);
    const fields = workload.read();
    if (typeof fields === 'string') {
      submitting = false;
      submit.textContent = 'Order VM';
      updateSummary();
      status.replaceChildren(notice('warning', fields));
      return;
    }
    Object.assign(order, fields);
    // A container image takes the place of the OS image.
    if (fields.containerImage !== undefined) delete order.imageName;
    try {
      const { data, message } = await ctx.api.post<Job & { vm: GpuVmDetails }>('/v1/resource/gpu', order, {
        'Idempotency-Key': idempotencyKey,
      });
      const flash = message || 'Order accepted.';
      ctx.navigate(`/vms/${data.vm.id}?job=${data.jobId}`, {
        flash: data.vm.hasStoredCredentials ? `${flash} Download the generated private key from this page.` : flash,
      });
    } catch (err) {
      submitting = false;
      submit.textContent = 'Order VM';
      updateSummary();
      // Status 0: the answer was lost, the order may exist; keep the key so a retry cannot order twice.
      if (!(err instanceof ApiError && err.status === 0)) idempotencyKey = null;
      if (err instanceof ApiError && err.code === 'INVENTORY_DEPLETED') {
        status.replaceChildren(
          errorNotice(err, { title: 'That machine is no longer available there' }),
          notice('info', 'The inventory below has been refreshed: choose again and resubmit.'),
        );
        await refreshInventory();
      } else {
        status.replaceChildren(errorNotice(err, { title: 'The order was refused', labels: ORDER_FIELD_LABELS }));
      }
    }
  });

  showPicker(inventory);
  replace(body, form);
}

function inventoryHasSku(inventory: Inventory, skuCode: string): boolean {
  return inventory.series.some((s) =>
    s.availability.some((a) => a.gpuCounts.some((c) => c.availableSkus.some((k) => k.skuCode === skuCode))),
  );
}

/** The order's request fields as the form labels them, so a refusal names what the person filled in. */
const ORDER_FIELD_LABELS: Readonly<Record<string, string>> = {
  name: 'Name',
  gpuCount: 'GPUs',
  imageName: 'Image',
  resourceGroupId: 'Resource group',
  username: 'Username',
  ttlHours: 'Time limit (hours)',
  ttlAction: 'When the time is up',
  idleMinutes: 'Stop when idle (minutes)',
  idleAction: 'Stop when idle (minutes)',
  containerImage: 'Container image',
  templateId: 'Template',
  startupScriptId: 'Startup script',
  startupScript: 'Script',
  env: 'Environment',
  secretEnv: 'Secret environment',
  ports: 'Ports to expose',
  volumeIds: 'Volumes',
  sshKeyId: 'SSH key',
  generateSshKey: 'Generate a key pair for this VM',
};
