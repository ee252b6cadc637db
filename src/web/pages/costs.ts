import type { CostReport } from '../../contract/costs.ts';
import { field, h, replace, select } from '../components/dom.ts';
import { emptyState, errorNotice, loading } from '../components/notice.ts';
import { dataTable } from '../components/table.ts';
import { dateTime, money } from '../format.ts';
import type { Page } from '../page.ts';

const GROUPS = [
  { value: 'vm', label: 'VM' },
  { value: 'resourceGroup', label: 'Resource group' },
  { value: 'provider', label: 'Provider' },
  { value: 'apiKey', label: 'API key' },
];

type Row = CostReport['rows'][number];

/** Spending over a date range, grouped by VM, resource group, provider or API key. */
export const costsPage: Page = (ctx) => {
  ctx.setTitle('Costs');
  const today = new Date();
  const monthAgo = new Date(today.getTime() - 30 * 86_400_000);
  const from = h('input', { type: 'date', required: true, value: isoDate(monthAgo) });
  const to = h('input', { type: 'date', required: true, value: isoDate(today) });
  const groupBy = select(GROUPS, 'vm');
  const results = h('div', { class: 'stack' });
  let generation = 0;

  const load = async () => {
    if (!from.value || !to.value) return;
    // Whole days in the user's time zone: from the start of `from` to the end of `to`.
    const start = new Date(`${from.value}T00:00:00`);
    const end = new Date(`${to.value}T00:00:00`);
    end.setDate(end.getDate() + 1);
    if (end <= start) {
      replace(results, errorNotice(new Error('The start date must not be after the end date.')));
      return;
    }
    const mine = ++generation;
    replace(results, loading('Adding up the costs…'));
    try {
      const { data } = await ctx.api.get<CostReport>(
        '/v1/costs',
        { from: start.toISOString(), to: end.toISOString(), groupBy: groupBy.value },
        ctx.signal,
      );
      if (!ctx.signal.aborted && mine === generation) render(data);
    } catch (err) {
      if (!ctx.signal.aborted && mine === generation)
        replace(results, errorNotice(err, { title: 'Could not load the costs', retry: () => void load() }));
    }
  };

  const render = (report: CostReport) => {
    const label = GROUPS.find((g) => g.value === report.groupBy)?.label ?? report.groupBy;
    replace(
      results,
      h('p', { class: 'hint' }, `${dateTime(report.from)} – ${dateTime(report.to)}`),
      h(
        'div',
        { class: 'totals', role: 'status' },
        report.total.length === 0
          ? h('div', { class: 'total' }, h('span', null, 'Total'), h('strong', null, money({ amount: 0, currency: 'usd' })))
          : report.total.map((t) =>
              h('div', { class: 'total' }, h('span', null, `Total ${t.currency.toUpperCase()}`), h('strong', null, money(t))),
            ),
      ),
      report.rows.length === 0
        ? emptyState('Nothing was billed in this period.')
        : dataTable(
            [
              {
                header: label,
                cell: (r: Row) => (report.groupBy === 'vm' ? h('a', { href: `/vms/${r.key}` }, r.label) : r.label),
              },
              { header: 'Hours', class: 'num', cell: (r: Row) => r.hours.toFixed(2) },
              { header: 'Cost', class: 'num', cell: (r: Row) => money({ amount: r.amount, currency: r.currency }) },
            ],
            report.rows,
            { caption: `Costs by ${label}` },
          ),
    );
  };

  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Cost report' },
    field('From', from),
    field('To', to),
    field('Group by', groupBy),
    h('div', { class: 'field' }, h('button', { type: 'submit', class: 'primary' }, 'Show')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  groupBy.addEventListener('change', () => void load());

  ctx.root.append(h('div', { class: 'page-head' }, h('h1', null, 'Costs')), form, results);
  void load();
};

/** `YYYY-MM-DD` in local time, as `<input type=date>` wants it. */
function isoDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
