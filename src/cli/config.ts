import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './errors.ts';
import { type ConfigFile, readConfigFile } from './profiles.ts';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
export const DEFAULT_DATA_DIR = './.gpufleet';

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The global flags every command accepts. */
export interface GlobalOptions {
  url?: string;
  apiKey?: string;
  json?: boolean;
  output?: OutputFormat;
  profile?: string;
}

export interface CliConfig {
  url: string;
  apiKey: string | null;
  /** Where the key came from, so a 401 can say which one to fix. */
  apiKeySource: 'flag' | 'env' | 'profile' | 'file' | 'none';
  /** The profile the URL or key came from, if any. */
  profile: string | null;
  /** Machine-readable output (`--json`, `--output json|yaml`). */
  json: boolean;
  output: OutputFormat;
}

/**
 * Flags win, then the environment, then the profile (`--profile`, `GPUFLEET_PROFILE`, else the config
 * file's current one); the local sandbox's admin key file is the last resort for the key.
 */
export function resolveConfig(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv = process.env,
  file: ConfigFile = readConfigFile(env),
): CliConfig {
  const output: OutputFormat = options.json ? 'json' : (options.output ?? 'table');
  const json = output === 'json' || output === 'yaml';
  const profileName = options.profile ?? (env.GPUFLEET_PROFILE || undefined) ?? file.currentProfile ?? undefined;
  const profile = profileName ? file.profiles[profileName] : undefined;
  if (profileName && !profile && (options.profile || env.GPUFLEET_PROFILE)) {
    const known = Object.keys(file.profiles);
    throw new UsageError(
      `no profile named "${profileName}"${known.length > 0 ? ` (profiles: ${known.join(', ')})` : ''}; create it with \`gpufleet login --profile ${profileName} --url <url> --key <key>\``,
    );
  }
  const rawUrl = options.url ?? (env.GPUFLEET_URL || undefined) ?? profile?.url ?? DEFAULT_URL;
  const url = normalizeUrl(rawUrl, options.url ? '--url' : env.GPUFLEET_URL ? 'GPUFLEET_URL' : 'the profile URL');
  const base = { url, json, output, profile: profile ? (profileName ?? null) : null };
  if (options.apiKey) return { ...base, apiKey: options.apiKey, apiKeySource: 'flag' };
  if (env.GPUFLEET_API_KEY) return { ...base, apiKey: env.GPUFLEET_API_KEY, apiKeySource: 'env' };
  if (profile) return { ...base, apiKey: profile.apiKey, apiKeySource: 'profile' };
  const fromFile = readAdminKeyFile(env);
  if (fromFile) return { ...base, apiKey: fromFile, apiKeySource: 'file' };
  return { ...base, apiKey: null, apiKeySource: 'none' };
}

/**
 * The server's base address: http(s) only, without a trailing slash or `/v1` (paths carry that), so
 * `https://fleet.example.com/v1/` and `https://fleet.example.com` are the same server.
 */
export function normalizeUrl(value: string, source = '--url'): string {
  let parsed: URL;
  try {
    parsed = new URL(value.trim());
  } catch {
    throw new UsageError(`${source} must be an http:// or https:// address such as ${DEFAULT_URL}, got "${value}"`);
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
    throw new UsageError(`${source} must be an http:// or https:// address such as ${DEFAULT_URL}, got "${value}"`);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new UsageError(`${source} must be the server's address alone, without ?query or #fragment, got "${value}"`);
  }
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\/v1$/, '').replace(/\/+$/, '');
  return `${parsed.origin}${path}`;
}

export function adminKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.GPUFLEET_DATA_DIR ?? DEFAULT_DATA_DIR, 'admin-key');
}

function readAdminKeyFile(env: NodeJS.ProcessEnv): string | null {
  try {
    const key = readFileSync(adminKeyPath(env), 'utf8').trim();
    return key === '' ? null : key;
  } catch {
    // No sandbox on this machine (or not readable): the request goes without a key and the server says 401.
    return null;
  }
}
