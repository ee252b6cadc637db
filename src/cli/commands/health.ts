import type { Command } from 'commander';
import type { HealthReport } from '../../contract/health.ts';
import { contextFor } from '../context.ts';
import { paint } from '../format/colors.ts';
import { renderFields, renderTable } from '../format/table.ts';
import { formatTime } from '../format/values.ts';

export function registerHealthCommand(program: Command): void {
  program
    .command('health')
    .description("the server's state and each provider account's health")
    .action(async (_opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      ctx.emit(await ctx.client.get<HealthReport>('/healthz'), (report) => {
        const ok = (value: string) => paint(value, value === 'ok' ? 'green' : 'red', ctx.color);
        const summary = renderFields([
          ['Server', `${ctx.config.url} (${ok(report.status)})`],
          ['Version', report.version],
          ['Mode', report.mode],
          ['Database', report.database],
        ]);
        const accounts = report.accounts ?? [];
        if (accounts.length === 0) return `${summary}\n\nNo provider accounts.`;
        const table = renderTable(accounts, [
          { header: 'ACCOUNT', value: (a) => a.name },
          { header: 'PROVIDER', value: (a) => a.provider },
          { header: 'HEALTH', value: (a) => ok(a.health) },
          { header: 'SYNCED', value: (a) => formatTime(a.lastSyncedAt) },
        ]);
        return `${summary}\n\n${table}`;
      });
    });
}
