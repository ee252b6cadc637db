import { ProviderError } from '../../core/provider/errors.ts';
import { PROVIDER_ID } from './settings.ts';

/**
 * Atlas takes SSH keys only through cloud-init: a `#cloud-config` with `ssh_authorized_keys`, which
 * cloud-init installs for the image's default user (`ubuntu`). The API wants the user data base64-encoded
 * (`format: byte`). Each key is written as a double-quoted YAML scalar so that a comment holding `#` or
 * `: ` cannot change the document's meaning.
 */
export function cloudConfigFor(publicKeys: string[]): string {
  const lines = ['#cloud-config', 'ssh_authorized_keys:'];
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
  return `${lines.join('\n')}\n`;
}

export function userDataFor(publicKeys: string[]): string | null {
  if (publicKeys.length === 0) return null;
  return Buffer.from(cloudConfigFor(publicKeys), 'utf8').toString('base64');
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
