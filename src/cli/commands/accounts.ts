import type { Command } from 'commander';
import type { ProviderAccountView, UnmanagedInstance } from '../../contract/provider-accounts.ts';
import { isRecord } from '../client.ts';
import { type CommandContext, contextFor } from '../context.ts';
import { UsageError } from '../errors.ts';
import { paint } from '../format/colors.ts';
import { renderTable } from '../format/table.ts';
import { dash, formatTime, yesNo } from '../format/values.ts';
import { keyValuePairs } from '../options.ts';
import { resolveAccountId } from '../resolve.ts';

interface AddFlags {
  name: string;
  credential?: string[];
  setting?: string[];
  settingsJson?: string;
  baseUrl?: string;
  disabled?: boolean;
}

export function registerAccountCommands(program: Command): void {
  const accounts = program.command('accounts').description('provider accounts gpufleet places VMs on');

  accounts
    .command('ls')
    .alias('list')
    .description('list provider accounts')
    .action(async (_opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      ctx.emit(await ctx.client.get<ProviderAccountView[]>('/v1/provider-accounts'), (rows) =>
        rows.length === 0
          ? 'No provider accounts: add one with `gpufleet accounts add <provider> --name <name> --credential key=value`.'
          : renderTable(rows, [
              { header: 'ID', value: (a) => a.id },
              { header: 'NAME', value: (a) => a.name },
              { header: 'PROVIDER', value: (a) => a.provider },
              { header: 'HEALTH', value: (a) => paint(a.health, a.health === 'ok' ? 'green' : 'red', ctx.color) },
              { header: 'ENABLED', value: (a) => yesNo(a.enabled) },
              { header: 'SYNCED', value: (a) => formatTime(a.lastSyncedAt) },
              { header: 'BASE URL', value: (a) => a.baseUrl },
              { header: 'LAST ERROR', value: (a) => dash(a.lastError) },
            ]),
      );
    });

  accounts
    .command('add')
    .description('connect a provider account (credentials are checked, stored encrypted, never shown again)')
    .argument('<provider>', 'provider id, see `gpufleet accounts providers`')
    .requiredOption('--name <name>', 'name of the account')
    .option('--credential <key=value...>', 'a credential field (repeatable)')
    .option('--setting <key=value...>', 'a setting as a string (repeatable)')
    .option('--settings-json <json>', 'settings as a JSON object (for numbers, lists, nested values)')
    .option('--base-url <url>', "the provider API's address (default: the real API)")
    .option('--disabled', 'add it without placing VMs on it yet')
    .action(async (provider: string, opts: AddFlags, cmd: Command) => {
      const credentials = keyValuePairs(opts.credential, '--credential');
      const settings = { ...parseSettingsJson(opts.settingsJson), ...keyValuePairs(opts.setting, '--setting') };
      const ctx = contextFor(cmd);
      await checkCredentials(ctx, provider, credentials);
      const result = await ctx.client.post<ProviderAccountView>('/v1/provider-accounts', {
        provider,
        name: opts.name,
        credentials,
        settings,
        baseUrl: opts.baseUrl,
        enabled: opts.disabled ? false : undefined,
      });
      ctx.emit(result, (a) => `Added ${a.provider} account ${a.name} (${a.id}), health ${a.health}.`);
    });

  accounts
    .command('rm')
    .alias('delete')
    .description('remove a provider account that has no VMs left')
    .argument('<account>', 'name or id')
    .action(async (ref: string, _opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveAccountId(ctx.client, ref);
      await ctx.client.delete(`/v1/provider-accounts/${id}`);
      ctx.emit({ data: { id, deleted: true }, meta: null }, () => `Removed provider account ${ref}.`);
    });

  accounts
    .command('providers')
    .description('providers gpufleet can drive, with the credential fields each needs')
    .action(async (_opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      ctx.emit(await ctx.client.get<ProviderInfo[]>('/v1/provider-accounts/providers'), (rows) =>
        renderTable(rows, [
          { header: 'ID', value: (p) => p.id },
          { header: 'NAME', value: (p) => p.displayName },
          { header: 'CREDENTIALS', value: (p) => schemaFields(p.credentialsSchema) },
        ]),
      );
    });

  accounts
    .command('unmanaged')
    .description('instances found at providers that gpufleet did not create or no longer tracks (they may bill)')
    .action(async (_opts: object, cmd: Command) => {
      const ctx = contextFor(cmd);
      ctx.emit(await ctx.client.get<UnmanagedInstance[]>('/v1/provider-accounts/unmanaged-instances'), (rows) =>
        rows.length === 0
          ? 'No unmanaged instances.'
          : renderTable(rows, [
              { header: 'ACCOUNT', value: (i) => i.accountId },
              { header: 'INSTANCE', value: (i) => i.providerInstanceId },
              { header: 'NAME', value: (i) => i.name },
              { header: 'STATUS', value: (i) => i.providerStatus },
              { header: 'FIRST SEEN', value: (i) => formatTime(i.firstSeenAt) },
              { header: 'LAST SEEN', value: (i) => formatTime(i.lastSeenAt) },
            ]),
      );
    });
}

type ProviderInfo = { id: string; displayName: string; credentialsSchema: object };

/** The provider's credential schema, read from the server: a missing field is named before anything is sent. */
async function checkCredentials(ctx: CommandContext, provider: string, credentials: Record<string, string>): Promise<void> {
  const { data: providers } = await ctx.client.get<ProviderInfo[]>('/v1/provider-accounts/providers');
  const info = providers.find((p) => p.id === provider);
  if (!info) {
    throw new UsageError(`unknown provider "${provider}"; one of: ${providers.map((p) => p.id).join(', ')}`);
  }
  const schema = info.credentialsSchema;
  const required = isRecord(schema) && Array.isArray(schema.required) ? schema.required.filter((f) => typeof f === 'string') : [];
  const missing = required.filter((field) => !(field in credentials) || credentials[field] === '');
  if (missing.length === 0) return;
  const flags = missing.map((field) => `--credential ${field}=<${field}>`).join(' ');
  const properties = isRecord(schema) && isRecord(schema.properties) ? schema.properties : {};
  const described = missing
    .map((field) => {
      const property = properties[field];
      return isRecord(property) && typeof property.description === 'string' ? `\n  ${field}: ${property.description}` : '';
    })
    .join('');
  throw new UsageError(
    `${info.displayName} needs ${missing.length === 1 ? 'the credential' : 'the credentials'} ${missing.join(', ')}: add ${flags}${described}`,
  );
}

function parseSettingsJson(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError('--settings-json is not valid JSON');
  }
  if (!isRecord(value)) throw new UsageError('--settings-json must be a JSON object');
  return value;
}

/** `apiKey*, region` from a JSON schema: the fields to pass as --credential, required ones starred. */
function schemaFields(schema: object): string {
  const properties = isRecord(schema) && isRecord(schema.properties) ? Object.keys(schema.properties) : [];
  const required = isRecord(schema) && Array.isArray(schema.required) ? schema.required : [];
  return properties.map((name) => (required.includes(name) ? `${name}*` : name)).join(', ') || '-';
}
