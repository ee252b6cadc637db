import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
export const DEFAULT_DATA_DIR = './.gpufleet';

/** The global flags every command accepts. */
export interface GlobalOptions {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

export interface CliConfig {
  url: string;
  apiKey: string | null;
  /** Where the key came from, so a 401 can say which one to fix. */
  apiKeySource: 'flag' | 'env' | 'file' | 'none';
  json: boolean;
}

/** Flags win over the environment; the local sandbox's admin key file is the last resort for the key. */
export function resolveConfig(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): CliConfig {
  const url = (options.url ?? env.GPUFLEET_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  const json = options.json === true;
  if (options.apiKey) return { url, apiKey: options.apiKey, apiKeySource: 'flag', json };
  if (env.GPUFLEET_API_KEY) return { url, apiKey: env.GPUFLEET_API_KEY, apiKeySource: 'env', json };
  const fromFile = readAdminKeyFile(env);
  if (fromFile) return { url, apiKey: fromFile, apiKeySource: 'file', json };
  return { url, apiKey: null, apiKeySource: 'none', json };
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
