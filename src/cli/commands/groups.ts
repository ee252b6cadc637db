import { type Command, Option } from 'commander';
import type { ResourceGroupBudget, ResourceGroupDetails } from '../../contract/resource-groups.ts';
import { contextFor } from '../context.ts';
import { UsageError } from '../errors.ts';
import { renderTable } from '../format/table.ts';
import { dash, formatMoney } from '../format/values.ts';
import { nonNegativeNumber, percent, positiveInt } from '../options.ts';
import { resolveGroupId } from '../resolve.ts';

interface BudgetFlags {
  amount?: number;
  currency: string;
  warnAt: number;
  action: ResourceGroupBudget['action'];
  clear?: boolean;
}

export function registerGroupCommands(program: Command): void {
  const groups = program.command('groups').description('resource groups (teams) that GPU VMs belong to');

  groups
    .command('ls')
    .alias('list')
    .description('list resource groups')
    .option('--page <n>', 'page number', positiveInt, 1)
    .option('--limit <n>', 'rows per page (at most 100)', positiveInt, 100)
    .action(async (opts: { page: number; limit: number }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const result = await ctx.client.get<ResourceGroupDetails[]>('/v1/resource-groups', { page: opts.page, limit: opts.limit });
      ctx.emit(result, (rows) =>
        rows.length === 0
          ? 'No resource groups.'
          : renderTable(rows, [
              { header: 'ID', value: (g) => g.id },
              { header: 'NAME', value: (g) => g.name },
              { header: 'VMS', value: (g) => String(g.vmCount), align: 'right' },
              { header: 'BUDGET', value: (g) => budgetText(g.budget) },
              { header: 'DESCRIPTION', value: (g) => dash(g.description) },
            ]),
      );
    });

  groups
    .command('create')
    .description('create a resource group')
    .argument('<name>')
    .option('--description <text>')
    .action(async (name: string, opts: { description?: string }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const result = await ctx.client.post<ResourceGroupDetails>('/v1/resource-groups', { name, description: opts.description });
      ctx.emit(result, (g) => `Created resource group ${g.name} (${g.id}).`);
    });

  groups
    .command('rename')
    .description('rename a resource group')
    .argument('<group>', 'name or id')
    .argument('<new-name>')
    .action(async (ref: string, name: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveGroupId(ctx.client, ref);
      ctx.emit(await ctx.client.put<ResourceGroupDetails>(`/v1/resource-groups/${id}`, { name }), (g) => `Renamed to ${g.name}.`);
    });

  groups
    .command('rm')
    .alias('delete')
    .description('delete an empty resource group')
    .argument('<group>', 'name or id')
    .action(async (ref: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveGroupId(ctx.client, ref);
      await ctx.client.delete(`/v1/resource-groups/${id}`);
      ctx.emit({ data: { id, deleted: true }, meta: null }, () => `Deleted resource group ${ref}.`);
    });

  groups
    .command('budget')
    .description("set or clear a resource group's monthly budget")
    .argument('<group>', 'name or id')
    .addOption(new Option('--amount <n>', 'monthly amount').argParser(nonNegativeNumber))
    .option('--currency <code>', 'currency (ISO 4217)', 'usd')
    .option('--warn-at <percent>', 'warn when this share of the budget is spent', percent, 80)
    .addOption(
      new Option('--action <action>', 'what happens when the budget is spent')
        .choices(['stop', 'delete', 'refuse'])
        .default('refuse'),
    )
    .option('--clear', 'remove the budget')
    .action(async (ref: string, opts: BudgetFlags, cmd: Command) => {
      if (Boolean(opts.clear) === (opts.amount !== undefined))
        throw new UsageError('groups budget needs either --amount or --clear');
      const ctx = contextFor(cmd);
      const id = await resolveGroupId(ctx.client, ref);
      const budget: ResourceGroupBudget | null = opts.clear
        ? null
        : { monthlyAmount: opts.amount!, currency: opts.currency.toLowerCase(), warnAtPercent: opts.warnAt, action: opts.action };
      const result = await ctx.client.put<ResourceGroupDetails>(`/v1/resource-groups/${id}`, { budget });
      ctx.emit(result, (g) => `${g.name}: budget ${budgetText(g.budget)}.`);
    });
}

function budgetText(budget: ResourceGroupBudget | null): string {
  if (!budget) return 'none';
  const amount = formatMoney({ amount: budget.monthlyAmount, currency: budget.currency });
  return `${amount}/month, warn at ${budget.warnAtPercent}%, then ${budget.action}`;
}
