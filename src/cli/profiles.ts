import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { isRecord } from './client.ts';
import { UsageError } from './errors.ts';

/** One saved server and key, as `gpufleet login` wrote it. */
export interface Profile {
  url: string;
  apiKey: string;
}

/** The CLI's own config file: named profiles, the one in use, and the private key files it wrote. */
export interface ConfigFile {
  currentProfile: string | null;
  profiles: Record<string, Profile>;
  /** VM id → the private key file written for it (`gpu order --generate-ssh-key`, `gpu ssh-key --out`). */
  keyFiles: Record<string, string>;
}

export const DEFAULT_PROFILE = 'default';

/** `$XDG_CONFIG_HOME/gpufleet/config.json`, else `~/.config/gpufleet/config.json`. */
export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'gpufleet', 'config.json');
}

const empty = (): ConfigFile => ({ currentProfile: null, profiles: {}, keyFiles: {} });

/** The config file, or an empty one when there is none; a file that is not ours is an error, never overwritten. */
export function readConfigFile(env: NodeJS.ProcessEnv = process.env): ConfigFile {
  const path = configFilePath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return empty();
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not valid JSON; fix it or remove it and run \`gpufleet login\` again`);
  }
  if (!isRecord(value)) throw new UsageError(`${path} is not a gpufleet config file`);
  const profiles: Record<string, Profile> = {};
  if (isRecord(value.profiles)) {
    for (const [name, profile] of Object.entries(value.profiles)) {
      if (isRecord(profile) && typeof profile.url === 'string' && typeof profile.apiKey === 'string') {
        profiles[name] = { url: profile.url, apiKey: profile.apiKey };
      }
    }
  }
  const keyFiles: Record<string, string> = {};
  if (isRecord(value.keyFiles)) {
    for (const [id, file] of Object.entries(value.keyFiles)) if (typeof file === 'string') keyFiles[id] = file;
  }
  const current = typeof value.currentProfile === 'string' ? value.currentProfile : null;
  return { currentProfile: current, profiles, keyFiles };
}

/** Written whole to a temporary file and renamed, mode 600: it holds API keys. */
export function writeConfigFile(config: ConfigFile, env: NodeJS.ProcessEnv = process.env): string {
  const path = configFilePath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return path;
}

/** Remember the private key file written for a VM, so `gpu ssh` and `ssh-config` can log in with it. */
export function recordKeyFile(vmId: string, file: string, env: NodeJS.ProcessEnv = process.env): void {
  const config = readConfigFile(env);
  // Files deleted since (and the VMs they were for, most likely) go from the record.
  for (const [id, path] of Object.entries(config.keyFiles)) if (!existsSync(path)) delete config.keyFiles[id];
  config.keyFiles[vmId] = file;
  writeConfigFile(config, env);
}

/** The private key file recorded for a VM, if it still exists. */
export function keyFileFor(vmId: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const file = readConfigFile(env).keyFiles[vmId];
    return file && existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}
