import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Provider, ProviderLogger } from '../../src/core/provider/provider.ts';
import { ProviderAccountService } from '../../src/services/accounts/service.ts';
import { AppError } from '../../src/services/errors.ts';
import { SecretBox } from '../../src/services/secrets.ts';
import type { Store } from '../../src/store/database.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';
import { fakeProvider } from './support/fake-provider.ts';
import { caught, insertVm, manualClock } from './support/rows.ts';

const KEY_1 = 'valid-key-0001';
const KEY_2 = 'valid-key-0002';
const BAD_KEY = 'wrong-key-9999';
const ORG_TOKEN = 'org-token-secret-5555';

describe.each(STORE_KINDS)('ProviderAccountService on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let clock: ReturnType<typeof manualClock>;
  let fake: ReturnType<typeof fakeProvider>;
  let bare: ReturnType<typeof fakeProvider>;
  let service: ProviderAccountService;
  let changed: string[];
  let logs: unknown[];

  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(kind));
    clock = manualClock();
    fake = fakeProvider({ id: 'fakecloud', withExtras: true });
    bare = fakeProvider({ id: 'barecloud' });
    changed = [];
    logs = [];
    const logger: ProviderLogger = {
      info: (msg, fields) => logs.push({ msg, fields }),
      warn: (msg, fields) => logs.push({ msg, fields }),
      error: (msg, fields) => logs.push({ msg, fields }),
    };
    const definitions = [fake.definition, bare.definition];
    // What the runtime's pool does: connect the stored, decrypted configuration.
    const connected = async (id: string): Promise<Provider> => {
      const config = await service.loadAccountConfig(id);
      const definition = definitions.find((d) => d.id === config?.provider);
      if (!config || !definition) throw new AppError(404, 'NOT_FOUND', id);
      return definition.connect(config, { logger });
    };
    service = new ProviderAccountService({
      store,
      secrets: new SecretBox(randomBytes(32)),
      providers: definitions,
      hooks: { providerFor: connected, accountsChanged: (id) => changed.push(id) },
      logger,
      clock: clock.now,
    });
  });
  afterEach(async () => {
    // Whatever a test did, no credential value may have reached a log line.
    const logged = JSON.stringify(logs);
    for (const secret of [KEY_1, KEY_2, BAD_KEY, ORG_TOKEN]) expect(logged).not.toContain(secret);
    await cleanup();
  });

  const create = (overrides: Record<string, unknown> = {}) =>
    service.create({ provider: 'fakecloud', name: 'main', credentials: { apiKey: KEY_1 }, ...overrides } as Parameters<
      ProviderAccountService['create']
    >[0]);

  it('creates a verified account whose credentials are write-only', async () => {
    const view = await create({ credentials: { apiKey: KEY_1, orgToken: ORG_TOKEN }, settings: { regions: ['eu'] } });
    expect(view).toEqual({
      id: expect.any(String),
      provider: 'fakecloud',
      name: 'main',
      baseUrl: 'https://api.fakecloud.example/v1',
      settings: { project: 'default-project', regions: ['eu'] },
      enabled: true,
      sandbox: false,
      health: 'ok',
      lastError: null,
      lastSyncedAt: null,
      credentialFields: ['apiKey', 'orgToken'],
      createdAt: clock.now().toISOString(),
      updatedAt: clock.now().toISOString(),
    });
    expect(fake.verified).toHaveLength(1);
    expect(fake.verified[0]).toMatchObject({ accountId: view.id, credentials: { apiKey: KEY_1, orgToken: ORG_TOKEN } });
    expect(changed).toEqual([view.id]);

    const everything = JSON.stringify([view, await service.get(view.id), await service.list()]);
    expect(everything).not.toContain(KEY_1);
    expect(everything).not.toContain(ORG_TOKEN);
    const row = await store.db.selectFrom('provider_accounts').selectAll().where('id', '=', view.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(KEY_1);

    expect(await service.loadAccountConfig(view.id)).toEqual({
      accountId: view.id,
      provider: 'fakecloud',
      name: 'main',
      baseUrl: 'https://api.fakecloud.example/v1',
      credentials: { apiKey: KEY_1, orgToken: ORG_TOKEN },
      settings: { project: 'default-project', regions: ['eu'] },
      enabled: true,
    });
    expect(await service.loadAccountConfig('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('checks credentials and settings against the provider schemas, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ credentials: {} }, 'credentials.apiKey'],
      [{ credentials: { apiKey: 'short' } }, 'credentials.apiKey'],
      [{ credentials: { apiKey: 42 } }, 'credentials.apiKey'],
      [{ credentials: { apiKey: KEY_1, extra: 'x' } }, 'credentials.extra'],
      [{ credentials: 'nope' }, 'credentials'],
      [{ settings: { project: 7 } }, 'settings.project'],
      [{ settings: { regions: ['eu', 3] } }, 'settings.regions.1'],
    ];
    for (const [input, field] of cases) {
      const error = await caught(() => create(input));
      expect(error).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', details: { field } });
      expect(error.message.startsWith(`${field}:`)).toBe(true);
    }
    expect(await caught(() => create({ provider: 'nimbus' }))).toMatchObject({ status: 400, code: 'UNKNOWN_PROVIDER' });
    for (const baseUrl of ['ftp://api.example', 'not a url', 'https://user:pw@api.example']) {
      expect(await caught(() => create({ baseUrl }))).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    }
    expect(fake.verified).toHaveLength(0);
    expect(await service.list()).toEqual([]);
  });

  it('refuses credentials the provider rejects, and says when it is unreachable', async () => {
    const rejected = await caught(() => create({ credentials: { apiKey: BAD_KEY } }));
    expect(rejected).toMatchObject({ status: 400, code: 'INVALID_CREDENTIALS' });
    expect(rejected.message).toContain('Fake Cloud fakecloud');
    expect(rejected.message).not.toContain(BAD_KEY);
    const down = await caught(() => create({ credentials: { apiKey: 'down-for-maintenance' } }));
    expect(down).toMatchObject({ status: 503, code: 'GPU_PROVIDER_UNAVAILABLE' });
    expect(await service.list()).toEqual([]);
    expect(changed).toEqual([]);
  });

  it('gives up on a provider that does not answer', async () => {
    const hanging = fakeProvider({ id: 'slowcloud' });
    const slowDefinition = {
      ...hanging.definition,
      connect: (...args: Parameters<typeof hanging.definition.connect>) => ({
        ...hanging.definition.connect(...args),
        verify: () => new Promise<void>(() => undefined),
      }),
    };
    const slow = new ProviderAccountService({
      store,
      secrets: new SecretBox(randomBytes(32)),
      providers: [slowDefinition],
      hooks: { providerFor: async () => Promise.reject(new Error('unused')), accountsChanged: () => undefined },
      verifyTimeoutMs: 100,
    });
    const error = await caught(() => slow.create({ provider: 'slowcloud', name: 'slow', credentials: { apiKey: KEY_1 } }));
    expect(error).toMatchObject({ status: 503, code: 'GPU_PROVIDER_UNAVAILABLE' });
  });

  it('keeps names unique', async () => {
    await create();
    expect(await caught(() => create({ name: 'MAIN', credentials: { apiKey: KEY_2 } }))).toMatchObject({
      status: 409,
      code: 'NAME_TAKEN',
    });
  });

  it('updates: verifies new connection details, merges credential fields, skips the check for a rename', async () => {
    const view = await create({ credentials: { apiKey: KEY_1, orgToken: ORG_TOKEN } });
    clock.advance(1_000);
    const renamed = await service.update(view.id, { name: 'primary', enabled: false });
    expect(renamed).toMatchObject({ name: 'primary', enabled: false, updatedAt: clock.now().toISOString() });
    expect(fake.verified).toHaveLength(1);
    expect(await service.listEnabledAccountConfigs()).toEqual([]);

    await service.update(view.id, { credentials: { apiKey: KEY_2 }, enabled: true });
    expect(fake.verified).toHaveLength(2);
    expect(fake.verified[1]!.credentials).toEqual({ apiKey: KEY_2, orgToken: ORG_TOKEN });
    expect((await service.loadAccountConfig(view.id))?.credentials).toEqual({ apiKey: KEY_2, orgToken: ORG_TOKEN });

    expect(await caught(() => service.update(view.id, { credentials: { apiKey: BAD_KEY } }))).toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    expect((await service.loadAccountConfig(view.id))?.credentials.apiKey).toBe(KEY_2);

    const moved = await service.update(view.id, { baseUrl: 'http://127.0.0.1:9999/api', settings: { project: 'p2' } });
    expect(moved).toMatchObject({ baseUrl: 'http://127.0.0.1:9999/api', settings: { project: 'p2' }, health: 'ok' });
    expect(fake.verified.at(-1)).toMatchObject({ baseUrl: 'http://127.0.0.1:9999/api', settings: { project: 'p2' } });
    expect(
      await caught(() => service.update(view.id, { settings: { project: 1 } as unknown as Record<string, unknown> })),
    ).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { field: 'settings.project' },
    });
    expect(changed).toEqual([view.id, view.id, view.id, view.id]);
    expect(await caught(() => service.update('00000000-0000-4000-8000-000000000000', { name: 'x' }))).toMatchObject({
      status: 404,
    });
  });

  it('refuses to remove an account with live VMs, then removes it and forgets its secrets', async () => {
    const view = await create();
    const vm = await insertVm(store, { accountId: view.id });
    await insertVm(store, { accountId: view.id, deletedAt: '2029-01-01T00:00:00.000Z' });
    expect(await caught(() => service.remove(view.id))).toMatchObject({
      status: 409,
      code: 'ACCOUNT_HAS_VMS',
      details: { vmCount: 1 },
    });

    await store.db.updateTable('vms').set({ deleted_at: clock.now().toISOString() }).where('id', '=', vm).execute();
    await service.remove(view.id);
    expect(await caught(() => service.get(view.id))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await service.loadAccountConfig(view.id)).toBeNull();
    expect(changed).toEqual([view.id, view.id]);
    const row = await store.db.selectFrom('provider_accounts').selectAll().where('id', '=', view.id).executeTakeFirstOrThrow();
    expect(row.deleted_at).toBe(clock.now().toISOString());
    // The name is free again.
    await create({ credentials: { apiKey: KEY_2 } });
  });

  it('lists unmanaged instances of accounts that exist', async () => {
    const live = await create();
    const gone = await create({ name: 'old', credentials: { apiKey: KEY_2 } });
    await service.remove(gone.id);
    const instance = (accountId: string, id: string, seen: string) => ({
      account_id: accountId,
      provider_instance_id: id,
      name: `box-${id}`,
      provider_status: 'running',
      gpufleet_id: null,
      first_seen_at: '2030-01-01T00:00:00.000Z',
      last_seen_at: seen,
      info_json: '{}',
    });
    await store.db
      .insertInto('foreign_instances')
      .values([
        instance(live.id, 'i-1', '2030-01-01T00:01:00.000Z'),
        instance(live.id, 'i-2', '2030-01-01T00:02:00.000Z'),
        instance(gone.id, 'i-3', '2030-01-01T00:03:00.000Z'),
      ])
      .execute();
    expect(await service.unmanagedInstances()).toEqual([
      {
        accountId: live.id,
        providerInstanceId: 'i-2',
        name: 'box-i-2',
        providerStatus: 'running',
        firstSeenAt: '2030-01-01T00:00:00.000Z',
        lastSeenAt: '2030-01-01T00:02:00.000Z',
      },
      expect.objectContaining({ providerInstanceId: 'i-1' }),
    ]);
  });

  it('reaches projects through the connected adapter', async () => {
    const view = await create({ credentials: { apiKey: KEY_1 } });
    expect(await service.projects(view.id)).toEqual([{ id: 'p-1', name: 'project of main' }]);
    const plain = await service.create({ provider: 'barecloud', name: 'plain', credentials: { apiKey: KEY_1 } });
    expect(await caught(() => service.projects(plain.id))).toMatchObject({ status: 400, code: 'NOT_SUPPORTED' });
    expect(await caught(() => service.projects('00000000-0000-4000-8000-000000000000'))).toMatchObject({ status: 404 });
  });

  it('upserts one sandbox account per provider without verifying it', async () => {
    const first = await service.upsertSandboxAccount({
      provider: 'fakecloud',
      name: 'Fake (sandbox)',
      baseUrl: 'http://127.0.0.1:41001',
      credentials: { apiKey: KEY_1 },
      settings: {},
    });
    expect(first).toMatchObject({ sandbox: true, enabled: true, health: 'unknown', baseUrl: 'http://127.0.0.1:41001' });
    clock.advance(1_000);
    const second = await service.upsertSandboxAccount({
      provider: 'fakecloud',
      name: 'Fake (sandbox)',
      baseUrl: 'http://127.0.0.1:42002',
      credentials: { apiKey: KEY_2 },
      settings: { project: 'sim' },
    });
    expect(second.id).toBe(first.id);
    expect(second).toMatchObject({ baseUrl: 'http://127.0.0.1:42002', settings: { project: 'sim' }, createdAt: first.createdAt });
    expect((await service.loadAccountConfig(first.id))?.credentials).toEqual({ apiKey: KEY_2 });
    expect(await service.list()).toHaveLength(1);
    expect(fake.verified).toHaveLength(0);
    expect(changed).toEqual([first.id, first.id]);
  });

  it('records health and sync times from the runtime', async () => {
    const view = await create();
    await service.markHealth(view.id, 'auth_failed', 'credentials rejected');
    await service.markSynced(view.id, '2030-01-01T00:00:05.000Z');
    expect(await service.get(view.id)).toMatchObject({
      health: 'auth_failed',
      lastError: 'credentials rejected',
      lastSyncedAt: '2030-01-01T00:00:05.000Z',
      updatedAt: view.updatedAt,
    });
    await service.markHealth(view.id, 'ok', null);
    expect(await service.get(view.id)).toMatchObject({ health: 'ok', lastError: null });
  });

  it('cannot be fooled into opening credentials moved from another account', async () => {
    const a = await create();
    const b = await create({ name: 'second', credentials: { apiKey: KEY_2 } });
    const rowA = await store.db
      .selectFrom('provider_accounts')
      .select('credentials_enc')
      .where('id', '=', a.id)
      .executeTakeFirstOrThrow();
    await store.db
      .updateTable('provider_accounts')
      .set({ credentials_enc: rowA.credentials_enc })
      .where('id', '=', b.id)
      .execute();

    const shown = await service.get(b.id);
    expect(shown.credentialFields).toEqual([]);
    expect(shown.lastError).toMatch(/cannot be decrypted/);
    expect(await caught(() => service.loadAccountConfig(b.id))).toMatchObject({ status: 500, code: 'CREDENTIALS_UNREADABLE' });
    expect((await service.listEnabledAccountConfigs()).map((c) => c.accountId)).toEqual([a.id]);

    // Setting the credentials again repairs it.
    await service.update(b.id, { credentials: { apiKey: KEY_2 } });
    expect((await service.loadAccountConfig(b.id))?.credentials).toEqual({ apiKey: KEY_2 });
  });

  it('describes the registered providers', async () => {
    const providers = await service.providers();
    expect(providers.map((p) => p.id)).toEqual(['fakecloud', 'barecloud']);
    expect(providers[0]).toMatchObject({
      displayName: 'Fake Cloud fakecloud',
      defaultBaseUrl: 'https://api.fakecloud.example/v1',
    });
    expect(providers[0]!.credentialsSchema).toMatchObject({ type: 'object', required: ['apiKey'] });
  });
});
