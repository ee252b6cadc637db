import { type Command, Option } from 'commander';
import type { CostReport } from '../../contract/costs.ts';
import { contextFor } from '../context.ts';
import { renderTable } from '../format/table.ts';
import { formatMoney, formatTime } from '../format/values.ts';
import { isoDate } from '../options.ts';

export function registerCostCommand(program: Command): void {
  program
    .command('costs')
    .description('what GPU VMs cost over a period (default: the last 30 days)')
    .option('--from <date>', 'start (default: 30 days before --to)', isoDate)
    .option('--to <date>', 'end (default: now)', isoDate)
    .addOption(new Option('--by <grouping>', 'one row per').choices(['vm', 'resourceGroup', 'provider', 'apiKey']).default('vm'))
    .action(async (opts: { from?: string; to?: string; by: string }, cmd: Command) => {
      const ctx = contextFor(cmd);
      // The server fills in the period's defaults, so the CLI and other clients agree on them.
      const result = await ctx.client.get<CostReport>('/v1/costs', { from: opts.from, to: opts.to, groupBy: opts.by });
      ctx.emit(result, (report) => {
        const period = `${formatTime(report.from)} to ${formatTime(report.to)}`;
        const table =
          report.rows.length === 0
            ? 'No costs in this period.'
            : renderTable(report.rows, [
                { header: report.groupBy.toUpperCase(), value: (r) => r.label || r.key },
                { header: 'HOURS', value: (r) => r.hours.toFixed(1), align: 'right' },
                { header: 'AMOUNT', value: (r) => formatMoney({ amount: r.amount, currency: r.currency }), align: 'right' },
              ]);
        const total = report.total.map((t) => formatMoney(t)).join(' + ') || formatMoney({ amount: 0, currency: 'usd' });
        return `${period}\n\n${table}\n\nTotal: ${total}`;
      });
    });
}
