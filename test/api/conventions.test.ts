import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/services/errors.ts';
import { type FakeServices, IDS, jobFixture } from './fake-services.ts';
import { as, bearer, buildTestApi, errorOf } from './helpers.ts';

const order = {
  name: 'train-1',
  datacenterId: IDS.datacenter,
  seriesId: IDS.series,
  gpuCount: 8,
  sshKeyId: IDS.sshKey,
};

let app: FastifyInstance;
let fake: FakeServices;

beforeAll(async () => {
  ({ app, fake } = await buildTestApi());
});
afterAll(() => app.close());

describe('envelope', () => {
  it('wraps a single object with meta null', async () => {
    const res = await app.inject({ url: `/v1/resource/gpu/${IDS.vm}`, headers: as('user') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['data', 'message', 'meta', 'success']);
    expect(body).toMatchObject({ success: true, meta: null, data: { id: IDS.vm } });
    expect(body.message).toEqual(expect.any(String));
  });

  it('wraps a page with paging meta and passes page/limit/sort/search down', async () => {
    const res = await app.inject({
      url: '/v1/resource/gpu?page=2&limit=1&sort=name:asc,createdAt:desc&search=%20train%20',
      headers: as('user'),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data).toHaveLength(1);
    expect(body.meta).toEqual({ total: 2, page: 2, pageSize: 1, totalPages: 2, hasNextPage: false, hasPreviousPage: true });
    expect(fake.lastCall('vms.list')?.[0]).toEqual({
      page: 2,
      limit: 1,
      sort: [
        { field: 'name', direction: 'asc' },
        { field: 'createdAt', direction: 'desc' },
      ],
      search: 'train',
      includeDeleted: false,
      resourceGroupId: undefined,
      status: undefined,
    });
  });

  it('applies the list defaults', async () => {
    await app.inject({ url: '/v1/resource/gpu?includeDeleted=true&status=Stopped', headers: as('user') });
    expect(fake.lastCall('vms.list')?.[0]).toMatchObject({
      page: 1,
      limit: 10,
      sort: [{ field: 'createdAt', direction: 'desc' }],
      includeDeleted: true,
      status: 'Stopped',
    });
  });

  it('refuses an unknown sort field by name, a bad direction and a limit over 100', async () => {
    const unknown = await app.inject({ url: '/v1/resource/gpu?sort=price:asc', headers: as('user') });
    expect(unknown.statusCode).toBe(400);
    expect(errorOf(unknown)).toMatchObject({ error: 'VALIDATION_ERROR', message: expect.stringContaining('"price"') });
    const direction = await app.inject({ url: '/v1/resource/gpu?sort=name:up', headers: as('user') });
    expect(errorOf(direction).message).toContain('asc or desc');
    const limit = await app.inject({ url: '/v1/resource/gpu?limit=101', headers: as('user') });
    expect(limit.statusCode).toBe(400);
    expect(errorOf(limit).message).toContain('query.limit');
  });
});

describe('authentication', () => {
  it('answers 401 UNAUTHORIZED without a key', async () => {
    const res = await app.inject({ url: '/v1/resource/gpu' });
    expect(res.statusCode).toBe(401);
    expect(errorOf(res).error).toBe('UNAUTHORIZED');
  });

  it('answers 401 for a wrong key in either header style', async () => {
    for (const headers of [
      { 'x-api-key': 'gf_wrong' },
      { authorization: 'Bearer gf_wrong' },
      { authorization: 'Basic Zm9vOmJhcg==' },
    ]) {
      const res = await app.inject({ url: '/v1/resource/gpu', headers });
      expect(res.statusCode).toBe(401);
      expect(errorOf(res).error).toBe('UNAUTHORIZED');
    }
  });

  it('accepts X-API-Key and Authorization: Bearer', async () => {
    expect((await app.inject({ url: '/v1/resource/gpu', headers: as('user') })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/resource/gpu', headers: bearer('user') })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/resource/gpu', headers: { authorization: 'bearer gf_user_key' } })).statusCode).toBe(
      200,
    );
  });

  it('needs no key for /healthz', async () => {
    const res = await app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.status).toBe('ok');
  });
});

describe('roles', () => {
  it('lets a user read but not write (403 FORBIDDEN), before looking at the body', async () => {
    expect((await app.inject({ url: '/v1/resource/ssh-keys', headers: as('user') })).statusCode).toBe(200);
    const writes = [
      { method: 'POST' as const, url: '/v1/resource/gpu', payload: order },
      { method: 'POST' as const, url: `/v1/resource/gpu/${IDS.vm}/stop` },
      { method: 'DELETE' as const, url: `/v1/resource/gpu/${IDS.vm}` },
      { method: 'PUT' as const, url: `/v1/resource/gpu/${IDS.vm}`, payload: { name: 'x' } },
      { method: 'POST' as const, url: '/v1/resource/ssh-keys', payload: { nonsense: true } },
      { method: 'POST' as const, url: '/v1/resource-groups', payload: { name: 'g' } },
      { method: 'GET' as const, url: `/v1/resource/gpu/${IDS.vm}/ssh-key` },
    ];
    for (const request of writes) {
      const res = await app.inject({ ...request, headers: as('user') });
      expect(res.statusCode, `${request.method} ${request.url}`).toBe(403);
      expect(errorOf(res).error).toBe('FORBIDDEN');
    }
  });

  it('lets a power user manage VMs, keys and groups but not provider accounts or API keys', async () => {
    expect(
      (await app.inject({ method: 'POST', url: `/v1/resource/gpu/${IDS.vm}/start`, headers: as('power_user') })).statusCode,
    ).toBe(202);
    expect(
      (await app.inject({ method: 'POST', url: '/v1/resource-groups', headers: as('power_user'), payload: { name: 'g' } }))
        .statusCode,
    ).toBe(201);
    expect((await app.inject({ url: '/v1/provider-accounts', headers: as('power_user') })).statusCode).toBe(200);
    const denied = [
      { method: 'POST' as const, url: '/v1/provider-accounts', payload: { provider: 'verda', name: 'a', credentials: {} } },
      { method: 'DELETE' as const, url: `/v1/provider-accounts/${IDS.account}` },
      { method: 'GET' as const, url: '/v1/api-keys' },
      { method: 'POST' as const, url: `/v1/api-keys/${IDS.apiKey}/rotate` },
    ];
    for (const request of denied) {
      const res = await app.inject({ ...request, headers: as('power_user') });
      expect(res.statusCode, `${request.method} ${request.url}`).toBe(403);
    }
    expect((await app.inject({ url: '/v1/api-keys', headers: as('admin') })).statusCode).toBe(200);
  });
});

describe('bad input', () => {
  it('answers 400 MALFORMED_JSON for broken JSON', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/resource/gpu',
      headers: { ...as('admin'), 'content-type': 'application/json' },
      payload: '{"name": "x",',
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).error).toBe('MALFORMED_JSON');
  });

  it('refuses an unknown field by name, top-level and nested, and writes nothing', async () => {
    const top = await app.inject({
      method: 'POST',
      url: '/v1/resource/gpu',
      headers: as('admin'),
      payload: { ...order, colour: 'red' },
    });
    expect(top.statusCode).toBe(400);
    expect(errorOf(top)).toMatchObject({
      error: 'VALIDATION_ERROR',
      message: expect.stringContaining('body.colour'),
      details: { field: 'body.colour' },
    });
    const nested = await app.inject({
      method: 'POST',
      url: '/v1/resource/gpu',
      headers: as('admin'),
      payload: { ...order, constraints: { countries: ['FI'], cheap: true } },
    });
    expect(errorOf(nested).message).toContain('body.constraints.cheap');
    expect(fake.lastCall('vms.order')).toBeUndefined();
  });

  it('does not coerce body types: "8" is not 8', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/resource/gpu',
      headers: as('admin'),
      payload: { ...order, gpuCount: '8' },
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).message).toContain('body.gpuCount');
  });

  it('refuses bad enums, formats and patterns naming the field path', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...order, gpuCount: 3 }, 'body.gpuCount must be one of: 1, 2, 4, 8'],
      [{ ...order, imageName: '' }, 'body.imageName'],
      [{ ...order, seriesId: 'h100' }, 'body.seriesId must be a valid UUID'],
      [{ ...order, username: '9lives' }, 'body.username'],
      [{ ...order, constraints: { spot: 'sometimes' } }, 'body.constraints.spot'],
      [{ ...order, constraints: { machineKinds: ['vm', 'bare-metal'] } }, 'body.constraints.machineKinds[1]'],
      [{ name: 'x' }, 'body.seriesId is required'],
    ];
    for (const [payload, message] of cases) {
      const res = await app.inject({ method: 'POST', url: '/v1/resource/gpu', headers: as('admin'), payload });
      expect(res.statusCode, message).toBe(400);
      expect(errorOf(res)).toMatchObject({ error: 'VALIDATION_ERROR', message: expect.stringContaining(message) });
    }
  });

  it('refuses a bad UUID in the path with 400, never 404 or 500', async () => {
    for (const url of [
      '/v1/resource/gpu/not-a-uuid',
      '/v1/resource/ssh-keys/123',
      `/v1/provider-accounts/${IDS.account}x`,
      `/v1/resource-groups/urn:uuid:${IDS.group}`,
    ]) {
      const res = await app.inject({ url, headers: as('admin') });
      expect(res.statusCode, url).toBe(400);
      expect(errorOf(res).message).toContain('params.id must be a valid UUID');
    }
  });

  it('refuses a bad query enum and an unknown query parameter', async () => {
    const status = await app.inject({ url: '/v1/resource/gpu?status=Sleeping', headers: as('user') });
    expect(status.statusCode).toBe(400);
    expect(errorOf(status).message).toContain('query.status must be one of');
    const unknown = await app.inject({ url: '/v1/resource/gpu?pageSize=5', headers: as('user') });
    expect(errorOf(unknown).message).toContain('query.pageSize');
  });

  it('answers 415 for a body that is not JSON and 400 for a missing body', async () => {
    const text = await app.inject({
      method: 'POST',
      url: '/v1/resource/jobs',
      headers: { ...as('user'), 'content-type': 'text/plain' },
      payload: 'jobIds=1',
    });
    expect(text.statusCode).toBe(415);
    expect(errorOf(text).error).toBe('UNSUPPORTED_MEDIA_TYPE');
    const empty = await app.inject({
      method: 'POST',
      url: '/v1/resource/jobs',
      headers: { ...as('user'), 'content-type': 'application/json' },
      payload: '',
    });
    expect(empty.statusCode).toBe(400);
    expect(errorOf(empty).error).toBe('VALIDATION_ERROR');
  });

  it('accepts a bodiless action sent with a JSON content type', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/resource/gpu/${IDS.vm}/restart`,
      headers: { ...as('admin'), 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(202);
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/resource/ssh-keys',
      headers: as('admin'),
      payload: { name: 'big', publicKey: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(res.statusCode).toBe(413);
    expect(errorOf(res).error).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an unknown route with 404 NOT_FOUND in the error shape', async () => {
    for (const url of ['/v1/nothing-here', '/nothing']) {
      const res = await app.inject({ url, headers: as('user') });
      expect(res.statusCode).toBe(404);
      expect(errorOf(res).error).toBe('NOT_FOUND');
    }
  });

  it('checks array sizes of bulk requests (1–50)', async () => {
    const none = await app.inject({
      method: 'POST',
      url: '/v1/resource/gpu/bulk/stop',
      headers: as('admin'),
      payload: { ids: [] },
    });
    expect(errorOf(none).message).toContain('body.ids');
    const many = Array.from({ length: 51 }, () => IDS.vm);
    const tooMany = await app.inject({
      method: 'POST',
      url: '/v1/resource/jobs',
      headers: as('admin'),
      payload: { jobIds: many },
    });
    expect(tooMany.statusCode).toBe(400);
  });
});

describe('service errors', () => {
  it('maps an AppError to its status, code, message and details', async () => {
    const attempts = [{ provider: 'verda', outcome: 'capacity' }];
    const original = fake.services.vms.order;
    fake.services.vms.order = async () => {
      throw new AppError(409, 'INVENTORY_DEPLETED', 'Inventory depleted — refresh', { attempts });
    };
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/resource/gpu', headers: as('admin'), payload: order });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toEqual({
        success: false,
        error: 'INVENTORY_DEPLETED',
        message: 'Inventory depleted — refresh',
        details: { attempts },
      });
    } finally {
      fake.services.vms.order = original;
    }
  });

  it('maps 503 GPU_PROVIDER_UNAVAILABLE', async () => {
    const original = fake.services.vms.start;
    fake.services.vms.start = async () => {
      throw new AppError(503, 'GPU_PROVIDER_UNAVAILABLE', 'Verda is unavailable');
    };
    try {
      const res = await app.inject({ method: 'POST', url: `/v1/resource/gpu/${IDS.vm}/start`, headers: as('admin') });
      expect(res.statusCode).toBe(503);
      expect(errorOf(res)).toEqual({ success: false, error: 'GPU_PROVIDER_UNAVAILABLE', message: 'Verda is unavailable' });
    } finally {
      fake.services.vms.start = original;
    }
  });

  it('maps 404 from a service', async () => {
    const res = await app.inject({ url: `/v1/resource/gpu/${IDS.unknown}`, headers: as('user') });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res).error).toBe('NOT_FOUND');
  });

  it('hides the message of an unexpected error behind 500 INTERNAL_ERROR', async () => {
    const original = fake.services.vms.jobs;
    fake.services.vms.jobs = async () => {
      throw new Error('connection string postgres://secret@db');
    };
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/resource/jobs',
        headers: as('user'),
        payload: { jobIds: [jobFixture.jobId] },
      });
      expect(res.statusCode).toBe(500);
      // Only the request id to quote, which the answer's header names too.
      expect(errorOf(res)).toEqual({
        success: false,
        error: 'INTERNAL_ERROR',
        message: 'Internal server error',
        details: { requestId: res.headers['x-request-id'] },
      });
    } finally {
      fake.services.vms.jobs = original;
    }
  });
});
