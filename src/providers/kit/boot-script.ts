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
export function bootScriptFor(input: {
  script?: string | null;
  env?: Record<string, string>;
  /** A login user to create, with sudo and these keys, when it is not the image's own. */
  user?: { name: string; publicKeys: string[] } | null;
}): string | null {
  const env = Object.entries(input.env ?? {});
  const script = input.script ?? null;
  const user = input.user ?? null;
  if (env.length === 0 && !script && !user) return null;
  const lines = ['#!/bin/bash', '# Written by gpufleet: the environment and startup script of this VM.', 'set -u'];
  if (user) lines.push(...userLines(user));
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

/** The login user a VM's boot script must create: the order's, when it is not the one the image has. */
export function loginUserFor(
  request: { username: string | null; sshPublicKeys: { publicKey: string }[] },
  imageUser: string,
): { name: string; publicKeys: string[] } | null {
  if (!request.username || request.username === imageUser) return null;
  return { name: request.username, publicKeys: request.sshPublicKeys.map((k) => k.publicKey) };
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
export function readBootScript(text: string): { env: Record<string, string>; script: string | null; user?: string } {
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
  const user = /^id -u ([A-Za-z0-9_-]+) /m.exec(text)?.[1];
  return user ? { env, script, user } : { env, script };
}

/**
 * The order's login user: created with a home, passwordless sudo and the order's SSH keys (the name was
 * checked against `^[a-zA-Z_][a-zA-Z0-9_-]*$`, so it is safe in the script as it is).
 */
function userLines(user: { name: string; publicKeys: string[] }): string[] {
  if (!/^[a-zA-Z_][a-zA-Z0-9_-]{0,31}$/.test(user.name)) throw new Error(`not a valid user name: ${user.name}`);
  const home = `/home/${user.name}`;
  const keys = `${user.publicKeys.map((k) => k.trim()).join('\n')}\n`;
  return [
    `id -u ${user.name} >/dev/null 2>&1 || useradd -m -s /bin/bash ${user.name}`,
    `echo '${user.name} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/90-gpufleet-${user.name}`,
    `chmod 0440 /etc/sudoers.d/90-gpufleet-${user.name}`,
    `install -d -m 0700 -o ${user.name} -g ${user.name} ${home}/.ssh`,
    `echo ${base64(keys)} | base64 -d >> ${home}/.ssh/authorized_keys`,
    `chown ${user.name}:${user.name} ${home}/.ssh/authorized_keys && chmod 0600 ${home}/.ssh/authorized_keys`,
  ];
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
