import type { Command } from 'commander';
import type { PageMeta } from '../../contract/common.ts';
import type { GpuVmDetails, VmEvent } from '../../contract/gpu-vm.ts';
import { contextFor } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatData } from '../format/data.ts';
import { renderTable } from '../format/table.ts';
import { formatTime } from '../format/values.ts';
import { positiveInt } from '../options.ts';
import { resolveGroupId, resolveVmId } from '../resolve.ts';
import { registerGpuSshKeyCommand } from './gpu-credentials.ts';
import { registerGpuLifecycleCommands } from './gpu-lifecycle.ts';
import { registerGpuLimitsCommand } from './gpu-limits.ts';
import { registerGpuOrderCommand } from './gpu-order.ts';
import { staleFooter, vmDetails, vmTable } from './gpu-render.ts';
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
    .option('--watch [seconds]', 'stay and redraw the list whenever it changes (checked every 2 s, or as given); Ctrl-C ends')
    .action(
      async (
        opts: { all?: boolean; group?: string; search?: string; page: number; limit: number; watch?: boolean | string },
        cmd: Command,
      ) => {
        const ctx = contextFor(cmd);
        const resourceGroupId = opts.group ? await resolveGroupId(ctx.client, opts.group) : undefined;
        const render = async (): Promise<string> => {
          const result = await ctx.client.get<GpuVmDetails[]>('/v1/resource/gpu', {
            page: opts.page,
            limit: opts.limit,
            search: opts.search,
            resourceGroupId,
            includeDeleted: opts.all ? true : undefined,
          });
          if (ctx.config.json) {
            const data = result.meta ? { data: result.data, meta: result.meta } : result.data;
            return formatData(data, ctx.config.output === 'yaml' ? 'yaml' : 'json').trimEnd();
          }
          const vms = result.data;
          if (vms.length === 0) return 'No GPU VMs.';
          // A watched list is drawn again only when it changes: an age that grows every second would redraw it each time.
          const stale = staleFooter(vms, opts.watch === undefined ? Date.now() : undefined);
          return vmTable(vms, ctx.color, ctx.config.output === 'wide') + (stale ? `\n\n${stale}` : '') + pageFooter(result.meta);
        };
        if (opts.watch === undefined) {
          ctx.print(await render());
          return;
        }
        await watch(render, watchSeconds(opts.watch), ctx.print);
      },
    );

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

/** `--watch` alone checks every 2 s; `--watch 10` every 10 s. */
function watchSeconds(value: boolean | string): number {
  if (value === true) return 2;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0.2 || seconds > 3600) {
    throw new UsageError('--watch takes a number of seconds from 0.2 to 3600');
  }
  return seconds;
}

/**
 * Print the view, then again whenever it changes, until Ctrl-C. On a terminal the screen is redrawn; into a
 * pipe each change is appended under the time it was seen, so a log of changes is what a script reads.
 */
async function watch(render: () => Promise<string>, seconds: number, print: (text: string) => void): Promise<void> {
  const tty = process.stdout.isTTY === true;
  let stop = false;
  let wake: (() => void) | null = null;
  const onInterrupt = () => {
    stop = true;
    wake?.();
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  let last: string | null = null;
  try {
    while (!stop) {
      const view = await render().catch((error: unknown) => `(${error instanceof Error ? error.message : String(error)})`);
      if (view !== last) {
        const at = new Date().toLocaleTimeString(undefined, { hour12: false });
        if (tty) process.stdout.write('\x1b[2J\x1b[H');
        else if (last !== null) print('');
        print(`${tty ? `Every ${seconds}s · ` : ''}${at}\n${view}`);
        last = view;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, seconds * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('SIGTERM', onInterrupt);
  }
}
