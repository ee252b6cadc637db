import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountFixture,
  apiKeyFixture,
  datacenterFixture,
  type FakeServices,
  groupFixture,
  IDS,
  imageFixture,
  inventoryFixture,
  offerFixture,
  seriesFixture,
  sshKeyFixture,
} from './fake-services.ts';
import { as, buildTestApi, errorOf } from './helpers.ts';

let app: FastifyInstance;
let fake: FakeServices;

beforeAll(async () => {
  ({ app, fake } = await buildTestApi());
});
afterAll(() => app.close());

describe('catalog', () => {
  it('serves inventory with its query, series and datacenters', async () => {
    const inventory = await app.inject({
      url: `/v1/resource/gpu/inventory?code=h100_series&count=8&datacenterId=${IDS.datacenter}`,
      headers: as('user'),
    });
    expect(inventory.json().data).toEqual(inventoryFixture);
    expect(fake.lastCall('catalog.inventory')?.[0]).toEqual({ code: 'h100_series', count: 8, datacenterId: IDS.datacenter });
    expect((await app.inject({ url: '/v1/resource/gpu/inventory?count=3', headers: as('user') })).statusCode).toBe(400);
    expect((await app.inject({ url: '/v1/resource/gpu/series', headers: as('user') })).json().data).toEqual([seriesFixture]);
    expect((await app.inject({ url: '/v1/resource/data-centers', headers: as('user') })).json().data).toEqual([
      datacenterFixture,
    ]);
  });

  it('lists images in the paged envelope, refusing sorts other than name', async () => {
    const res = await app.inject({ url: '/v1/resource/gpu/images?page=1&limit=5&sort=name:asc', headers: as('user') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ success: true, data: [imageFixture], meta: { total: 1, page: 1, pageSize: 5 } });
    expect(fake.lastCall('images.list')?.[0]).toMatchObject({ page: 1, limit: 5, sort: [{ field: 'name', direction: 'asc' }] });
    const bad = await app.inject({ url: '/v1/resource/gpu/images?sort=size:asc', headers: as('user') });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).error).toBe('VALIDATION_ERROR');
  });

  it('passes the provider error of an inventory through', async () => {
    const original = fake.services.catalog.inventory;
    fake.services.catalog.inventory = async () => ({
      series: [{ ...seriesFixture, availability: [] }],
      error: { code: 'GPU_PROVIDER_UNAVAILABLE', message: 'RunPod did not answer' },
      ageSeconds: 0,
    });
    try {
      const res = await app.inject({ url: '/v1/resource/gpu/inventory', headers: as('user') });
      expect(res.statusCode).toBe(200);
      expect(res.json().data.error).toEqual({ code: 'GPU_PROVIDER_UNAVAILABLE', message: 'RunPod did not answer' });
    } finally {
      fake.services.catalog.inventory = original;
    }
  });

  it('lists offers, splitting the comma lists of the query', async () => {
    const res = await app.inject({
      url: '/v1/offers?seriesCode=h100_series&gpuCount=8&countries=FI,%20DE&excludeProviders=runpod&spot=allow&machineKinds=vm,container&availableOnly=true&maxPricePerHour=25.5',
      headers: as('user'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ offers: [offerFixture], ageSeconds: 3 });
    expect(fake.lastCall('catalog.offers')?.[0]).toMatchObject({
      seriesCode: 'h100_series',
      gpuCount: 8,
      countries: ['FI', 'DE'],
      excludeProviders: ['runpod'],
      spot: 'allow',
      machineKinds: ['vm', 'container'],
      availableOnly: true,
      maxPricePerHour: 25.5,
    });
    const badKind = await app.inject({ url: '/v1/offers?machineKinds=vm,baremetal', headers: as('user') });
    expect(errorOf(badKind).message).toContain('query.machineKinds');
    const badSpot = await app.inject({ url: '/v1/offers?spot=maybe', headers: as('user') });
    expect(errorOf(badSpot).message).toContain('query.spot must be one of: allow, only, exclude');
  });
});

describe('SSH keys', () => {
  it('lists, gets, uploads, generates, updates and deletes', async () => {
    const list = await app.inject({ url: '/v1/resource/ssh-keys?sort=name:asc', headers: as('user') });
    expect(list.json()).toMatchObject({ data: [sshKeyFixture], meta: { total: 1, page: 1 } });
    expect((await app.inject({ url: '/v1/resource/ssh-keys?sort=status:asc', headers: as('user') })).statusCode).toBe(400);
    expect((await app.inject({ url: `/v1/resource/ssh-keys/${IDS.sshKey}`, headers: as('user') })).json().data).toEqual(
      sshKeyFixture,
    );

    const upload = await app.inject({
      method: 'POST',
      url: '/v1/resource/ssh-keys',
      headers: as('power_user'),
      payload: { name: 'ci', publicKey: sshKeyFixture.publicKey, isDefault: false },
    });
    expect(upload.statusCode).toBe(201);
    expect(upload.json().data).toMatchObject({ name: 'ci' });
    expect(fake.lastCall('sshKeys.upload')?.[1]).toMatchObject({ role: 'power_user' });

    const generated = await app.inject({
      method: 'POST',
      url: '/v1/resource/ssh-keys/generate',
      headers: as('admin'),
      payload: { name: 'gen', algorithm: 'rsa-4096', passphrase: 'correct horse' },
    });
    expect(generated.statusCode).toBe(201);
    expect(generated.json().data).toEqual({ ...sshKeyFixture, name: 'gen', privateKey: expect.stringContaining('PRIVATE KEY') });
    const badAlgorithm = await app.inject({
      method: 'POST',
      url: '/v1/resource/ssh-keys/generate',
      headers: as('admin'),
      payload: { name: 'g', algorithm: 'dsa' },
    });
    expect(badAlgorithm.statusCode).toBe(400);

    const updated = await app.inject({
      method: 'PUT',
      url: `/v1/resource/ssh-keys/${IDS.sshKey}`,
      headers: as('admin'),
      payload: { isDefault: true },
    });
    expect(updated.statusCode).toBe(200);
    const removed = await app.inject({ method: 'DELETE', url: `/v1/resource/ssh-keys/${IDS.sshKey}`, headers: as('admin') });
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toEqual({ success: true, message: 'SSH key deleted successfully', data: null, meta: null });
  });
});

describe('resource groups', () => {
  it('creates with a budget, updates, removes the budget with null, deletes', async () => {
    const budget = { monthlyAmount: 1000, currency: 'usd', warnAtPercent: 75, action: 'refuse' };
    const created = await app.inject({
      method: 'POST',
      url: '/v1/resource-groups',
      headers: as('admin'),
      payload: { name: 'ops', budget },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().data).toMatchObject({ name: 'ops', budget });
    const badBudget = await app.inject({
      method: 'POST',
      url: '/v1/resource-groups',
      headers: as('admin'),
      payload: { name: 'ops', budget: { ...budget, action: 'email' } },
    });
    expect(errorOf(badBudget).message).toContain('body.budget');
    expect((await app.inject({ url: '/v1/resource-groups', headers: as('user') })).json().data).toEqual([groupFixture]);
    expect((await app.inject({ url: `/v1/resource-groups/${IDS.group}`, headers: as('user') })).json().data).toEqual(
      groupFixture,
    );
    await app.inject({
      method: 'PUT',
      url: `/v1/resource-groups/${IDS.group}`,
      headers: as('admin'),
      payload: { budget: null, description: null },
    });
    expect(fake.lastCall('resourceGroups.update')).toEqual([IDS.group, { budget: null, description: null }]);
    expect(
      (await app.inject({ method: 'DELETE', url: `/v1/resource-groups/${IDS.group}`, headers: as('admin') })).statusCode,
    ).toBe(200);
  });
});

describe('provider accounts', () => {
  const credentials = { clientId: 'client-abc', clientSecret: 'super-secret-value-123' };

  it('takes credentials in and never gives them back', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/provider-accounts',
      headers: as('admin'),
      payload: { provider: 'verda', name: 'Verda main', credentials, settings: { currency: 'eur' } },
    });
    expect(created.statusCode).toBe(201);
    expect(fake.lastCall('accounts.create')?.[0]).toMatchObject({ credentials });
    expect(created.body).not.toContain('super-secret-value-123');
    expect(created.json().data.credentialFields).toEqual(['clientId', 'clientSecret']);

    const original = fake.services.accounts.get;
    // Even a service that leaked the secret must not get it past the response schema.
    fake.services.accounts.get = async () => ({ ...accountFixture, credentials }) as typeof accountFixture;
    try {
      const res = await app.inject({ url: `/v1/provider-accounts/${IDS.account}`, headers: as('user') });
      expect(res.body).not.toContain('super-secret-value-123');
      expect(res.json().data).toEqual(accountFixture);
    } finally {
      fake.services.accounts.get = original;
    }
  });

  it('keeps free-form settings and provider schemas whole', async () => {
    expect((await app.inject({ url: '/v1/provider-accounts', headers: as('user') })).json().data).toEqual([accountFixture]);
    const providers = await app.inject({ url: '/v1/provider-accounts/providers', headers: as('user') });
    expect(providers.json().data[0]).toEqual({
      id: 'verda',
      displayName: 'Verda',
      capabilities: { stopStart: true, spot: true },
      credentialsSchema: { type: 'object', properties: { clientId: { type: 'string' } } },
      settingsSchema: { type: 'object', properties: {} },
    });
  });

  it('validates credentials and base URL', async () => {
    const numeric = await app.inject({
      method: 'POST',
      url: '/v1/provider-accounts',
      headers: as('admin'),
      payload: { provider: 'verda', name: 'x', credentials: { clientId: 42 } },
    });
    expect(errorOf(numeric).message).toContain('body.credentials.clientId');
    const ftp = await app.inject({
      method: 'PUT',
      url: `/v1/provider-accounts/${IDS.account}`,
      headers: as('admin'),
      payload: { baseUrl: 'ftp://x' },
    });
    expect(errorOf(ftp).message).toContain('body.baseUrl');
  });
  it('serves unmanaged instances and projects, and deletes', async () => {
    expect(
      (await app.inject({ url: '/v1/provider-accounts/unmanaged-instances', headers: as('user') })).json().data,
    ).toHaveLength(1);
    expect((await app.inject({ url: `/v1/provider-accounts/${IDS.account}/projects`, headers: as('user') })).json().data).toEqual(
      [{ id: 'p1', name: 'Default' }],
    );
    expect(
      (await app.inject({ method: 'DELETE', url: `/v1/provider-accounts/${IDS.account}`, headers: as('admin') })).statusCode,
    ).toBe(200);
  });
});

describe('API keys', () => {
  it('creates (key shown once), rotates, suspends, unsuspends, deletes', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: as('admin'),
      payload: { name: 'ci', role: 'user' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().data).toEqual({ ...apiKeyFixture, name: 'ci', role: 'user', key: 'gf_new_secret' });
    const badRole = await app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: as('admin'),
      payload: { name: 'ci', role: 'root' },
    });
    expect(errorOf(badRole).message).toContain('body.role must be one of: admin, power_user, user');
    expect((await app.inject({ url: '/v1/api-keys', headers: as('admin') })).json().data).toEqual([apiKeyFixture]);
    expect(
      (await app.inject({ method: 'POST', url: `/v1/api-keys/${IDS.apiKey}/rotate`, headers: as('admin') })).json().data.key,
    ).toBe('gf_rotated_secret');
    expect(
      (await app.inject({ method: 'POST', url: `/v1/api-keys/${IDS.apiKey}/suspend`, headers: as('admin') })).json().data
        .suspended,
    ).toBe(true);
    expect(
      (await app.inject({ method: 'POST', url: `/v1/api-keys/${IDS.apiKey}/unsuspend`, headers: as('admin') })).json().data
        .suspended,
    ).toBe(false);
    expect((await app.inject({ method: 'DELETE', url: `/v1/api-keys/${IDS.apiKey}`, headers: as('admin') })).statusCode).toBe(
      200,
    );
  });
});

describe('costs', () => {
  it('defaults to the last 30 days grouped by VM', async () => {
    const before = Date.now();
    const res = await app.inject({ url: '/v1/costs', headers: as('user') });
    expect(res.statusCode).toBe(200);
    const query = fake.lastCall('costs.report')?.[0] as { from: string; to: string; groupBy: string };
    expect(query.groupBy).toBe('vm');
    expect(Date.parse(query.to)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(query.to) - Date.parse(query.from)).toBe(30 * 24 * 3600_000);
    expect(res.json().data.rows).toHaveLength(1);
  });

  it('takes a period and a grouping, refusing an inverted period', async () => {
    const res = await app.inject({
      url: '/v1/costs?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&groupBy=provider',
      headers: as('user'),
    });
    expect(res.json().data).toMatchObject({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
      groupBy: 'provider',
    });
    const inverted = await app.inject({
      url: '/v1/costs?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      headers: as('user'),
    });
    expect(errorOf(inverted).message).toContain('query.from');
    expect((await app.inject({ url: '/v1/costs?groupBy=team', headers: as('user') })).statusCode).toBe(400);
    expect((await app.inject({ url: '/v1/costs?from=yesterday', headers: as('user') })).statusCode).toBe(400);
  });
});
