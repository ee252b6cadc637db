import { type Command, InvalidArgumentError, Option } from 'commander';
import type { GpuVmDetails } from '../../contract/gpu-vm.ts';
import type { UpdateVmInput } from '../../contract/gpu-vm-requests.ts';
import { contextFor } from '../context.ts';
import { UsageError } from '../errors.ts';
import { positiveInt, positiveNumber } from '../options.ts';
import { resolveVmId } from '../resolve.ts';
import { limitsLine } from './gpu-render.ts';

interface LimitFlags {
  ttlHours?: number | 'none';
  ttlAction?: 'stop' | 'delete';
  idleMinutes?: number | 'none';
  idleAction?: 'stop' | 'delete';
}

/** `none` clears a limit; anything else must parse as the limit's number. (Commander turns a parsed null into ''.) */
function orNone(parse: (value: string) => number) {
  return (value: string): number | 'none' => {
    if (value.trim().toLowerCase() === 'none') return 'none';
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(`${error.message}, or none`);
      throw error;
    }
  };
}

/** `gpu limits`: set or clear the time limit and the idle rule of a VM that already exists. */
export function registerGpuLimitsCommand(gpu: Command): void {
  gpu
    .command('limits')
    .description("set or clear a GPU VM's time limit and idle rule (no flags: show them)")
    .argument('<vm>', 'id or name')
    .addOption(
      new Option('--ttl-hours <n|none>', 'stop or delete the VM this many hours from now').argParser(orNone(positiveNumber)),
    )
    .addOption(new Option('--ttl-action <action>', 'what the time limit does').choices(['stop', 'delete']))
    .addOption(
      new Option('--idle-minutes <n|none>', 'stop or delete the VM once its GPUs have been idle this long').argParser(
        orNone(positiveInt),
      ),
    )
    .addOption(new Option('--idle-action <action>', 'what the idle rule does').choices(['stop', 'delete']))
    .action(async (ref: string, flags: LimitFlags, cmd: Command) => {
      if (flags.ttlHours === 'none' && flags.ttlAction) throw new UsageError('--ttl-action cannot go with --ttl-hours none');
      if (flags.idleMinutes === 'none' && flags.idleAction)
        throw new UsageError('--idle-action cannot go with --idle-minutes none');
      const ctx = contextFor(cmd);
      const id = await resolveVmId(ctx.client, ref);
      const body: UpdateVmInput = {};
      if (flags.ttlHours !== undefined) body.ttlHours = flags.ttlHours === 'none' ? null : flags.ttlHours;
      if (flags.ttlAction !== undefined) body.ttlAction = flags.ttlAction;
      if (flags.idleMinutes !== undefined) body.idleMinutes = flags.idleMinutes === 'none' ? null : flags.idleMinutes;
      if (flags.idleAction !== undefined) body.idleAction = flags.idleAction;
      if (Object.keys(body).length === 0) {
        ctx.emit(await ctx.client.get<GpuVmDetails>(`/v1/resource/gpu/${id}`), limitsLine);
        return;
      }
      ctx.emit(await ctx.client.put<GpuVmDetails>(`/v1/resource/gpu/${id}`, body), limitsLine);
    });
}
