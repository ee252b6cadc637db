import type { Command } from 'commander';
import type { GpuVmDetails, PageMeta, VmEvent } from '../../services/types.ts';
import { contextFor } from '../context.ts';
import { renderTable } from '../format/table.ts';
import { formatTime } from '../format/values.ts';
import { positiveInt } from '../options.ts';
import { resolveGroupId, resolveVmId } from '../resolve.ts';
import { registerGpuSshKeyCommand } from './gpu-credentials.ts';
import { registerGpuLifecycleCommands } from './gpu-lifecycle.ts';
import { registerGpuLimitsCommand } from './gpu-limits.ts';
import { registerGpuOrderCommand } from './gpu-order.ts';
import { sshCommand, vmDetails, vmTable } from './gpu-render.ts';
import { registerGpuSshCommand } from './gpu-ssh.ts';
import { registerGpuVolumeCommands } from './gpu-volumes.ts';

export function registerGpuCommands(program: Command): void {
  const gpu = program.command('gpu').description('GPU virtual machines');

  gpu
    .command('ls')
    .alias('list')
    .description('list GPU VMs')
    .option('--all', 'include destroyed VMs')
    .option('--group <group>', 'only this resource group (name or id)')
    .option('--search <text>', 'only names containing this text')
    .option('--page <n>', 'page number', positiveInt, 1)
    .option('--limit <n>', 'rows per page (at most 100)', positiveInt, 50)
    .action(async (opts: { all?: boolean; group?: string; search?: string; page: number; limit: number }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const resourceGroupId = opts.group ? await resolveGroupId(ctx.client, opts.group) : undefined;
      const result = await ctx.client.get<GpuVmDetails[]>('/v1/resource/gpu', {
        page: opts.page,
        limit: opts.limit,
        search: opts.search,
        resourceGroupId,
        includeDeleted: opts.all ? true : undefined,
      });
      ctx.emit(result, (vms) =>
        vms.length === 0 ? 'No GPU VMs.' : vmTable(vms, ctx.color, ctx.config.output === 'wide') + pageFooter(result.meta),
      );
    });

  gpu
    .command('get')
    .description('show one GPU VM')
    .argument('<vm>', 'id or name')
    .action(async (ref: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveVmId(ctx.client, ref);
      ctx.emit(await ctx.client.get<GpuVmDetails>(`/v1/resource/gpu/${id}`), (vm) => vmDetails(vm, ctx.color));
    });

  gpu
    .command('rename')
    .description('rename a GPU VM')
    .argument('<vm>', 'id or name')
    .argument('<new-name>')
    .action(async (ref: string, name: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveVmId(ctx.client, ref);
      ctx.emit(await ctx.client.put<GpuVmDetails>(`/v1/resource/gpu/${id}`, { name }), (vm) => `Renamed ${vm.id} to ${vm.name}.`);
    });

  gpu
    .command('move')
    .description('move a GPU VM to another resource group')
    .argument('<vm>', 'id or name')
    .argument('<group>', 'resource group name or id')
    .action(async (ref: string, group: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveVmId(ctx.client, ref);
      const resourceGroupId = await resolveGroupId(ctx.client, group);
      ctx.emit(
        await ctx.client.put<GpuVmDetails>(`/v1/resource/gpu/${id}`, { resourceGroupId }),
        (vm) => `Moved ${vm.name} to ${vm.resourceGroupName ?? resourceGroupId}.`,
      );
    });

  gpu
    .command('history')
    .description("a GPU VM's events, oldest first")
    .argument('<vm>', 'id or name')
    .action(async (ref: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveVmId(ctx.client, ref);
      ctx.emit(await ctx.client.get<VmEvent[]>(`/v1/resource/gpu/${id}/history`), (events) =>
        events.length === 0
          ? 'No events.'
          : renderTable(events, [
              { header: 'AT', value: (e) => formatTime(e.at) },
              { header: 'KIND', value: (e) => e.kind },
              { header: 'MESSAGE', value: (e) => e.message },
            ]),
      );
    });

  registerGpuSshCommand(gpu);
  registerGpuOrderCommand(gpu);
  registerGpuSshKeyCommand(gpu);
  registerGpuLifecycleCommands(gpu);
  registerGpuLimitsCommand(gpu);
  registerGpuVolumeCommands(gpu);
}

function pageFooter(meta: PageMeta | null): string {
  if (!meta || meta.totalPages <= 1) return '';
  const next = meta.hasNextPage ? `; --page ${meta.page + 1} for more` : '';
  return `\n\npage ${meta.page} of ${meta.totalPages} (${meta.total} VMs)${next}`;
}
