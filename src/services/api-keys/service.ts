import { randomUUID } from 'node:crypto';
import type { ApiKeyView } from '../../contract/api-keys.ts';
import { DEFAULT_ENTITY_ID, type Principal, type UserRole } from '../../core/domain/types.ts';
import type { Store } from '../../store/database.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { cleanName } from '../names.ts';
import type { ApiKeyService as ApiKeyServiceContract } from '../types.ts';
import { lockForWrite } from '../write-lock.ts';
import { apiKeyPrefix, generateApiKey, hashApiKey } from './keys.ts';
import { ApiKeyRepository, type ApiKeyRow, toApiKeyView } from './repository.ts';

export const API_KEY_ROLES: readonly UserRole[] = ['admin', 'power_user', 'user'];
/** Longer presented values are not keys; they are refused without hashing. */
const MAX_PRESENTED_KEY_LENGTH = 512;
const LOCK_SCOPE = 'api_keys';

export interface ApiKeyServiceDeps {
  store: Store;
  clock?: () => Date;
  /** How long a successful lookup is trusted without asking the database again. Default 5 s. */
  cacheTtlMs?: number;
  /** `last_used_at` is written at most this often per key. Default 1 min. */
  lastUsedIntervalMs?: number;
}

interface CachedKey {
  principal: Principal;
  expiresAtMs: number | null;
  suspended: boolean;
  cachedUntilMs: number;
}

/**
 * API keys: shown once, stored as SHA-256 hashes. `authenticate` runs on every request, so successful
 * lookups are cached briefly by hash. Rotating, suspending or revoking a key bumps a change version in the
 * store, and every process compares it (one shared read) before trusting its cache, so the change holds on
 * every replica at once.
 */
export class ApiKeyService implements ApiKeyServiceContract {
  private readonly store: Store;
  private readonly repo: ApiKeyRepository;
  private readonly clock: () => Date;
  private readonly cacheTtlMs: number;
  private readonly lastUsedIntervalMs: number;
  private readonly cache = new Map<string, CachedKey>();
  /** The `api_keys` change version the cache was filled under; a different one in the store empties it. */
  private cacheVersion: number | null = null;
  private versionCheck: Promise<void> | null = null;
  private nextVersionCheck: Promise<void> | null = null;
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(deps: ApiKeyServiceDeps) {
    this.store = deps.store;
    this.repo = new ApiKeyRepository(deps.store.db);
    this.clock = deps.clock ?? (() => new Date());
    this.cacheTtlMs = deps.cacheTtlMs ?? 5_000;
    this.lastUsedIntervalMs = deps.lastUsedIntervalMs ?? 60_000;
  }

  async authenticate(key: string): Promise<Principal | null> {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_PRESENTED_KEY_LENGTH) return null;
    const hash = hashApiKey(key);
    const nowMs = this.clock().getTime();
    // Another replica may have suspended, rotated or revoked a key a moment ago: one shared version read.
    await this.checkVersion();
    let entry = this.cache.get(hash);
    if (!entry || entry.cachedUntilMs <= nowMs) {
      const row = await this.repo.findUnrevokedByHash(hash);
      if (!row) {
        this.cache.delete(hash);
        return null;
      }
      entry = cacheEntry(row, nowMs + this.cacheTtlMs);
      this.cache.set(hash, entry);
    }
    if (entry.suspended || (entry.expiresAtMs !== null && entry.expiresAtMs <= nowMs)) return null;
    await this.noteUse(entry.principal.apiKeyId, nowMs);
    return entry.principal;
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.repo.listUnrevoked()).map(toApiKeyView);
  }

  async create(input: { name: string; role: UserRole; expiresAt?: string }): Promise<ApiKeyView & { key: string }> {
    const name = cleanName(input.name, 'name');
    if (!API_KEY_ROLES.includes(input.role))
      throw badRequest('VALIDATION_ERROR', `role must be one of ${API_KEY_ROLES.join(', ')}`);
    const expiresAt = input.expiresAt === undefined ? null : this.futureInstant(input.expiresAt);
    const key = generateApiKey();
    const id = randomUUID();
    await this.repo.insert({
      id,
      name,
      key_hash: hashApiKey(key),
      key_prefix: apiKeyPrefix(key),
      role: input.role,
      entity_id: DEFAULT_ENTITY_ID,
      created_at: this.clock().toISOString(),
      expires_at: expiresAt,
      suspended_at: null,
      revoked_at: null,
      last_used_at: null,
    });
    return { ...toApiKeyView((await this.repo.getUnrevoked(id))!), key };
  }

  async rotate(id: string): Promise<ApiKeyView & { key: string }> {
    const row = await this.repo.getUnrevoked(id);
    if (!row) throw notFound('API key', id);
    const key = generateApiKey();
    await this.repo.update(id, { key_hash: hashApiKey(key), key_prefix: apiKeyPrefix(key) });
    await this.bumpVersion(this.store.db);
    this.forget(id);
    return { ...toApiKeyView((await this.repo.getUnrevoked(id))!), key };
  }

  async setSuspended(id: string, suspended: boolean): Promise<ApiKeyView> {
    if (typeof suspended !== 'boolean') throw badRequest('VALIDATION_ERROR', 'suspended must be true or false');
    return this.store.db.transaction().execute(async (trx) => {
      await lockForWrite(trx, this.store.dialect, LOCK_SCOPE);
      const repo = new ApiKeyRepository(trx);
      const row = await repo.getUnrevoked(id);
      if (!row) throw notFound('API key', id);
      if (suspended && row.suspended_at === null) await this.assertNotLastAdmin(repo, row);
      if (suspended !== (row.suspended_at !== null)) {
        await repo.update(id, { suspended_at: suspended ? this.clock().toISOString() : null });
        await this.bumpVersion(trx);
      }
      this.forget(id);
      return toApiKeyView((await repo.getUnrevoked(id))!);
    });
  }

  async remove(id: string): Promise<void> {
    await this.store.db.transaction().execute(async (trx) => {
      await lockForWrite(trx, this.store.dialect, LOCK_SCOPE);
      const repo = new ApiKeyRepository(trx);
      const row = await repo.getUnrevoked(id);
      if (!row) throw notFound('API key', id);
      await this.assertNotLastAdmin(repo, row);
      await repo.update(id, { revoked_at: this.clock().toISOString() });
      await this.bumpVersion(trx);
    });
    this.forget(id);
  }

  /** Refuse to take away the last admin key that works: nobody could manage keys afterwards. */
  private async assertNotLastAdmin(repo: ApiKeyRepository, row: ApiKeyRow): Promise<void> {
    const at = this.clock().toISOString();
    const usable = row.role === 'admin' && row.suspended_at === null && (row.expires_at === null || row.expires_at > at);
    if (usable && (await repo.countUsableAdmins(at)) <= 1) {
      throw conflict('LAST_ADMIN_KEY', 'this is the last working admin key; create another admin key first');
    }
  }

  private futureInstant(value: string): string {
    const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at)) throw badRequest('VALIDATION_ERROR', 'expiresAt must be an ISO-8601 date-time');
    if (at <= this.clock().getTime()) throw badRequest('VALIDATION_ERROR', 'expiresAt must be in the future');
    return new Date(at).toISOString();
  }

  /** Write `last_used_at` at most once per interval per key; a failed write never fails the request. */
  private async noteUse(id: string, nowMs: number): Promise<void> {
    const last = this.lastUsedWritten.get(id);
    if (last !== undefined && nowMs - last < this.lastUsedIntervalMs) return;
    this.lastUsedWritten.set(id, nowMs);
    try {
      await this.repo.update(id, { last_used_at: new Date(nowMs).toISOString() });
    } catch {
      // Losing one last-used stamp is harmless; refusing a valid key because of it would not be.
    }
  }

  /**
   * Make sure the cache is no older than the store's `api_keys` version as of now. Requests arriving while a
   * read is in flight share the next one (a read that began before them could miss a change), so there is
   * at most one read in flight and one queued, however many requests come.
   */
  private checkVersion(): Promise<void> {
    if (!this.versionCheck) {
      this.versionCheck = this.readVersion().finally(() => {
        this.versionCheck = null;
      });
      return this.versionCheck;
    }
    if (!this.nextVersionCheck) {
      this.nextVersionCheck = this.versionCheck
        .catch(() => undefined)
        .then(() => {
          this.nextVersionCheck = null;
          return this.checkVersion();
        });
    }
    return this.nextVersionCheck;
  }

  private async readVersion(): Promise<void> {
    const row = await this.store.db
      .selectFrom('change_versions')
      .select('version')
      .where('scope', '=', LOCK_SCOPE)
      .executeTakeFirst();
    const version = row ? Number(row.version) : 0;
    if (version !== this.cacheVersion) {
      this.cache.clear();
      this.cacheVersion = version;
    }
  }

  /** Tell every replica that keys changed (inside the change's transaction when there is one). */
  private async bumpVersion(db: Store['db']): Promise<void> {
    await db
      .insertInto('change_versions')
      .values({ scope: LOCK_SCOPE, version: 1 })
      .onConflict((oc) => oc.column('scope').doUpdateSet((eb) => ({ version: eb('change_versions.version', '+', 1) })))
      .execute();
  }

  private forget(id: string): void {
    for (const [hash, entry] of this.cache) {
      if (entry.principal.apiKeyId === id) this.cache.delete(hash);
    }
  }
}

function cacheEntry(row: ApiKeyRow, cachedUntilMs: number): CachedKey {
  return {
    principal: Object.freeze({ apiKeyId: row.id, name: row.name, role: row.role as UserRole, entityId: row.entity_id }),
    expiresAtMs: row.expires_at === null ? null : Date.parse(row.expires_at),
    suspended: row.suspended_at !== null,
    cachedUntilMs,
  };
}
