import { type Command, Option } from 'commander';
import type { ApiKeyView } from '../../contract/api-keys.ts';
import { contextFor } from '../context.ts';
import { renderTable } from '../format/table.ts';
import { formatTime } from '../format/values.ts';
import { isoDate } from '../options.ts';
import { resolveApiKeyId } from '../resolve.ts';

type NewKey = ApiKeyView & { key: string };

export function registerApiKeyCommands(program: Command): void {
  const keys = program.command('keys').description('API keys that reach this server');

  keys
    .command('ls')
    .alias('list')
    .description('list API keys (never their secrets)')
    .action(async (_opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      ctx.emit(await ctx.client.get<ApiKeyView[]>('/v1/api-keys'), (rows) =>
        renderTable(rows, [
          { header: 'ID', value: (k) => k.id },
          { header: 'NAME', value: (k) => k.name },
          { header: 'ROLE', value: (k) => k.role },
          { header: 'PREFIX', value: (k) => k.prefix },
          { header: 'STATE', value: (k) => (k.suspended ? 'suspended' : 'active') },
          { header: 'EXPIRES', value: (k) => formatTime(k.expiresAt) },
          { header: 'LAST USED', value: (k) => formatTime(k.lastUsedAt) },
        ]),
      );
    });

  keys
    .command('create')
    .description('create an API key; its secret is shown once')
    .argument('<name>')
    .addOption(new Option('--role <role>', 'what the key may do').choices(['admin', 'power_user', 'user']).default('power_user'))
    .option('--expires-at <date>', 'the key stops working then', isoDate)
    .action(async (name: string, opts: { role: string; expiresAt?: string }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const result = await ctx.client.post<NewKey>('/v1/api-keys', { name, role: opts.role, expiresAt: opts.expiresAt });
      ctx.emit(result, (k) => {
        const expiry = k.expiresAt ? `expires ${formatTime(k.expiresAt)}` : 'no expiry';
        return secretShownOnce(`Created ${k.role} key ${k.name} (${k.id}), ${expiry}.`, k);
      });
    });

  keys
    .command('rotate')
    .description("replace a key's secret; the old one stops working at once")
    .argument('<key>', 'name or id')
    .action(async (ref: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveApiKeyId(ctx.client, ref);
      const result = await ctx.client.post<NewKey>(`/v1/api-keys/${id}/rotate`);
      ctx.emit(result, (k) => secretShownOnce(`Rotated ${k.name} (${k.id}); the old secret no longer works.`, k));
    });

  keys
    .command('suspend')
    .description('stop a key from working until it is resumed')
    .argument('<key>', 'name or id')
    .option('--resume', 'let a suspended key work again')
    .action(async (ref: string, opts: { resume?: boolean }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveApiKeyId(ctx.client, ref);
      const result = await ctx.client.post<ApiKeyView>(`/v1/api-keys/${id}/${opts.resume ? 'unsuspend' : 'suspend'}`);
      ctx.emit(result, (k) => `${k.name} is ${k.suspended ? 'suspended' : 'active'}.`);
    });

  keys
    .command('rm')
    .alias('delete')
    .description('revoke an API key for good')
    .argument('<key>', 'name or id')
    .action(async (ref: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveApiKeyId(ctx.client, ref);
      await ctx.client.delete(`/v1/api-keys/${id}`);
      ctx.emit({ data: { id, deleted: true }, meta: null }, () => `Revoked API key ${ref}.`);
    });
}

function secretShownOnce(summary: string, key: NewKey): string {
  return `${summary}\n\n  ${key.key}\n\nThis secret is shown only once: store it now.`;
}
