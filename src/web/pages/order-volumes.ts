import type { Inventory } from '../../contract/catalog.ts';
import type { Volume, VolumeOption } from '../../contract/volumes.ts';
import { h, replace } from '../components/dom.ts';
import { notice } from '../components/notice.ts';
import { datacenterWithProvider, providerName } from '../format.ts';

/** Where the chosen volumes put the VM: a volume cannot follow its VM elsewhere, so the VM goes to it. */
export interface VolumePin {
  datacenterId: string;
  datacenterName: string;
  names: string[];
}

/**
 * The order form's volumes: the Available, unattached ones, as checkboxes. Choosing one pins the VM to its
 * datacenter, so volumes elsewhere are disabled, and so is anything past the provider's limit per VM.
 */
export function volumeFields(
  volumes: Volume[],
  options: VolumeOption[],
  preset: string | null,
  onPin: (pin: VolumePin | null) => void,
) {
  const usable = volumes.filter((v) => v.status === 'Available' && v.attachedTo.length === 0);
  const boxes = usable.map((volume) => {
    const input = h('input', { type: 'checkbox', name: 'volume', value: volume.id, checked: volume.id === preset });
    const why = h('span', { class: 'hint' });
    const row = h(
      'label',
      { class: 'check' },
      input,
      ' ',
      `${volume.name} — ${volume.sizeGB} GB ${volume.type} in ${datacenterWithProvider(volume.datacenter.name, volume.provider)}`,
      ' ',
      why,
    );
    input.addEventListener('change', () => update());
    return { volume, input, why, row };
  });
  const pinNote = h('div', { 'aria-live': 'polite' });

  const chosen = () => boxes.filter((b) => b.input.checked).map((b) => b.volume);
  const pin = (): VolumePin | null => {
    const picked = chosen();
    const first = picked[0];
    return first
      ? { datacenterId: first.datacenter.id, datacenterName: first.datacenter.name, names: picked.map((v) => v.name) }
      : null;
  };
  const update = (quiet = false) => {
    const picked = chosen();
    const first = picked[0];
    const limit = first ? options.find((o) => o.datacenter.id === first.datacenter.id)?.maxPerInstance : undefined;
    for (const box of boxes) {
      let reason = '';
      if (!box.input.checked && first) {
        if (box.volume.datacenter.id !== first.datacenter.id) reason = `(in another datacenter than ${first.name})`;
        else if (limit !== undefined && picked.length >= limit)
          reason = `(a ${providerName(first.provider)} VM takes at most ${limit})`;
      }
      box.input.disabled = reason !== '';
      box.why.textContent = reason;
    }
    const current = pin();
    replace(
      pinNote,
      current
        ? notice(
            'info',
            `The VM is placed in ${current.datacenterName}: ${current.names.length === 1 ? `the volume ${current.names[0]} lives` : `the volumes ${current.names.join(', ')} live`} there, and a volume pins its VM to its datacenter.`,
          )
        : null,
    );
    if (!quiet) onPin(current);
  };

  const section = h(
    'fieldset',
    { class: 'volumes' },
    h('legend', null, 'Volumes'),
    boxes.length === 0
      ? h(
          'p',
          { class: 'hint' },
          'No volume is available to attach. ',
          h('a', { href: '/volumes' }, 'Create a volume'),
          ' to keep data past this VM.',
        )
      : [
          h('p', { class: 'hint' }, 'Attached when the VM is created; they keep their data after it is deleted.'),
          boxes.map((b) => h('div', null, b.row)),
        ],
    pinNote,
  );
  update(true);
  return { section, pin, volumeIds: () => chosen().map((v) => v.id) };
}

/**
 * The inventory of one datacenter only, and there only the machines that can take volumes (`takes`, from the
 * offers' `takesVolumes`; RunPod: Secure Cloud): what a VM pinned there by its volumes can be ordered as.
 * `hidden` counts the machine types left out for not taking volumes.
 */
export function narrowInventory(
  inventory: Inventory,
  datacenterId: string,
  takes: (skuCode: string) => boolean,
): { inventory: Inventory; hidden: number } {
  let hidden = 0;
  const series = inventory.series.map((s) => ({
    ...s,
    availability: s.availability
      .filter((a) => a.datacenterId === datacenterId)
      .map((a) => ({
        ...a,
        gpuCounts: a.gpuCounts
          .map((c) => {
            const availableSkus = c.availableSkus.filter((k) => takes(k.skuCode));
            hidden += c.availableSkus.length - availableSkus.length;
            return { ...c, availableSkus, pricePerHour: cheapest(availableSkus) };
          })
          .filter((c) => c.availableSkus.length > 0),
      })),
  }));
  return { inventory: { ...inventory, series }, hidden };
}

type Sku = Inventory['series'][number]['availability'][number]['gpuCounts'][number]['availableSkus'][number];

function cheapest(skus: Sku[]): Sku['pricePerHour'] {
  let best: Sku['pricePerHour'] = null;
  for (const sku of skus) if (sku.pricePerHour && (!best || sku.pricePerHour.amount < best.amount)) best = sku.pricePerHour;
  return best;
}
