import type { Inventory } from '../../contract/catalog.ts';
import { pricePerHour, providerName } from '../format.ts';
import { field, h, option, replace, uid } from './dom.ts';
import { tag } from './status.ts';

type Series = Inventory['series'][number];
type Availability = Series['availability'][number];
type GpuCount = Availability['gpuCounts'][number];
export type PricedSku = GpuCount['availableSkus'][number];

export interface Selection {
  series: Series;
  availability: Availability;
  gpuCount: GpuCount;
  sku: PricedSku;
}

export interface PickerPreset {
  /** Series id or code. */
  series?: string | null;
  /** Datacenter id or code. */
  datacenter?: string | null;
  count?: number | null;
  sku?: string | null;
}

/**
 * Series → datacenter → GPU count → SKU, each list narrowed by the one before, from the live inventory.
 * The recommended SKU (the cheapest available) comes first and is preselected, as the API would choose it.
 */
export function inventoryPicker(inventory: Inventory, preset: PickerPreset, onChange: (selection: Selection | null) => void) {
  const orderable = inventory.series.filter((s) => s.availability.some((a) => a.gpuCounts.length > 0));
  const seriesSelect = h(
    'select',
    { name: 'series', required: true },
    inventory.series.map((s) =>
      option(s.id, orderable.includes(s) ? s.name : `${s.name} (no capacity)`, false, !orderable.includes(s)),
    ),
  );
  const datacenterSelect = h('select', { name: 'datacenter', required: true });
  const countSelect = h('select', { name: 'gpuCount', required: true });
  const skuGroupName = uid('sku');
  const skuList = h('div', { class: 'sku-list' });
  let current: Selection | null = null;

  const series = () => inventory.series.find((s) => s.id === seriesSelect.value);
  const availability = () => series()?.availability.find((a) => a.datacenterId === datacenterSelect.value);
  const gpuCount = () => availability()?.gpuCounts.find((c) => String(c.count) === countSelect.value);

  const fillDatacenters = (wanted?: string | null) => {
    const places = series()?.availability.filter((a) => a.gpuCounts.length > 0) ?? [];
    replace(
      datacenterSelect,
      places.map((a) => option(a.datacenterId, `${a.datacenterName} — from ${pricePerHour(cheapest(a))}`)),
    );
    const match = places.find((a) => a.datacenterId === wanted || a.datacenterCode === wanted);
    if (match) datacenterSelect.value = match.datacenterId;
  };
  const fillCounts = (wanted?: number | null) => {
    const counts = availability()?.gpuCounts ?? [];
    replace(
      countSelect,
      counts.map((c) => option(String(c.count), `${c.count} GPU${c.count === 1 ? '' : 's'} — ${pricePerHour(c.pricePerHour)}`)),
    );
    if (wanted && counts.some((c) => c.count === wanted)) countSelect.value = String(wanted);
  };
  const fillSkus = (wanted?: string | null) => {
    const count = gpuCount();
    const skus = count?.availableSkus ?? [];
    const chosen = skus.find((s) => s.skuCode === wanted) ?? skus[0];
    replace(
      skuList,
      skus.map((sku, i) => {
        const input = h('input', { type: 'radio', name: skuGroupName, value: sku.skuCode, checked: sku === chosen });
        input.addEventListener('change', emit);
        return h(
          'label',
          { class: 'sku' },
          input,
          h(
            'span',
            { class: 'sku-body' },
            h('span', { class: 'sku-title' }, sku.description || sku.skuCode, i === 0 ? tag('Recommended', 'good') : null),
            h(
              'span',
              { class: 'sku-specs' },
              `${providerName(sku.provider)} · ${sku.specs.vcpu} vCPU · ${sku.specs.memoryGiB} GiB RAM · ${sku.specs.storageGB} GB disk · `,
              h('code', { class: 'mono' }, sku.skuCode),
            ),
          ),
          h('span', { class: 'sku-price' }, pricePerHour(sku.pricePerHour)),
        );
      }),
    );
    if (skus.length === 0) skuList.append(h('p', { class: 'muted' }, 'No machine type is available for this choice.'));
  };
  function emit() {
    const s = series();
    const a = availability();
    const c = gpuCount();
    const code = skuList.querySelector<HTMLInputElement>('input[type=radio]:checked')?.value;
    const sku = c?.availableSkus.find((k) => k.skuCode === code);
    current = s && a && c && sku ? { series: s, availability: a, gpuCount: c, sku } : null;
    onChange(current);
  }

  seriesSelect.addEventListener('change', () => {
    fillDatacenters();
    fillCounts();
    fillSkus();
    emit();
  });
  datacenterSelect.addEventListener('change', () => {
    fillCounts(Number(countSelect.value));
    fillSkus();
    emit();
  });
  countSelect.addEventListener('change', () => {
    fillSkus();
    emit();
  });

  const presetSeries = orderable.find((s) => s.id === preset.series || s.code === preset.series) ?? orderable[0];
  if (presetSeries) seriesSelect.value = presetSeries.id;
  fillDatacenters(preset.datacenter);
  fillCounts(preset.count);
  fillSkus(preset.sku);

  const element = h(
    'div',
    { class: 'picker' },
    h(
      'div',
      { class: 'grid-3' },
      field('GPU series', seriesSelect),
      field('Datacenter', datacenterSelect),
      field('GPU count', countSelect),
    ),
    h('fieldset', { class: 'skus' }, h('legend', null, 'Machine type'), skuList),
  );
  // Report the initial choice once the caller has the element.
  queueMicrotask(emit);
  return { element, selection: () => current };
}

function cheapest(availability: Availability) {
  let best: GpuCount['pricePerHour'] = null;
  for (const count of availability.gpuCounts) {
    const price = count.pricePerHour;
    if (price && (!best || price.amount < best.amount)) best = price;
  }
  return best;
}
