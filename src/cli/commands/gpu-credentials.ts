import type { FileHandle } from 'node:fs/promises';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type CommandContext, contextFor } from '../context.ts';
import { operationFailed } from '../errors.ts';
import { recordKeyFile } from '../profiles.ts';
import { resolveVmId } from '../resolve.ts';
import { createKeyFile, expandHome } from './ssh-keys.ts';

/**
 * The private key the server generated for a VM (`gpu order --generate-ssh-key`), fetched from
 * `GET /v1/resource/gpu/{id}/ssh-key` and written to a file of mode 600 that must not exist yet.
 */
export function registerGpuSshKeyCommand(gpu: Command): void {
  gpu
    .command('ssh-key')
    .description('fetch the private key generated for a GPU VM (ordered with --generate-ssh-key)')
    .argument('<vm>', 'id or name')
    .option('--out <file>', 'write it to this file (mode 600, never overwritten) instead of printing it')
    .action(async (ref: string, opts: { out?: string }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveVmId(ctx.client, ref);
      if (opts.out) {
        const claimed = await claimKeyFile(opts.out);
        await saveStoredKey(ctx, id, claimed);
        ctx.emit({ data: { id, privateKeyFile: claimed.path }, meta: null }, () => `Private key written to ${claimed.path}`);
        return;
      }
      const { data } = await ctx.client.get<{ privateKey: string }>(`/v1/resource/gpu/${id}/ssh-key`);
      ctx.note("This is the VM's private key: keep it safe (or use --out to write it to a file of mode 600).");
      ctx.emit({ data, meta: null }, (d) => d.privateKey.replace(/\n$/, ''));
    });
}

/** A key file created (empty, mode 600) before anything is asked of the server, so a key is never fetched to be lost. */
export interface ClaimedKeyFile {
  path: string;
  file: FileHandle;
}

export async function claimKeyFile(path: string): Promise<ClaimedKeyFile> {
  const expanded = expandHome(path);
  return { path: expanded, file: await createKeyFile(expanded) };
}

/** Give a claimed file back (nothing was written to it). */
export async function releaseKeyFile(claimed: ClaimedKeyFile): Promise<void> {
  await claimed.file.close();
  await rm(claimed.path, { force: true });
}

/** Fetch the VM's stored private key into the claimed file; on failure the empty file goes and the error says how to retry. */
export async function saveStoredKey(ctx: CommandContext, vmId: string, claimed: ClaimedKeyFile): Promise<void> {
  let privateKey: string;
  try {
    ({
      data: { privateKey },
    } = await ctx.client.get<{ privateKey: string }>(`/v1/resource/gpu/${vmId}/ssh-key`));
  } catch (err) {
    await releaseKeyFile(claimed);
    throw err;
  }
  try {
    await claimed.file.writeFile(privateKey.endsWith('\n') ? privateKey : `${privateKey}\n`);
    await claimed.file.close();
    // So `gpu ssh` and `ssh-config` log in with it; a config file that cannot be written costs only that.
    try {
      recordKeyFile(vmId, resolve(claimed.path));
    } catch {}
  } catch (err) {
    await releaseKeyFile(claimed).catch(() => {});
    throw operationFailed(
      'FILE_UNWRITABLE',
      `cannot write the private key to ${claimed.path} (${(err as NodeJS.ErrnoException).code ?? String(err)}); fetch it again with \`gpufleet gpu ssh-key ${vmId} --out <file>\``,
    );
  }
}

/** `./<vm name>.key`, with anything a file name should not hold replaced. */
export function defaultKeyFile(vmName: string): string {
  return `./${vmName.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^\.+/, '') || 'vm'}.key`;
}
