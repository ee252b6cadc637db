import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ENTITY_ID } from '../../src/core/domain/types.ts';
import { bootstrapAdminKey, loadOrCreateAdminKey } from '../../src/services/api-keys/bootstrap.ts';
import { generateApiKey } from '../../src/services/api-keys/keys.ts';
import { ApiKeyService } from '../../src/services/api-keys/service.ts';
import type { Store } from '../../src/store/database.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';
import { caught, manualClock } from './support/rows.ts';

const KEY_SHAPE = /^gf_[0-9A-Za-z]{40}$/;

describe('generateApiKey', () => {
  it('makes gf_ keys of 40 base62 characters, all different', () => {
    const keys = Array.from({ length: 500 }, generateApiKey);
    for (const key of keys) expect(key).toMatch(KEY_SHAPE);
    expect(new Set(keys).size).toBe(keys.length);
    // Every base62 character shows up across 20,000 random characters.
    expect(new Set(keys.map((k) => k.slice(3)).join('')).size).toBe(62);
  });
});

describe('loadOrCreateAdminKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gf-admin-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers the configured key, else creates the admin-key file once (mode 0600)', () => {
    expect(loadOrCreateAdminKey(dir, '  configured-admin-key ')).toEqual({ key: 'configured-admin-key', source: 'config' });
    const first = loadOrCreateAdminKey(join(dir, 'data'), null);
    expect(first.source).toBe('generated');
    expect(first.key).toMatch(KEY_SHAPE);
    const path = join(dir, 'data', 'admin-key');
    expect(readFileSync(path, 'utf8').trim()).toBe(first.key);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateAdminKey(join(dir, 'data'), '')).toEqual({ key: first.key, source: 'file' });
  });
});

describe.each(STORE_KINDS)('ApiKeyService on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let clock: ReturnType<typeof manualClock>;
  let service: ApiKeyService;

  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(kind));
    clock = manualClock();
    service = new ApiKeyService({ store, clock: clock.now, cacheTtlMs: 5_000, lastUsedIntervalMs: 60_000 });
  });
  afterEach(async () => cleanup());

  const rowOf = (id: string) => store.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('creates a key shown once and stored only as a hash', async () => {
    const created = await service.create({ name: 'ci', role: 'power_user' });
    expect(created.key).toMatch(KEY_SHAPE);
    expect(created).toMatchObject({
      name: 'ci',
      role: 'power_user',
      prefix: created.key.slice(0, 9),
      createdAt: clock.now().toISOString(),
      expiresAt: null,
      suspended: false,
      lastUsedAt: null,
    });
    const row = await rowOf(created.id);
    expect(row.key_hash).toBe(createHash('sha256').update(created.key).digest('hex'));
    expect(JSON.stringify(await store.db.selectFrom('api_keys').selectAll().execute())).not.toContain(created.key);
    const { key: _shownOnce, ...view } = created;
    expect(await service.list()).toEqual([view]);

    expect(await caught(() => service.create({ name: 'x', role: 'root' as 'admin' }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
    });
    expect(await caught(() => service.create({ name: '', role: 'user' }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
    });
  });

  it('authenticates, and stamps last use at most once a minute', async () => {
    const created = await service.create({ name: 'dash', role: 'user' });
    expect(await service.authenticate(created.key)).toEqual({
      apiKeyId: created.id,
      name: 'dash',
      role: 'user',
      entityId: DEFAULT_ENTITY_ID,
    });
    expect(await service.authenticate(`${created.key}x`)).toBeNull();
    expect(await service.authenticate('')).toBeNull();
    expect(await service.authenticate('gf_'.padEnd(600, 'a'))).toBeNull();
    const firstUse = clock.now().toISOString();
    expect((await rowOf(created.id)).last_used_at).toBe(firstUse);

    clock.advance(30_000);
    await service.authenticate(created.key);
    expect((await rowOf(created.id)).last_used_at).toBe(firstUse);
    clock.advance(31_000);
    await service.authenticate(created.key);
    expect((await rowOf(created.id)).last_used_at).toBe(clock.now().toISOString());
    expect((await service.list())[0]!.lastUsedAt).toBe(clock.now().toISOString());
  });

  it('serves repeated lookups from memory for the cache TTL', async () => {
    const created = await service.create({ name: 'hot', role: 'admin' });
    expect(await service.authenticate(created.key)).not.toBeNull();
    // Another process suspends the key behind this one's back.
    await store.db
      .updateTable('api_keys')
      .set({ suspended_at: clock.now().toISOString() })
      .where('id', '=', created.id)
      .execute();
    clock.advance(4_000);
    expect(await service.authenticate(created.key)).not.toBeNull();
    clock.advance(1_500);
    expect(await service.authenticate(created.key)).toBeNull();
  });

  it('rotates: the old secret dies at once, the new one works', async () => {
    const created = await service.create({ name: 'rotating', role: 'power_user' });
    expect(await service.authenticate(created.key)).not.toBeNull();
    const rotated = await service.rotate(created.id);
    expect(rotated.id).toBe(created.id);
    expect(rotated.key).toMatch(KEY_SHAPE);
    expect(rotated.key).not.toBe(created.key);
    expect(rotated.prefix).toBe(rotated.key.slice(0, 9));
    expect(await service.authenticate(created.key)).toBeNull();
    expect((await service.authenticate(rotated.key))?.apiKeyId).toBe(created.id);
    expect(await caught(() => service.rotate('00000000-0000-4000-8000-00000000dead'))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
  });

  it('suspends and resumes', async () => {
    await service.create({ name: 'keeper', role: 'admin' });
    const created = await service.create({ name: 'pausable', role: 'admin' });
    expect(await service.authenticate(created.key)).not.toBeNull();
    expect((await service.setSuspended(created.id, true)).suspended).toBe(true);
    expect(await service.authenticate(created.key)).toBeNull();
    expect((await rowOf(created.id)).suspended_at).toBe(clock.now().toISOString());
    expect((await service.setSuspended(created.id, false)).suspended).toBe(false);
    expect(await service.authenticate(created.key)).not.toBeNull();
  });

  it('expires', async () => {
    const created = await service.create({ name: 'temp', role: 'user', expiresAt: '2030-01-01T01:00:00+00:00' });
    expect(created.expiresAt).toBe('2030-01-01T01:00:00.000Z');
    expect(await service.authenticate(created.key)).not.toBeNull();
    clock.advance(60 * 60_000);
    // Also from the cache: expiry is checked on every call.
    expect(await service.authenticate(created.key)).toBeNull();
    expect(await caught(() => service.create({ name: 'past', role: 'user', expiresAt: '2029-12-31T23:00:00Z' }))).toMatchObject({
      code: 'VALIDATION_ERROR',
    });
    expect(await caught(() => service.create({ name: 'bad', role: 'user', expiresAt: 'tomorrow' }))).toMatchObject({
      code: 'VALIDATION_ERROR',
    });
  });

  it('revokes', async () => {
    await service.create({ name: 'keeper', role: 'admin' });
    const created = await service.create({ name: 'doomed', role: 'user' });
    expect(await service.authenticate(created.key)).not.toBeNull();
    await service.remove(created.id);
    expect(await service.authenticate(created.key)).toBeNull();
    expect((await service.list()).map((k) => k.name)).toEqual(['keeper']);
    expect((await rowOf(created.id)).revoked_at).toBe(clock.now().toISOString());
    expect(await caught(() => service.remove(created.id))).toMatchObject({ status: 404 });
    expect(await caught(() => service.setSuspended(created.id, true))).toMatchObject({ status: 404 });
  });

  it('never takes away the last working admin key', async () => {
    const admin = await bootstrapAdminKey(store, 'operator-chosen-admin-key', { clock: clock.now });
    const user = await service.create({ name: 'viewer', role: 'user' });
    expect(await caught(() => service.remove(admin.id))).toMatchObject({ status: 409, code: 'LAST_ADMIN_KEY' });
    expect(await caught(() => service.setSuspended(admin.id, true))).toMatchObject({ status: 409, code: 'LAST_ADMIN_KEY' });
    await service.remove(user.id);
    await service.create({ name: 'second admin', role: 'admin' });
    await service.setSuspended(admin.id, true);
    await service.remove(admin.id);
  });

  it('bootstraps the configured admin key idempotently, and brings it back', async () => {
    const first = await bootstrapAdminKey(store, 'operator-chosen-admin-key', { clock: clock.now });
    const again = await bootstrapAdminKey(store, 'operator-chosen-admin-key', { clock: clock.now });
    expect(again).toEqual(first);
    expect(first).toMatchObject({ role: 'admin', suspended: false, expiresAt: null, prefix: 'operat' });
    expect(await store.db.selectFrom('api_keys').selectAll().execute()).toHaveLength(1);
    expect(await service.authenticate('operator-chosen-admin-key')).toMatchObject({ apiKeyId: first.id, role: 'admin' });

    await store.db.updateTable('api_keys').set({ revoked_at: clock.now().toISOString(), role: 'user' }).execute();
    await bootstrapAdminKey(store, 'operator-chosen-admin-key', { clock: clock.now });
    clock.advance(10_000);
    expect(await service.authenticate('operator-chosen-admin-key')).toMatchObject({ apiKeyId: first.id, role: 'admin' });

    await expect(bootstrapAdminKey(store, 'short')).rejects.toThrow(/at least 8/);
  });
});
