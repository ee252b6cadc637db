import { createInterface } from 'node:readline/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { PageMeta } from '../../contract/common.ts';
import type { UnmanagedVolume, Volume, VolumeOption } from '../../contract/volumes.ts';
import { type CommandContext, contextFor } from '../context.ts';
import { ApiError, operationFailed, UsageError, withHint } from '../errors.ts';
import { startProgress } from '../format/spinner.ts';
import { pollIntervalMs } from '../jobs.ts';
import { positiveInt } from '../options.ts';
import { resolveDatacenter, resolveGroupId, resolveVolumeId } from '../resolve.ts';
import { optionsTable, unmanagedTable, volumeDetails, volumeTable } from './volume-render.ts';

/** A volume still on its way somewhere: --wait polls until it leaves these. */
const SETTLING = new Set(['Creating', 'Attaching', 'Detaching', 'Resizing', 'Deleting']);
/** Providers confirm a volume within minutes; past this --wait gives up (the operation itself goes on). */
const WAIT_LIMIT_MS = 15 * 60_000;

export function registerVolumeCommands(program: Command): void {
  const volumes = program.command('volumes').description('persistent volumes that outlive the VMs they are attached to');

  volumes
    .command('ls')
    .alias('list')
    .description('list volumes')
    .option('--datacenter <datacenter>', 'only volumes in this datacenter (code or id)')
    .option('--provider <provider>', 'only volumes at this provider (verda, runpod, fluidstack)')
    .option('--search <text>', 'only names containing this text')
    .option('--all', 'include volumes the provider confirmed deleted')
    .option('--page <n>', 'page number', positiveInt, 1)
    .option('--limit <n>', 'rows per page (at most 100)', positiveInt, 50)
    .action(
      async (
        opts: { datacenter?: string; provider?: string; search?: string; all?: boolean; page: number; limit: number },
        cmd: Command,
      ) => {
        const ctx = contextFor(cmd);
        const datacenter = opts.datacenter ? await resolveDatacenter(ctx.client, opts.datacenter) : undefined;
        const result = await ctx.client.get<Volume[]>('/v1/resource/volumes', {
          page: opts.page,
          limit: opts.limit,
          sort: 'name:asc',
          search: opts.search,
          datacenterId: datacenter?.id,
          provider: opts.provider,
          includeDeleted: opts.all ? true : undefined,
        });
        ctx.emit(result, (rows) =>
          rows.length === 0
            ? 'No volumes. Create one with `gpufleet volumes create` (see `gpufleet volumes options` for where).'
            : volumeTable(rows, ctx.color) + pageFooter(result.meta),
        );
      },
    );

  volumes
    .command('show')
    .alias('get')
    .description('show one volume')
    .argument('<volume>', 'name or id')
    .action(async (ref: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveVolumeId(ctx.client, ref);
      ctx.emit(await ctx.client.get<Volume>(`/v1/resource/volumes/${id}`), (v) => volumeDetails(v, ctx.color));
    });

  volumes
    .command('create')
    .description('create a volume in a datacenter (a VM ordered with it is placed there)')
    .argument('<name>')
    .requiredOption('--size <GB>', 'size in GB (see `gpufleet volumes options` for each datacenter’s range)', positiveInt)
    .requiredOption('--datacenter <datacenter>', 'datacenter code or id')
    .option('--type <type>', 'volume type, e.g. NVMe (default: the datacenter’s first type)')
    .option('--group <group>', 'resource group its cost counts in (name or id)')
    .option('--wait', 'wait until the provider says it is Available')
    .action(
      async (
        name: string,
        opts: { size: number; datacenter: string; type?: string; group?: string; wait?: boolean },
        cmd: Command,
      ) => {
        const ctx = contextFor(cmd);
        const datacenter = await resolveDatacenter(ctx.client, opts.datacenter);
        const body = {
          name,
          sizeGB: opts.size,
          datacenterId: datacenter.id,
          ...(opts.type ? { type: opts.type } : {}),
          ...(opts.group ? { resourceGroupId: await resolveGroupId(ctx.client, opts.group) } : {}),
        };
        const { data: created } = await ctx.client.post<Volume>('/v1/resource/volumes', body).catch((err: unknown) => {
          throw hinted(err, CREATE_HINTS);
        });
        if (!opts.wait) {
          ctx.emit({ data: created, meta: null }, (v) => `Creating volume ${v.name} (${v.id}): ${describe(v)}, ${v.status}`);
          return;
        }
        if (!ctx.config.json) ctx.print(`Creating volume ${created.name} (${created.id}): ${describe(created)}`);
        const ready = await waitForVolume(ctx, created, `Creating ${created.name}`);
        ctx.emit({ data: ready, meta: null }, (v) => `${v.name} is ${v.status}.`);
      },
    );

  volumes
    .command('resize')
    .alias('grow')
    .description('grow a volume (volumes never shrink; only where the provider resizes)')
    .argument('<volume>', 'name or id')
    .requiredOption('--size <GB>', 'the new size in GB', positiveInt)
    .option('--wait', 'wait until the provider has resized it')
    .action(async (ref: string, opts: { size: number; wait?: boolean }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveVolumeId(ctx.client, ref);
      const { data } = await ctx.client.put<Volume>(`/v1/resource/volumes/${id}`, { sizeGB: opts.size }).catch((err: unknown) => {
        throw hinted(err, { VOLUME_SHRINK: 'create a new volume of the size you want and copy the data over' });
      });
      const volume = opts.wait ? await waitForVolume(ctx, data, `Resizing ${data.name}`) : data;
      ctx.emit({ data: volume, meta: null }, (v) => `${v.name} is ${v.sizeGB} GB (${v.status}).`);
    });

  volumes
    .command('rename')
    .description('rename a volume')
    .argument('<volume>', 'name or id')
    .argument('<new-name>')
    .action(async (ref: string, name: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveVolumeId(ctx.client, ref);
      ctx.emit(await ctx.client.put<Volume>(`/v1/resource/volumes/${id}`, { name }), (v) => `Renamed ${ref} to ${v.name}.`);
    });

  volumes
    .command('rm')
    .alias('delete')
    .description('delete a volume and its data (irreversible; refused while a VM uses it)')
    .argument('<volume>', 'name or id')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--wait', 'wait until the provider confirms it is gone')
    .action(async (ref: string, opts: { yes?: boolean; wait?: boolean }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveVolumeId(ctx.client, ref);
      if (!opts.yes) await confirmDelete(ref);
      let volume: Volume;
      try {
        volume = (await ctx.client.delete<Volume>(`/v1/resource/volumes/${id}`)).data;
      } catch (err) {
        if (err instanceof ApiError && err.code === 'VOLUME_ATTACHED') throw withHint(err, await detachHint(ctx, id));
        throw err;
      }
      if (opts.wait) volume = await waitForVolume(ctx, volume, `Deleting ${volume.name}`);
      ctx.emit({ data: volume, meta: null }, (v) =>
        v.status === 'Deleted'
          ? `Deleted volume ${v.name}.`
          : `Deleting volume ${v.name}; it reads Deleted once ${v.provider} confirms it is gone.`,
      );
    });

  volumes
    .command('options')
    .description('where volumes can be created: per datacenter the provider, types, sizes and what they can do')
    .action(async (_opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      ctx.emit(await ctx.client.get<VolumeOption[]>('/v1/resource/volumes/options'), (rows) =>
        rows.length === 0 ? 'No connected provider offers volumes.' : optionsTable(rows),
      );
    });

  volumes
    .command('unmanaged')
    .description('volumes a provider account lists that gpufleet does not manage (they may be billing)')
    .action(async (_opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      ctx.emit(await ctx.client.get<UnmanagedVolume[]>('/v1/resource/volumes/unmanaged'), (rows) =>
        rows.length === 0 ? 'No unmanaged volumes.' : unmanagedTable(rows),
      );
    });
}

/** `100 GB NVMe in verda-fin-01`. */
export function describe(volume: Volume): string {
  return `${volume.sizeGB} GB ${volume.type} in ${volume.datacenter.code}`;
}

const CREATE_HINTS: Record<string, string> = {
  VOLUMES_UNSUPPORTED: '`gpufleet volumes options` lists the datacenters where volumes can be created',
  VOLUME_SIZE_OUT_OF_RANGE: '`gpufleet volumes options` lists each datacenter’s sizes',
  UNKNOWN_VOLUME_TYPE: '`gpufleet volumes options` lists each datacenter’s types; the first is the default',
};

/** An API error with the next step for its code, when there is one. */
export function hinted(err: unknown, hints: Record<string, string>): unknown {
  return err instanceof ApiError && err.code ? withHint(err, hints[err.code] ?? null) : err;
}

/** What the user can do about a volume still attached: detach it where the provider can, else delete the VM. */
async function detachHint(ctx: CommandContext, id: string): Promise<string | null> {
  try {
    const [{ data: volume }, { data: options }] = await Promise.all([
      ctx.client.get<Volume>(`/v1/resource/volumes/${id}`),
      ctx.client.get<VolumeOption[]>('/v1/resource/volumes/options'),
    ]);
    const vms = volume.attachedTo.map((a) => a.vmName);
    if (vms.length === 0) return null;
    const option = options.find((o) => o.datacenter.id === volume.datacenter.id);
    if (option?.attachToExisting) {
      const steps = vms.map((vm) => `gpufleet gpu detach ${vm} ${volume.name}`);
      const stop = option.attachRequiresStopped
        ? ` (${volume.provider} detaches only from a stopped VM: \`gpufleet gpu stop ${vms[0]} --wait\` first)`
        : '';
      return `detach it first with \`${steps.join('` and `')}\`${stop}, or delete the VM`;
    }
    const kind = option?.kind ?? 'volume';
    return `${volume.provider} releases a ${kind} only when its VM is deleted: \`gpufleet gpu rm ${vms.join(' ')}\` keeps the volume`;
  } catch {
    return null;
  }
}

/** Follows a volume until it settles; a volume that ends in Error fails the command with the provider's reason. */
export async function waitForVolume(ctx: CommandContext, start: Volume, label: string): Promise<Volume> {
  let volume = start;
  const progress = startProgress(`${label}: ${volume.status}`);
  const deadline = Date.now() + WAIT_LIMIT_MS;
  try {
    while (SETTLING.has(volume.status)) {
      if (Date.now() > deadline) {
        throw operationFailed(
          'WAIT_TIMEOUT',
          `${volume.name} is still ${volume.status} after ${WAIT_LIMIT_MS / 60_000} min; gpufleet keeps following it (\`gpufleet volumes show ${volume.id}\`)`,
        );
      }
      await sleep(pollIntervalMs());
      volume = (await ctx.client.get<Volume>(`/v1/resource/volumes/${volume.id}`)).data;
      progress.update(`${label}: ${volume.status}`);
    }
  } finally {
    progress.stop();
  }
  if (volume.status === 'Error') {
    throw operationFailed('VOLUME_ERROR', `${volume.name} is in Error${volume.lastError ? `: ${volume.lastError}` : ''}`);
  }
  return volume;
}

async function confirmDelete(ref: string): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new UsageError('refusing to delete without confirmation: no terminal to ask on; pass --yes to delete without asking');
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`Delete volume ${ref} and all its data? This cannot be undone. [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw operationFailed('ABORTED', 'nothing was deleted');
  } finally {
    prompt.close();
  }
}

function pageFooter(meta: PageMeta | null): string {
  if (!meta || meta.totalPages <= 1) return '';
  const next = meta.hasNextPage ? `; --page ${meta.page + 1} for more` : '';
  return `\n\npage ${meta.page} of ${meta.totalPages} (${meta.total} volumes)${next}`;
}
