import { ProviderError } from '../../core/provider/errors.ts';
import { PROVIDER_ID } from './settings.ts';

/**
 * Atlas takes SSH keys only through cloud-init: a `#cloud-config` with `ssh_authorized_keys`, which
 * cloud-init installs for the image's default user (`ubuntu`). The API wants the user data base64-encoded
 * (`format: byte`). Each key is written as a double-quoted YAML scalar so that a comment holding `#` or
 * `: ` cannot change the document's meaning.
 */
export function cloudConfigFor(publicKeys: string[], bootScript: string | null = null): string {
  const lines = ['#cloud-config'];
  if (publicKeys.length > 0) lines.push('ssh_authorized_keys:');
  for (const key of publicKeys) {
    const trimmed = key.trim();
    if (!trimmed || /[\r\n]/.test(trimmed)) {
      throw new ProviderError({
        provider: PROVIDER_ID,
        kind: 'invalid_request',
        message: 'an SSH public key must be a single non-empty line',
      });
    }
    lines.push(`  - ${JSON.stringify(trimmed)}`);
  }
  if (bootScript) {
    // The boot script (environment + startup script) is written by cloud-init and run once, at first boot,
    // as root; base64 keeps its text out of the YAML.
    lines.push(
      'write_files:',
      `  - path: ${BOOT_SCRIPT_PATH}`,
      "    permissions: '0700'",
      '    encoding: b64',
      `    content: ${Buffer.from(bootScript, 'utf8').toString('base64')}`,
      'runcmd:',
      `  - [${BOOT_SCRIPT_PATH}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Where cloud-init writes the boot script on the VM. */
export const BOOT_SCRIPT_PATH = '/var/lib/gpufleet/boot.sh';

export function userDataFor(publicKeys: string[], bootScript: string | null = null): string | null {
  if (publicKeys.length === 0 && !bootScript) return null;
  return Buffer.from(cloudConfigFor(publicKeys, bootScript), 'utf8').toString('base64');
}

/** The boot script a cloud-config written by `cloudConfigFor` carries (used by the simulator and the tests). */
export function bootScriptOf(userDataBase64: string): string | null {
  const text = Buffer.from(userDataBase64, 'base64').toString('utf8');
  const match = new RegExp(`- path: ${BOOT_SCRIPT_PATH}\\n(?:\\s+\\S.*\\n)*?\\s+content: ([A-Za-z0-9+/=]+)`).exec(text);
  return match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : null;
}

/** The keys of a cloud-config written by `cloudConfigFor` (used by the simulator and the tests). */
export function authorizedKeysOf(userDataBase64: string): string[] {
  const text = Buffer.from(userDataBase64, 'base64').toString('utf8');
  if (!text.startsWith('#cloud-config')) return [];
  const keys: string[] = [];
  let inKeys = false;
  for (const line of text.split('\n')) {
    if (/^ssh_authorized_keys:\s*$/.test(line)) {
      inKeys = true;
      continue;
    }
    const item = /^\s+-\s+(.+)$/.exec(line);
    if (inKeys && item?.[1]) {
      const value = item[1].trim();
      keys.push(unquote(value));
    } else if (!/^\s/.test(line)) {
      inKeys = false;
    }
  }
  return keys;
}

function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'string' ? parsed : value;
  } catch {
    return value;
  }
}
