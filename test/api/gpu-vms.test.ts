import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServices, IDS, jobFixture, offerFixture, vmFixture, vmWithNullsFixture } from './fake-services.ts';
import { as, buildTestApi, errorOf } from './helpers.ts';

/**
 * GPCN's GPUVMDetails (seed 000) field by field: type, format, nullable, required. The API must serve
 * exactly these; gpufleet may only add fields.
 */
const SEED_GPU_VM_DETAILS = {
  configuration: {
    type: 'object',
    required: true,
    properties: {
      code: { type: 'string' },
      cpu: { type: 'integer' },
      disk: { type: 'integer' },
      gpuCount: { type: 'integer' },
      name: { type: 'string' },
      ram: { type: 'integer' },
      skuCode: { type: 'string', nullable: true },
      skuId: { type: 'string', format: 'uuid', nullable: true },
    },
  },
  createdAt: { type: 'string', format: 'date-time', required: true },
  datacenter: {
    type: 'object',
    required: true,
    properties: {
      country: { type: 'string' },
      countryAbbr: { type: 'string' },
      id: { type: 'string', format: 'uuid' },
      name: { type: 'string' },
      region: { type: 'string' },
    },
  },
  hasStoredCredentials: { type: 'boolean', required: true },
  id: { type: 'string', format: 'uuid', required: true },
  name: { type: 'string', required: true },
  sshKeyId: { type: 'string', format: 'uuid', nullable: true, required: true },
  sshKeyName: { type: 'string', nullable: true, required: true },
  status: {
    type: 'string',
    required: true,
    enum: ['Provisioning', 'Starting', 'Running', 'Stopping', 'Stopped', 'Error', 'Destroyed', 'Unknown'],
  },
  updatedAt: { type: 'string', format: 'date-time', required: true },
  username: { type: 'string', required: true },
  deletedAt: { type: 'string', format: 'date-time', nullable: true },
  image: { type: 'string' },
  ip: { type: 'string', nullable: true },
  jupyterUrl: { type: 'string', nullable: true },
  resourceGroupId: { type: 'string', format: 'uuid', nullable: true },
  resourceGroupName: { type: 'string', nullable: true },
} as const;

interface SeedField {
  type: string;
  format?: string;
  nullable?: boolean;
  required?: boolean;
  enum?: readonly string[];
  properties?: Record<string, SeedField>;
}

interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
}

function expectMatchesSeed(schema: JsonSchema, seed: Record<string, SeedField>, path: string) {
  for (const [name, field] of Object.entries(seed)) {
    const property = schema.properties?.[name];
    expect(property, `${path}.${name} is missing`).toBeDefined();
    if (!property) continue;
    const types = Array.isArray(property.type) ? property.type : [property.type];
    expect(
      types.filter((t) => t !== 'null'),
      `${path}.${name} type`,
    ).toEqual([field.type]);
    expect(types.includes('null'), `${path}.${name} nullable`).toBe(field.nullable === true);
    expect(property.format, `${path}.${name} format`).toBe(field.format);
    expect(schema.required?.includes(name) ?? false, `${path}.${name} required`).toBe(field.required === true);
    if (field.enum) expect(property.enum, `${path}.${name} enum`).toEqual(field.enum);
    if (field.properties) expectMatchesSeed(property, field.properties, `${path}.${name}`);
  }
}

const order = { name: 'train-1', datacenterId: IDS.datacenter, seriesId: IDS.series, gpuCount: 8, sshKeyId: IDS.sshKey };

let app: FastifyInstance;
let fake: FakeServices;

beforeAll(async () => {
  ({ app, fake } = await buildTestApi());
});
afterAll(() => app.close());

describe('GPUVMDetails', () => {
  it('is documented with exactly the seed fields, types, nullability and required list', async () => {
    const spec = (await app.inject({ url: '/openapi.json' })).json();
    const schema = spec.components.schemas.GPUVMDetails as JsonSchema;
    expectMatchesSeed(schema, SEED_GPU_VM_DETAILS, 'GPUVMDetails');
  });

  it('serialises every field of a VM, seed fields and additions, unchanged', async () => {
    for (const vm of [vmFixture, vmWithNullsFixture]) {
      const res = await app.inject({ url: `/v1/resource/gpu/${vm.id}`, headers: as('user') });
      expect(res.statusCode).toBe(200);
      const data = res.json().data;
      expect(data).toEqual(vm);
      for (const name of Object.keys(SEED_GPU_VM_DETAILS)) expect(data, name).toHaveProperty(name);
      expect(Object.keys(data.configuration).sort()).toEqual(Object.keys(SEED_GPU_VM_DETAILS.configuration.properties).sort());
      expect(Object.keys(data.datacenter).sort()).toEqual(Object.keys(SEED_GPU_VM_DETAILS.datacenter.properties).sort());
    }
  });

  it('keeps every field in lists too', async () => {
    const res = await app.inject({ url: '/v1/resource/gpu', headers: as('user') });
    expect(res.json().data).toEqual([vmFixture, vmWithNullsFixture]);
  });
});

describe('ordering', () => {
  it('answers 202 with the job and the VM, passing the order and the caller down', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/resource/gpu', headers: as('power_user'), payload: order });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ success: true, message: 'GPU VM creation initiated', meta: null });
    expect(body.data).toEqual({ ...jobFixture, vm: { ...vmWithNullsFixture, name: 'train-1' } });
    const [input, ctx] = fake.lastCall('vms.order') as [unknown, { principal: { role: string }; idempotencyKey?: string }];
    expect(input).toEqual(order);
    expect(ctx.principal.role).toBe('power_user');
    expect(ctx.idempotencyKey).toBeUndefined();
    expect(res.headers['idempotent-replayed']).toBeUndefined();
  });

  it('passes the gpufleet additions through and leaves image defaults to the service', async () => {
    const full = {
      ...order,
      datacenterId: undefined,
      imageName: 'ubuntu-22.04',
      resourceGroupId: IDS.group,
      skuCode: 'verda.8h100.8x',
      username: 'ml_user',
      constraints: { countries: ['FI', 'DE'], providers: ['verda'], spot: 'allow', machineKinds: ['vm'], maxPricePerHour: 20 },
      spot: false,
      maxPricePerHour: 18.5,
      ttlHours: 12,
      ttlAction: 'delete',
      volumeIds: [IDS.volume],
    };
    const res = await app.inject({ method: 'POST', url: '/v1/resource/gpu', headers: as('admin'), payload: full });
    expect(res.statusCode).toBe(202);
    const { datacenterId: _omitted, ...expected } = full;
    expect(fake.lastCall('vms.order')?.[0]).toEqual(expected);
    await app.inject({ method: 'POST', url: '/v1/resource/gpu', headers: as('admin'), payload: order });
    expect(fake.lastCall('vms.order')?.[0]).not.toHaveProperty('imageName');
  });

  it('passes generateSshKey and templateId through, and takes an order whose only key is the generated one', async () => {
    const keyed = { ...order, generateSshKey: true, templateId: 'runpod-torch-v240' };
    const res = await app.inject({ method: 'POST', url: '/v1/resource/gpu', headers: as('power_user'), payload: keyed });
    expect(res.statusCode).toBe(202);
    expect(fake.lastCall('vms.order')?.[0]).toEqual(keyed);

    // GPCN requires sshKeyId; gpufleet lets the service decide, which needs generateSshKey then.
    const { sshKeyId: _none, ...generatedOnly } = { ...order, generateSshKey: true };
    const alone = await app.inject({ method: 'POST', url: '/v1/resource/gpu', headers: as('admin'), payload: generatedOnly });
    expect(alone.statusCode).toBe(202);
    expect(fake.lastCall('vms.order')?.[0]).toEqual(generatedOnly);
  });

  it('refuses a malformed generateSshKey or templateId with a 400 naming the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ generateSshKey: 'true' }, /body\.generateSshKey/],
      [{ generateSshKey: 1 }, /body\.generateSshKey/],
      [{ templateId: '' }, /body\.templateId/],
      [{ templateId: 'two words' }, /body\.templateId/],
      [{ templateId: '-dash-first' }, /body\.templateId/],
      [{ templateId: 'x'.repeat(65) }, /body\.templateId/],
      [{ templateId: 42 }, /body\.templateId/],
    ];
    for (const [extra, field] of cases) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/resource/gpu',
        headers: as('admin'),
        payload: { ...order, ...extra },
      });
      expect(res.statusCode, JSON.stringify(extra)).toBe(400);
      const error = errorOf(res);
      expect(error.error).toBe('VALIDATION_ERROR');
      expect(error.message).toMatch(field);
    }
  });

  it('passes the Idempotency-Key header down and marks a replay with the same status and body', async () => {
    const original = fake.services.vms.order;
    const seen: (string | undefined)[] = [];
    fake.services.vms.order = async (input, ctx) => {
      seen.push(ctx.idempotencyKey);
      return { vm: { ...vmWithNullsFixture, name: input.name }, job: jobFixture, replayed: seen.length > 1 };
    };
    try {
      const headers = { ...as('admin'), 'idempotency-key': 'order-7f3a' };
      const first = await app.inject({ method: 'POST', url: '/v1/resource/gpu', headers, payload: order });
      const replay = await app.inject({ method: 'POST', url: '/v1/resource/gpu', headers, payload: order });
      expect(seen).toEqual(['order-7f3a', 'order-7f3a']);
      expect(replay.statusCode).toBe(first.statusCode);
      expect(replay.body).toBe(first.body);
      expect(replay.headers['idempotent-replayed']).toBe('true');
    } finally {
      fake.services.vms.order = original;
    }
  });

  it('refuses an empty Idempotency-Key', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/resource/gpu',
      headers: { ...as('admin'), 'idempotency-key': '' },
      payload: order,
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).message).toContain('headers.idempotency-key');
  });

  it('answers a dry run with the ranked offers for the same series, count, datacenter and constraints, ordering nothing', async () => {
    const callsBefore = fake.calls.filter((c) => c.method === 'vms.order').length;
    const res = await app.inject({
      method: 'POST',
      url: '/v1/resource/gpu',
      headers: as('admin'),
      payload: { ...order, dryRun: true, constraints: { countries: ['FI'] }, maxPricePerHour: 30 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ offers: [offerFixture], ageSeconds: 3 });
    // The service checks the order as it would place it; the route hands it the order without `dryRun`.
    expect(fake.lastCall('vms.preview')?.[0]).toEqual({ ...order, constraints: { countries: ['FI'] }, maxPricePerHour: 30 });
    expect(fake.calls.filter((c) => c.method === 'vms.order').length).toBe(callsBefore);
  });

  it('answers a dry run for an unknown series with 404', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/resource/gpu',
      headers: as('admin'),
      payload: { ...order, seriesId: IDS.unknown, dryRun: true },
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('VM actions', () => {
  it('updates metadata, passing null to clear the SSH key', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: `/v1/resource/gpu/${IDS.vm}`,
      headers: as('admin'),
      payload: { name: 'renamed', sshKeyId: null, ttlHours: null },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.name).toBe('renamed');
    expect(fake.lastCall('vms.update')?.slice(0, 2)).toEqual([IDS.vm, { name: 'renamed', sshKeyId: null, ttlHours: null }]);
  });

  it('deletes with 202 and the job', async () => {
    const res = await app.inject({ method: 'DELETE', url: `/v1/resource/gpu/${IDS.vm}`, headers: as('admin') });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ message: 'GPU VM deletion initiated', data: { operation: 'delete', resourceId: IDS.vm } });
  });

  it('starts and restarts with 202 and a job', async () => {
    for (const action of ['start', 'restart']) {
      const res = await app.inject({ method: 'POST', url: `/v1/resource/gpu/${IDS.vm}/${action}`, headers: as('power_user') });
      expect(res.statusCode).toBe(202);
      expect(res.json().data).toMatchObject({ jobId: IDS.job, operation: action });
    }
  });

  it('puts the billing warning of a stop into the message', async () => {
    const plain = await app.inject({ method: 'POST', url: `/v1/resource/gpu/${IDS.vm}/stop`, headers: as('admin') });
    expect(plain.json().message).toBe('GPU VM stop initiated');
    const original = fake.services.vms.stop;
    fake.services.vms.stop = async () => ({
      job: jobFixture,
      warning: 'Verda keeps billing stopped VMs; delete it to stop paying.',
    });
    try {
      const warned = await app.inject({ method: 'POST', url: `/v1/resource/gpu/${IDS.vm}/stop`, headers: as('admin') });
      expect(warned.statusCode).toBe(202);
      expect(warned.json().message).toBe('GPU VM stop initiated. Verda keeps billing stopped VMs; delete it to stop paying.');
    } finally {
      fake.services.vms.stop = original;
    }
  });

  it('runs bulk stop and start per VM with a summary', async () => {
    for (const action of ['stop', 'start']) {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/resource/gpu/bulk/${action}`,
        headers: as('admin'),
        payload: { ids: [IDS.vm, IDS.unknown] },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toEqual({
        results: [
          { id: IDS.vm, success: true, error: null, jobId: IDS.job },
          { id: IDS.unknown, success: false, error: 'GPU VM not found' },
        ],
        summary: { total: 2, succeeded: 1, failed: 1 },
      });
    }
  });

  it('bulk deletes with 202 and one job per VM, reporting each id', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/resource/gpu/bulk/delete',
      headers: as('admin'),
      payload: { ids: [IDS.vm, IDS.unknown, IDS.vmWithNulls] },
    });
    expect(res.statusCode).toBe(202);
    const data = res.json().data;
    expect(data.jobs.map((j: { resourceId: string }) => j.resourceId)).toEqual([IDS.vm, IDS.vmWithNulls]);
    expect(data.results).toEqual([
      { id: IDS.vm, success: true, error: null, jobId: IDS.job },
      { id: IDS.unknown, success: false, error: 'GPU VM not found' },
      { id: IDS.vmWithNulls, success: true, error: null, jobId: IDS.job },
    ]);
    expect(data.summary).toEqual({ total: 3, succeeded: 2, failed: 1 });
    expect(res.json().message).toMatch(/1 failed/);
  });

  it('polls jobs, always answering an array', async () => {
    const found = await app.inject({
      method: 'POST',
      url: '/v1/resource/jobs',
      headers: as('user'),
      payload: { jobIds: [IDS.job] },
    });
    expect(found.json().data).toEqual({ jobs: [jobFixture] });
    const none = await app.inject({
      method: 'POST',
      url: '/v1/resource/jobs',
      headers: as('user'),
      payload: { jobIds: [IDS.unknown] },
    });
    expect(none.json().data).toEqual({ jobs: [] });
  });

  it('serves the stored private key to admins and power users only, and says when there is none', async () => {
    for (const role of ['admin', 'power_user'] as const) {
      const key = await app.inject({ url: `/v1/resource/gpu/${IDS.vm}/ssh-key`, headers: as(role) });
      expect(key.statusCode).toBe(200);
      expect(key.json()).toMatchObject({ success: true, message: 'Private key retrieved successfully', meta: null });
      expect(key.json().data).toEqual({ privateKey: expect.stringContaining('BEGIN OPENSSH PRIVATE KEY') });
      // The caller goes down with the request, for the VM history.
      const [id, ctx] = fake.lastCall('vms.legacyPrivateKey') as [string, { principal: { role: string } }];
      expect(id).toBe(IDS.vm);
      expect(ctx.principal.role).toBe(role);
    }
    const user = await app.inject({ url: `/v1/resource/gpu/${IDS.vm}/ssh-key`, headers: as('user') });
    expect(user.statusCode).toBe(403);
    expect(errorOf(user).error).toBe('FORBIDDEN');
    const none = await app.inject({ url: `/v1/resource/gpu/${IDS.vmWithNulls}/ssh-key`, headers: as('admin') });
    expect(none.statusCode).toBe(404);
    expect(errorOf(none)).toMatchObject({
      error: 'NO_STORED_CREDENTIALS',
      message: expect.stringMatching(/no stored credentials/),
    });
  });

  it('serves the legacy private key and the history', async () => {
    const key = await app.inject({ url: `/v1/resource/gpu/${IDS.vm}/ssh-key`, headers: as('admin') });
    expect(key.json().data).toEqual({ privateKey: expect.stringContaining('PRIVATE KEY') });
    const history = await app.inject({ url: `/v1/resource/gpu/${IDS.vm}/history`, headers: as('user') });
    expect(history.json().data).toEqual([{ at: vmFixture.createdAt, kind: 'status', message: 'Provisioning → Running' }]);
  });
});
