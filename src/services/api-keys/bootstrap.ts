import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiKeyView } from '../../contract/api-keys.ts';
import { DEFAULT_ENTITY_ID } from '../../core/domain/types.ts';
import type { Store } from '../../store/database.ts';
import { apiKeyPrefix, generateApiKey, hashApiKey } from './keys.ts';
import { ApiKeyRepository, toApiKeyView } from './repository.ts';

export const ADMIN_KEY_FILE = 'admin-key';
/** An operator-chosen admin key shorter than this is refused at startup. */
export const MIN_ADMIN_KEY_LENGTH = 8;
const BOOTSTRAP_KEY_NAME = 'admin (configured)';

/**
 * Make sure an admin key with exactly this value exists and works; safe to call at every start. The
 * configured key is the installation's way back in: while it is configured it is an unsuspended,
 * unexpired admin key, even if someone revoked it through the API (to retire it, stop configuring it
 * and then revoke it).
 */
export async function bootstrapAdminKey(store: Store, key: string, options: { clock?: () => Date } = {}): Promise<ApiKeyView> {
  const value = key.trim();
  if (value.length < MIN_ADMIN_KEY_LENGTH)
    throw new Error(`the admin key must be at least ${MIN_ADMIN_KEY_LENGTH} characters long`);
  const repo = new ApiKeyRepository(store.db);
  const hash = hashApiKey(value);
  const existing = await repo.findByHash(hash);
  if (existing) {
    const usable =
      existing.role === 'admin' && existing.revoked_at === null && existing.suspended_at === null && existing.expires_at === null;
    if (!usable) await repo.update(existing.id, { role: 'admin', revoked_at: null, suspended_at: null, expires_at: null });
    return toApiKeyView((await repo.findByHash(hash))!);
  }
  try {
    await repo.insert({
      id: randomUUID(),
      name: BOOTSTRAP_KEY_NAME,
      key_hash: hash,
      key_prefix: apiKeyPrefix(value),
      role: 'admin',
      entity_id: DEFAULT_ENTITY_ID,
      created_at: (options.clock?.() ?? new Date()).toISOString(),
      expires_at: null,
      suspended_at: null,
      revoked_at: null,
      last_used_at: null,
    });
  } catch (error) {
    // Another instance starting at the same moment inserted it first (key_hash is unique): that is fine.
    if (!(await repo.findByHash(hash))) throw error;
  }
  return toApiKeyView((await repo.findByHash(hash))!);
}

/**
 * The admin key to bootstrap: the configured one (`GPUFLEET_ADMIN_KEY`) when there is one, otherwise the
 * data directory's `admin-key` file, created with a fresh key (mode 0600) on first start so that the CLI
 * on the same machine finds it.
 */
export function loadOrCreateAdminKey(
  dataDir: string,
  configured: string | null | undefined,
): { key: string; source: 'config' | 'file' | 'generated' } {
  if (configured && configured.trim() !== '') return { key: configured.trim(), source: 'config' };
  const path = join(dataDir, ADMIN_KEY_FILE);
  const existing = readIfExists(path)?.trim();
  if (existing) return { key: existing, source: 'file' };
  mkdirSync(dataDir, { recursive: true });
  const key = generateApiKey();
  try {
    writeFileSync(path, `${key}\n`, { mode: 0o600, flag: existing === undefined ? 'wx' : 'w' });
  } catch (error) {
    // Created by a concurrent start: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { key: readFileSync(path, 'utf8').trim(), source: 'file' };
    throw error;
  }
  // The umask may have widened the mode at creation, and an emptied file keeps its old mode.
  chmodSync(path, 0o600);
  return { key, source: 'generated' };
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
