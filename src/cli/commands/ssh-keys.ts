import { type FileHandle, open, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { type Command, Option } from 'commander';
import type { SshKey } from '../../contract/ssh-keys.ts';
import type { ApiResult } from '../client.ts';
import { contextFor } from '../context.ts';
import { operationFailed, UsageError } from '../errors.ts';
import { renderTable } from '../format/table.ts';
import { formatTime } from '../format/values.ts';
import { positiveInt } from '../options.ts';
import { resolveSshKeyId } from '../resolve.ts';

const ALGORITHMS = ['ed25519', 'rsa-4096', 'rsa-2048', 'ecdsa-p256'];

export function registerSshKeyCommands(program: Command): void {
  const keys = program.command('ssh-keys').description('SSH keys put on new GPU VMs');

  keys
    .command('ls')
    .alias('list')
    .description('list SSH keys')
    .option('--page <n>', 'page number', positiveInt, 1)
    .option('--limit <n>', 'rows per page (at most 100)', positiveInt, 100)
    .action(async (opts: { page: number; limit: number }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const result = await ctx.client.get<SshKey[]>('/v1/resource/ssh-keys', { page: opts.page, limit: opts.limit });
      ctx.emit(result, (rows) =>
        rows.length === 0
          ? 'No SSH keys.'
          : renderTable(rows, [
              { header: 'ID', value: (k) => k.id },
              { header: 'NAME', value: (k) => k.name },
              { header: 'ALGORITHM', value: (k) => k.algorithm },
              { header: 'FINGERPRINT', value: (k) => k.fingerprint },
              { header: 'DEFAULT', value: (k) => (k.isDefault ? 'yes' : '') },
              { header: 'CREATED', value: (k) => formatTime(k.createdAt) },
            ]),
      );
    });

  keys
    .command('add')
    .description('upload a public key')
    .argument('<name>')
    .option('--file <path>', 'OpenSSH public key file, e.g. ~/.ssh/id_ed25519.pub')
    .option('--public-key <text>', 'the public key itself')
    .option('--default', 'make it the default key for new VMs')
    .action(async (name: string, opts: { file?: string; publicKey?: string; default?: boolean }, cmd: Command) => {
      if (Boolean(opts.file) === Boolean(opts.publicKey))
        throw new UsageError('ssh-keys add needs exactly one of --file or --public-key');
      const ctx = contextFor(cmd);
      const publicKey = opts.publicKey ?? (await readPublicKey(opts.file!));
      const result = await ctx.client.post<SshKey>('/v1/resource/ssh-keys', { name, publicKey, isDefault: opts.default });
      ctx.emit(
        result,
        (key) => `Added ${key.name} (${key.id}), ${key.algorithm} ${key.fingerprint}${key.isDefault ? ', default' : ''}`,
      );
    });

  keys
    .command('generate')
    .description('have the server generate a key pair; the private key is shown once')
    .argument('<name>')
    .addOption(new Option('--algorithm <algorithm>', 'key type').choices(ALGORITHMS))
    .option('--passphrase <text>', 'encrypt the private key with this passphrase')
    .option('--out <file>', 'write the private key to this file (mode 600) instead of printing it')
    .option('--default', 'make it the default key for new VMs')
    .action(
      async (name: string, opts: { algorithm?: string; passphrase?: string; out?: string; default?: boolean }, cmd: Command) => {
        const ctx = contextFor(cmd);
        // Claim the output file before the key exists: a private key that cannot be saved is a key lost.
        const out = opts.out ? expandHome(opts.out) : null;
        const file = out ? await createKeyFile(out) : null;
        let result: ApiResult<SshKey & { privateKey: string }>;
        try {
          result = await ctx.client.post<SshKey & { privateKey: string }>('/v1/resource/ssh-keys/generate', {
            name,
            algorithm: opts.algorithm,
            passphrase: opts.passphrase,
            isDefault: opts.default,
          });
        } catch (err) {
          await file?.close();
          if (out) await rm(out, { force: true });
          throw err;
        }
        const { privateKey, ...key } = result.data;
        if (file) {
          await file.writeFile(privateKey.endsWith('\n') ? privateKey : `${privateKey}\n`);
          await file.close();
          const summary = `Generated ${key.name} (${key.id}), ${key.fingerprint}; private key written to ${out}`;
          ctx.emit({ data: { ...key, privateKeyFile: out }, meta: null }, () => summary);
          return;
        }
        ctx.note('The private key is shown only this once: keep it safe (or use --out next time).');
        ctx.emit(result, () => privateKey);
      },
    );

  keys
    .command('rm')
    .alias('delete')
    .description('delete an SSH key (VMs that have it keep it)')
    .argument('<key>', 'name or id')
    .action(async (ref: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveSshKeyId(ctx.client, ref);
      await ctx.client.delete(`/v1/resource/ssh-keys/${id}`);
      ctx.emit({ data: { id, deleted: true }, meta: null }, () => `Deleted SSH key ${ref}.`);
    });

  keys
    .command('default')
    .description('make a key the default for new VMs')
    .argument('<key>', 'name or id')
    .action(async (ref: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveSshKeyId(ctx.client, ref);
      const result = await ctx.client.put<SshKey>(`/v1/resource/ssh-keys/${id}`, { isDefault: true });
      ctx.emit(result, (key) => `${key.name} is now the default SSH key.`);
    });
}

async function readPublicKey(path: string): Promise<string> {
  const file = expandHome(path);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    throw operationFailed('FILE_UNREADABLE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Never overwrite an existing file: losing an old private key is worse than a refused command. */
export async function createKeyFile(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'wx', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw operationFailed(
      'FILE_UNWRITABLE',
      `cannot create ${file} for the private key (${code === 'EEXIST' ? 'it already exists' : (code ?? String(err))})`,
    );
  }
}

export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}
