import type { DatacenterInfo, Offer, SeriesInfo } from '../../contract/catalog.ts';
import { checkbox, debounce, field, h, option, replace, select } from '../components/dom.ts';
import { emptyState, errorNotice, loading } from '../components/notice.ts';
import { tag } from '../components/status.ts';
import { type Column, dataTable } from '../components/table.ts';
import { pricePerHour, providerName } from '../format.ts';
import type { Page } from '../page.ts';

/** Hundreds of offers are normal across three clouds: render them in slices so the page stays quick. */
const SHOW_STEP = 50;
const CONTAINER_NOTE = 'Containers run on a shared host: they cannot run Docker or change the kernel.';

/** Every orderable SKU across the connected clouds, ranked by the API (available first, then cheapest). */
export const offersPage: Page = (ctx) => {
  ctx.setTitle('Offers');
  const series = h('select', { name: 'series' }, option('', 'Any series'));
  const count = select([{ value: '', label: 'Any' }, ...[1, 2, 4, 8].map((n) => ({ value: String(n), label: String(n) }))], '', {
    name: 'gpuCount',
  });
  const country = h('select', { name: 'country' }, option('', 'Any country'));
  const provider = h('select', { name: 'provider' }, option('', 'Any provider'));
  const maxPrice = h('input', {
    type: 'number',
    name: 'maxPrice',
    min: '0',
    step: '0.01',
    placeholder: 'no limit',
    inputmode: 'decimal',
  });
  const spot = select(
    [
      { value: 'allow', label: 'Include spot' },
      { value: 'exclude', label: 'No spot' },
      { value: 'only', label: 'Spot only' },
    ],
    'allow',
    { name: 'spot' },
  );
  const vmsOnly = checkbox('VMs only (no containers)');
  const availableOnly = checkbox('Available now only');
  const summary = h('p', { class: 'hint', 'aria-live': 'polite' });
  const results = h('div', { class: 'stack' }, loading('Loading offers…'));
  let generation = 0;

  const load = async () => {
    const mine = ++generation;
    summary.textContent = 'Loading…';
    try {
      const { data } = await ctx.api.get<{ offers: Offer[]; ageSeconds: number } | Offer[]>(
        '/v1/offers',
        {
          seriesCode: series.value || undefined,
          gpuCount: count.value || undefined,
          countries: country.value || undefined,
          providers: provider.value || undefined,
          maxPricePerHour: Number(maxPrice.value) > 0 ? maxPrice.value : undefined,
          spot: spot.value,
          machineKinds: vmsOnly.input.checked ? 'vm' : undefined,
          availableOnly: availableOnly.input.checked || undefined,
        },
        ctx.signal,
      );
      // An older request answering after a newer one must not overwrite it.
      if (ctx.signal.aborted || mine !== generation) return;
      const offers = Array.isArray(data) ? data : (data?.offers ?? []);
      const age = Array.isArray(data) ? null : data?.ageSeconds;
      renderOffers(offers, age ?? null);
    } catch (err) {
      if (ctx.signal.aborted || mine !== generation) return;
      summary.textContent = '';
      replace(results, errorNotice(err, { title: 'Could not load the offers', retry: () => void load() }));
    }
  };

  const renderOffers = (offers: Offer[], ageSeconds: number | null) => {
    const providers = [...new Set(offers.map((o) => providerName(o.provider)))];
    summary.textContent =
      `${offers.length} offer${offers.length === 1 ? '' : 's'}` +
      (providers.length ? ` from ${providers.join(', ')}` : '') +
      (ageSeconds !== null ? ` · prices and availability ${Math.round(ageSeconds)} s old` : '');
    if (offers.length === 0) {
      replace(results, emptyState('No offer matches these filters. Widen them, or allow spot capacity.'));
      return;
    }
    const showUpTo = (limit: number) => {
      const shown = offers.slice(0, limit);
      replace(
        results,
        offers.some((o) => o.machineKind === 'container') ? h('p', { class: 'hint' }, '* ', CONTAINER_NOTE) : null,
        dataTable(COLUMNS, shown, { caption: 'Offers', rowClass: (o) => (o.available ? '' : 'unavailable') }),
        offers.length > limit
          ? h(
              'p',
              { class: 'more' },
              `Showing ${limit} of ${offers.length}. `,
              h(
                'button',
                { type: 'button', onclick: () => showUpTo(limit + SHOW_STEP) },
                `Show ${Math.min(SHOW_STEP, offers.length - limit)} more`,
              ),
            )
          : null,
      );
    };
    showUpTo(SHOW_STEP);
  };

  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Offer filters', onsubmit: (e: Event) => e.preventDefault() },
    field('Series', series),
    field('GPU count', count),
    field('Country', country),
    field('Provider', provider),
    field('Max price per hour', maxPrice),
    field('Spot', spot),
    h('div', { class: 'field check-field' }, vmsOnly.row, availableOnly.row),
  );
  form.addEventListener('change', () => void load());
  maxPrice.addEventListener(
    'input',
    debounce(() => void load(), 400),
  );

  ctx.root.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Offers')),
    h('p', { class: 'muted' }, 'Compare GPU capacity across clouds. Order opens the order form with the offer chosen.'),
    form,
    summary,
    results,
  );
  void load();
  void fillFilterChoices(ctx, series, country, provider);
};

async function fillFilterChoices(
  ctx: Parameters<Page>[0],
  series: HTMLSelectElement,
  country: HTMLSelectElement,
  provider: HTMLSelectElement,
) {
  try {
    const [seriesList, datacenters] = await Promise.all([
      ctx.api.get<SeriesInfo[]>('/v1/resource/gpu/series', undefined, ctx.signal).then((r) => r.data ?? []),
      ctx.api.get<DatacenterInfo[]>('/v1/resource/data-centers', undefined, ctx.signal).then((r) => r.data ?? []),
    ]);
    for (const s of seriesList) series.append(option(s.code, s.name));
    const countries = new Map(datacenters.map((d) => [d.countryAbbr, d.country]));
    for (const [abbr, name] of [...countries].sort((a, b) => a[1].localeCompare(b[1])))
      country.append(option(abbr, `${name} (${abbr})`));
    for (const id of [...new Set(datacenters.map((d) => d.provider))].sort()) provider.append(option(id, providerName(id)));
  } catch {
    // The filters only narrow the list; the offers themselves show any API error.
  }
}

const COLUMNS: Column<Offer>[] = [
  { header: 'Provider', cell: (o) => h('strong', null, providerName(o.provider)) },
  {
    header: 'GPU',
    cell: (o) => [
      h(
        'span',
        { class: 'nowrap' },
        `${o.gpuCount}× ${o.gpu.model} ${o.gpu.memoryGiB} GB`,
        o.gpu.interconnect ? ` ${o.gpu.interconnect}` : '',
      ),
      h('div', { class: 'hint' }, `${o.specs.vcpu} vCPU · ${o.specs.memoryGiB} GiB RAM · ${o.specs.storageGB} GB disk`),
    ],
  },
  { header: 'Provider type', cell: (o) => h('code', { class: 'mono small-text', title: o.description }, o.providerSkuName) },
  { header: 'Datacenter', cell: (o) => o.datacenter.name },
  {
    header: 'Kind',
    cell: (o) => (o.machineKind === 'container' ? h('span', { title: CONTAINER_NOTE }, tag('Container *', 'warn')) : tag('VM')),
  },
  { header: 'Spot', cell: (o) => (o.spot ? tag('Spot', 'warn') : h('span', { class: 'muted' }, 'On-demand')) },
  { header: 'Price', class: 'num', cell: (o) => pricePerHour(o.pricePerHour) },
  {
    header: 'Availability',
    cell: (o) => (o.available ? tag('Available', 'good') : h('span', { class: 'muted' }, 'No capacity')),
  },
  {
    header: '',
    cell: (o) =>
      o.available && !o.unmapped
        ? h(
            'a',
            {
              href: orderLink(o),
              class: 'button small',
              'aria-label': `Order ${o.gpuCount}× ${o.gpu.model} at ${providerName(o.provider)} ${o.datacenter.name}`,
            },
            'Order',
          )
        : null,
  },
];

function orderLink(o: Offer): string {
  const params = new URLSearchParams({
    series: o.series.code,
    datacenter: o.datacenter.id,
    count: String(o.gpuCount),
    sku: o.skuCode,
  });
  if (o.spot) params.set('spot', '1');
  return `/vms/new?${params}`;
}
