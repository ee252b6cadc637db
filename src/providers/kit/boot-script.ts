import type { WorkloadSupport } from '../../core/provider/provider.ts';

/** Where the boot script puts what it was given, on every VM provider alike. */
export const BOOT_PATHS = {
  envFile: '/etc/profile.d/gpufleet-env.sh',
  userScript: '/var/lib/gpufleet/startup-script',
  log: '/var/log/gpufleet-startup.log',
} as const;

/**
 * The one bash script a VM runs at first boot: it writes the order's environment where every login shell
 * reads it, then runs the user's startup script with that environment, logging to `BOOT_PATHS.log`.
 * Both parts travel base64-encoded, so no value or script text can break the quoting of the script around
 * them. Null when there is nothing to do.
 */
export function bootScriptFor(input: { script?: string | null; env?: Record<string, string> }): string | null {
  const env = Object.entries(input.env ?? {});
  const script = input.script ?? null;
  if (env.length === 0 && !script) return null;
  const lines = ['#!/bin/bash', '# Written by gpufleet: the environment and startup script of this VM.', 'set -u'];
  if (env.length > 0) {
    const envFile = `${env.map(([name, value]) => `export ${name}=${shellQuote(value)}`).join('\n')}\n`;
    lines.push(
      `echo ${base64(envFile)} | base64 -d > ${BOOT_PATHS.envFile}`,
      `chmod 0644 ${BOOT_PATHS.envFile}`,
      `. ${BOOT_PATHS.envFile}`,
    );
  }
  if (script) {
    lines.push(
      `mkdir -p ${dirname(BOOT_PATHS.userScript)}`,
      `echo ${base64(script)} | base64 -d > ${BOOT_PATHS.userScript}`,
      `chmod 0700 ${BOOT_PATHS.userScript}`,
      // A script without a shebang runs under bash, as the Verda console documents for its own scripts.
      `if head -c 2 ${BOOT_PATHS.userScript} | grep -q '^#!'; then ${BOOT_PATHS.userScript}; else bash ${BOOT_PATHS.userScript}; fi > ${BOOT_PATHS.log} 2>&1`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * How many bytes of the provider's startup-script allowance an order takes: the whole boot script where
 * gpufleet writes the environment into it, the user's script alone where the provider sets env natively.
 */
export function startupScriptBytes(
  workload: WorkloadSupport,
  input: { script?: string | null; env?: Record<string, string> },
): number {
  if (workload.env === 'native') return Buffer.byteLength(input.script ?? '', 'utf8');
  return Buffer.byteLength(bootScriptFor(input) ?? '', 'utf8');
}

/** The parts a boot script written by `bootScriptFor` carries (for simulators and tests). */
export function readBootScript(text: string): { env: Record<string, string>; script: string | null } {
  const encoded = [...text.matchAll(/^echo ([A-Za-z0-9+/=]+) \| base64 -d > (\S+)$/gm)];
  const env: Record<string, string> = {};
  let script: string | null = null;
  for (const [, data, path] of encoded) {
    const decoded = Buffer.from(data ?? '', 'base64').toString('utf8');
    if (path === BOOT_PATHS.userScript) script = decoded;
    if (path === BOOT_PATHS.envFile) {
      for (const match of decoded.matchAll(/^export ([A-Za-z_][A-Za-z0-9_]*)='((?:[^']|'\\'')*)'$/gm)) {
        env[match[1] as string] = (match[2] as string).replaceAll(`'\\''`, "'");
      }
    }
  }
  return { env, script };
}

/** Single quotes keep every character literal; a quote inside is closed, escaped and reopened. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}
