import type { Command } from 'commander';
import { ApiClient } from '../client.ts';
import { DEFAULT_URL, type GlobalOptions, normalizeUrl } from '../config.ts';
import { ApiError, operationFailed, UsageError } from '../errors.ts';
import { formatData } from '../format/data.ts';
import { renderTable } from '../format/table.ts';
import { configFilePath, DEFAULT_PROFILE, readConfigFile, writeConfigFile } from '../profiles.ts';

/** `login`, `logout`, `profiles`: the CLI's config file, so it works from any directory. */
export function registerProfileCommands(program: Command): void {
  program
    .command('login')
    .description('check an API key against a server and save both as a profile (the current one from then on)')
    .option('--key <key>', 'the API key (or --api-key, or env GPUFLEET_API_KEY)')
    .action(async (opts: { key?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const name = globals.profile ?? (process.env.GPUFLEET_PROFILE || DEFAULT_PROFILE);
      const file = readConfigFile();
      const apiKey = opts.key ?? globals.apiKey ?? (process.env.GPUFLEET_API_KEY || undefined);
      if (!apiKey) throw new UsageError('login needs --key <api key>');
      const url = normalizeUrl(globals.url ?? (process.env.GPUFLEET_URL || undefined) ?? file.profiles[name]?.url ?? DEFAULT_URL);
      const client = new ApiClient({ url, apiKey, apiKeySource: 'flag' });
      try {
        await client.get('/v1/resource/gpu', { page: 1, limit: 1 });
      } catch (err) {
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
          throw operationFailed(err.code ?? 'UNAUTHORIZED', `${url} refused this key (${err.message}); nothing was saved`);
        }
        throw err;
      }
      file.profiles[name] = { url, apiKey };
      file.currentProfile = name;
      const path = writeConfigFile(file);
      emit(globals, { profile: name, url, configFile: path }, `Logged in to ${url} as profile "${name}" (saved in ${path}).`);
    });

  program
    .command('logout')
    .description('forget a saved profile and its key (default: the current one)')
    .action((_opts: object, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const file = readConfigFile();
      const name = globals.profile ?? (process.env.GPUFLEET_PROFILE || undefined) ?? file.currentProfile;
      if (!name || !file.profiles[name]) {
        throw new UsageError(name ? `no profile named "${name}"` : 'not logged in: there is no current profile');
      }
      delete file.profiles[name];
      if (file.currentProfile === name) file.currentProfile = Object.keys(file.profiles)[0] ?? null;
      writeConfigFile(file);
      const next = file.currentProfile ? `; the current profile is now "${file.currentProfile}"` : '';
      emit(globals, { profile: name, loggedOut: true, currentProfile: file.currentProfile }, `Logged out of "${name}"${next}.`);
    });

  program
    .command('profiles')
    .description('list the saved profiles (the current one starred)')
    .option('--use <name>', 'make this profile the current one')
    .action((opts: { use?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const file = readConfigFile();
      if (opts.use !== undefined) {
        if (!file.profiles[opts.use]) throw new UsageError(`no profile named "${opts.use}"`);
        file.currentProfile = opts.use;
        writeConfigFile(file);
      }
      const rows = Object.entries(file.profiles).map(([name, p]) => ({
        name,
        url: p.url,
        current: name === file.currentProfile,
        apiKey: maskKey(p.apiKey),
      }));
      const human =
        rows.length === 0
          ? `No profiles (${configFilePath()}): save one with \`gpufleet login --url <url> --key <key>\`.`
          : renderTable(rows, [
              { header: '', value: (r) => (r.current ? '*' : '') },
              { header: 'PROFILE', value: (r) => r.name },
              { header: 'URL', value: (r) => r.url },
              { header: 'KEY', value: (r) => r.apiKey },
            ]);
      emit(globals, rows, human);
    });
}

/** These commands need no server, so they print without a command context. */
function emit(globals: GlobalOptions, data: unknown, human: string): void {
  const format = globals.json ? 'json' : globals.output;
  process.stdout.write(`${format === 'json' || format === 'yaml' ? formatData(data, format) : human}\n`);
}

/** Enough of a key to tell two apart, never enough to use. */
function maskKey(key: string): string {
  return key.length <= 8 ? '****' : `${key.slice(0, 4)}…${key.slice(-4)}`;
}
