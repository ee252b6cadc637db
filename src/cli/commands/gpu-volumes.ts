import type { Command } from 'commander';
import type { Volume } from '../../contract/volumes.ts';
import { contextFor } from '../context.ts';
import { resolveVmId, resolveVolumeId } from '../resolve.ts';
import { hinted, waitForVolume } from './volumes.ts';

/** The next step for the API's refusals of an attach or detach. */
const ATTACH_HINTS = (vm: string, volume: string): Record<string, string> => ({
  VM_NOT_STOPPED: `stop it first: \`gpufleet gpu stop ${vm} --wait\`, then try again`,
  ATTACH_UNSUPPORTED: `order a VM with the volume instead: \`gpufleet gpu order … --volume ${volume}\``,
  VOLUME_NOT_READY: `wait until it is Available: \`gpufleet volumes show ${volume}\``,
  VOLUME_IN_USE: '`gpufleet volumes show` names the VM that has it; detach it there first',
  VOLUME_ELSEWHERE: 'a volume attaches only to VMs in its own datacenter (`gpufleet volumes ls` shows where each lives)',
  TOO_MANY_VOLUMES: 'detach another volume from the VM first',
});

export function registerGpuVolumeCommands(gpu: Command): void {
  gpu
    .command('attach')
    .description('attach a volume to a GPU VM (where the provider attaches to existing machines)')
    .argument('<vm>', 'id or name')
    .argument('<volume>', 'volume name or id')
    .option('--wait', 'wait until the provider has attached it')
    .action(async (vmRef: string, volumeRef: string, opts: { wait?: boolean }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const [vmId, volumeId] = [await resolveVmId(ctx.client, vmRef), await resolveVolumeId(ctx.client, volumeRef)];
      const { data } = await ctx.client.post<Volume>(`/v1/resource/gpu/${vmId}/volumes`, { volumeId }).catch((err: unknown) => {
        throw hinted(err, ATTACH_HINTS(vmRef, volumeRef));
      });
      const volume = opts.wait ? await waitForVolume(ctx, data, `Attaching ${data.name} to ${vmRef}`) : data;
      ctx.emit({ data: volume, meta: null }, (v) =>
        [`${v.status === 'Attaching' ? 'Attaching' : 'Attached'} ${v.name} to ${vmRef} (${v.status}).`, mountLine(v)]
          .filter(Boolean)
          .join('\n'),
      );
    });

  gpu
    .command('detach')
    .description('detach a volume from a GPU VM (the volume and its data are kept)')
    .argument('<vm>', 'id or name')
    .argument('<volume>', 'volume name or id')
    .option('--wait', 'wait until the provider has detached it')
    .action(async (vmRef: string, volumeRef: string, opts: { wait?: boolean }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const [vmId, volumeId] = [await resolveVmId(ctx.client, vmRef), await resolveVolumeId(ctx.client, volumeRef)];
      const { data } = await ctx.client.delete<Volume>(`/v1/resource/gpu/${vmId}/volumes/${volumeId}`).catch((err: unknown) => {
        throw hinted(err, ATTACH_HINTS(vmRef, volumeRef));
      });
      const volume = opts.wait ? await waitForVolume(ctx, data, `Detaching ${data.name} from ${vmRef}`) : data;
      ctx.emit(
        { data: volume, meta: null },
        (v) =>
          `${v.status === 'Detaching' ? 'Detaching' : 'Detached'} ${v.name} from ${vmRef}; the volume and its data are kept.`,
      );
    });
}

function mountLine(volume: Volume): string {
  return volume.mountHint ? `mount: ${volume.mountHint}` : '';
}
