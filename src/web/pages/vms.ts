import type { PageMeta } from '../../contract/common.ts';
import type { GpuVmDetails } from '../../contract/gpu-vm.ts';
import type { ResourceGroupDetails } from '../../contract/resource-groups.ts';
import { listAll } from '../api.ts';
import { append, checkbox, debounce, field, h, mono, option, replace } from '../components/dom.ts';
import { concernsVms, liveRefresh } from '../components/live-events.ts';
import { describeError, emptyState, errorNotice, loading, notice } from '../components/notice.ts';
import { pagination } from '../components/pagination.ts';
import { staleSign, statusBadge } from '../components/status.ts';
import { type Column, dataTable } from '../components/table.ts';
import { datacenterLabel, gpuConfig, money, pricePerHour, providerName } from '../format.ts';
import type { Page } from '../page.ts';

const PAGE_SIZE = 20;
const POLL_MS = 3000;
/** While events arrive, a slow refresh only moves the accrued costs on. */
const LIVE_REFRESH_MS = 15_000;

interface Filters {
  page: number;
  search: string;
  group: string;
  destroyed: boolean;
}

/** The VM list: live (refreshed by the event stream, polled while it is lost), searchable, filterable, paginated by the API's `meta`. */
export const vmsPage: Page = (ctx) => {
  ctx.setTitle('GPU VMs');
  const filters: Filters = {
    page: Math.max(1, Number.parseInt(ctx.query.get('page') ?? '1', 10) || 1),
    search: ctx.query.get('search') ?? '',
    group: ctx.query.get('group') ?? '',
    destroyed: ctx.query.get('destroyed') === '1',
  };

  const search = h('input', { type: 'search', placeholder: 'Name contains…', value: filters.search, autocomplete: 'off' });
  const group = h('select', null, option('', 'All resource groups'));
  const destroyed = checkbox('Show destroyed', { checked: filters.destroyed });
  const errors = h('div', { 'aria-live': 'polite' });
  const results = h('div', { class: 'results' }, loading('Loading VMs…'));
  let shownError = '';

  append(ctx.root, [
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, 'GPU VMs'),
      h('a', { href: '/vms/new', class: 'button primary' }, 'Order a VM'),
    ),
    ctx.flash ? notice('success', ctx.flash) : null,
    h(
      'form',
      { class: 'filters', role: 'search', onsubmit: (e: Event) => e.preventDefault() },
      field('Search', search),
      field('Resource group', group),
      h('div', { class: 'field check-field' }, destroyed.row),
    ),
    errors,
    results,
  ]);

  const queryKey = () => JSON.stringify(filters);
  const syncUrl = () => {
    const params = new URLSearchParams();
    if (filters.page > 1) params.set('page', String(filters.page));
    if (filters.search) params.set('search', filters.search);
    if (filters.group) params.set('group', filters.group);
    if (filters.destroyed) params.set('destroyed', '1');
    const qs = params.toString();
    window.history.replaceState(null, '', `/vms${qs ? `?${qs}` : ''}`);
  };

  const load = async () => {
    const asked = queryKey();
    try {
      const result = await ctx.api.get<GpuVmDetails[]>(
        '/v1/resource/gpu',
        {
          page: filters.page,
          limit: PAGE_SIZE,
          search: filters.search || undefined,
          resourceGroupId: filters.group || undefined,
          includeDeleted: filters.destroyed || undefined,
        },
        ctx.signal,
      );
      // The filters changed while this answer was on its way: the next tick shows the right one.
      if (ctx.signal.aborted || asked !== queryKey()) return;
      shownError = '';
      errors.replaceChildren();
      renderList(result.data ?? [], result.meta);
    } catch (err) {
      if (ctx.signal.aborted) return;
      const info = describeError(err);
      const key = `${info.code}:${info.message}`;
      if (key !== shownError) {
        shownError = key;
        errors.replaceChildren(errorNotice(err, { title: 'Could not load the VMs', retry: () => poller.now() }));
      }
      if (results.querySelector('.loading')) results.replaceChildren();
    }
  };

  const renderList = (vms: GpuVmDetails[], meta: PageMeta | null) => {
    if (vms.length === 0) {
      const filtered = filters.search || filters.group;
      replace(
        results,
        filtered
          ? emptyState('No VMs match these filters.', h('button', { type: 'button', onclick: clearFilters }, 'Clear filters'))
          : emptyState('No GPU VMs yet.', h('a', { href: '/vms/new' }, 'Order your first VM')),
      );
      return;
    }
    replace(
      results,
      dataTable(COLUMNS, vms, { caption: 'GPU VMs', rowClass: (vm) => (vm.status === 'Destroyed' ? 'destroyed' : '') }),
      meta ? pagination(meta, ['VM', 'VMs'], goToPage) : null,
    );
  };

  const changed = () => {
    filters.page = 1;
    syncUrl();
    poller.now();
  };
  const goToPage = (page: number) => {
    filters.page = page;
    syncUrl();
    poller.now();
  };
  const clearFilters = () => {
    filters.search = '';
    filters.group = '';
    search.value = '';
    group.value = '';
    changed();
  };

  search.addEventListener(
    'input',
    debounce(() => {
      filters.search = search.value.trim();
      changed();
    }, 300),
  );
  group.addEventListener('change', () => {
    filters.group = group.value;
    changed();
  });
  destroyed.input.addEventListener('change', () => {
    filters.destroyed = destroyed.input.checked;
    changed();
  });

  const poller = liveRefresh(ctx.live, {
    refresh: load,
    concerns: concernsVms,
    pollMs: POLL_MS,
    liveMs: LIVE_REFRESH_MS,
    signal: ctx.signal,
  });
  void loadGroups(ctx.api, group, filters.group, ctx.signal);
};

async function loadGroups(api: Parameters<Page>[0]['api'], select: HTMLSelectElement, selected: string, signal: AbortSignal) {
  try {
    const groups = await listAll<ResourceGroupDetails>(api, '/v1/resource-groups', { sort: 'name:asc' }, signal);
    for (const g of groups) select.append(option(g.id, g.name, g.id === selected));
  } catch {
    // The filter is a convenience: without groups the list still works, and the list shows API errors itself.
    select.append(option('', '(resource groups unavailable)', false, true));
  }
}

const COLUMNS: Column<GpuVmDetails>[] = [
  {
    header: 'Name',
    cell: (vm) => h('a', { href: `/vms/${vm.id}`, class: 'strong' }, vm.name),
  },
  {
    header: 'Status',
    cell: (vm) =>
      h('span', { class: 'nowrap' }, h('span', { title: vm.statusReason ?? undefined }, statusBadge(vm.status)), staleSign(vm)),
  },
  { header: 'Provider', cell: (vm) => providerName(vm.provider) },
  { header: 'GPU', cell: (vm) => gpuConfig(vm) },
  { header: 'Datacenter', cell: (vm) => datacenterLabel(vm) },
  { header: 'IP', cell: (vm) => mono(vm.ip) },
  { header: 'Price', class: 'num', cell: (vm) => pricePerHour(vm.pricePerHour) },
  { header: 'Accrued', class: 'num', cell: (vm) => money(vm.accruedCost) },
];
