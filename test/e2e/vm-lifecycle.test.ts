import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { STORE_KINDS } from '../support/stores.ts';
import { catalogIds, newSshKey, waitForJob, waitForStatus } from './helpers.ts';

/** Seed 000's GPUVMDetails fields: the contract every VM read must carry. */
const SEED_FIELDS = [
  'configuration',
  'createdAt',
  'datacenter',
  'hasStoredCredentials',
  'id',
  'name',
  'sshKeyId',
  'sshKeyName',
  'status',
  'updatedAt',
  'username',
  'deletedAt',
  'image',
  'ip',
  'jupyterUrl',
  'resourceGroupId',
  'resourceGroupName',
];

describe.each(STORE_KINDS)('GPU VM lifecycle end to end on %s', (store) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ store, web: false });
  });
  afterAll(async () => t?.close());

  it('orders a Verda VM, watches it run, stops, starts, renames, moves and deletes it', async () => {
    const sshKeyId = await newSshKey(t);
    const { seriesId, datacenterId } = await catalogIds(t, 'h100_series', 'verda-fin-01');
    const group = await t.call('POST', '/v1/resource-groups', { name: 'research' });
    expect(group.status).toBe(201);

    const order = await t.call('POST', '/v1/resource/gpu', { name: 'trainer', seriesId, datacenterId, gpuCount: 1, sshKeyId });
    expect(order.status).toBe(202);
    const vmId = order.body.data.resourceId as string;
    expect(order.body.data.vm.status).toBe('Provisioning');

    const job = await waitForJob(t, order.body.data.jobId);
    expect(job.hasFailed).toBe(false);
    expect(job.attempts.at(-1)).toMatchObject({ provider: 'verda', outcome: 'succeeded' });

    const running = await waitForStatus(t, vmId, 'Running');
    for (const field of SEED_FIELDS) expect(running).toHaveProperty(field);
    expect(running.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(running.username).toBe('root');
    expect(running.sshKeyName).toBe('e2e-key');
    expect(running.provider).toBe('verda');
    expect(running.configuration).toMatchObject({ code: 'h100_series', gpuCount: 1 });
    expect(running.configuration.skuCode).toMatch(/^verda\./);

    const stop = await t.call('POST', `/v1/resource/gpu/${vmId}/stop`);
    expect(stop.status).toBe(202);
    expect(stop.body.message).toMatch(/keeps billing/);
    await waitForJob(t, stop.body.data.jobId);
    await waitForStatus(t, vmId, 'Stopped');

    const start = await t.call('POST', `/v1/resource/gpu/${vmId}/start`);
    expect(start.status).toBe(202);
    expect((await waitForJob(t, start.body.data.jobId)).hasFailed).toBe(false);
    await waitForStatus(t, vmId, 'Running');

    const renamed = await t.call('PUT', `/v1/resource/gpu/${vmId}`, { name: 'trainer-2', resourceGroupId: group.body.data.id });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data).toMatchObject({
      name: 'trainer-2',
      resourceGroupId: group.body.data.id,
      resourceGroupName: 'research',
    });

    const del = await t.call('DELETE', `/v1/resource/gpu/${vmId}`);
    expect(del.status).toBe(202);
    expect(del.body.message).toBe('GPU VM deletion initiated');
    await waitForJob(t, del.body.data.jobId);
    const gone = await waitForStatus(t, vmId, 'Destroyed');
    expect(gone.deletedAt).toBeTruthy();

    const listed = await t.call('GET', '/v1/resource/gpu');
    expect(listed.body.data.map((v: { id: string }) => v.id)).not.toContain(vmId);
    const withDeleted = await t.call('GET', '/v1/resource/gpu?includeDeleted=true');
    expect(withDeleted.body.data.map((v: { id: string }) => v.id)).toContain(vmId);

    const verda = t.app.sandbox?.clouds.find((c) => c.definition.id === 'verda');
    expect(verda?.simulator.control.liveInstanceIds()).not.toContain(running.providerInstanceId);
  });

  it('never creates twice for a repeated Idempotency-Key, and refuses the key with another body', async () => {
    const sshKeyId = await newSshKey(t, 'idem-key');
    const { seriesId, datacenterId } = await catalogIds(t, 'a100_series', 'verda-fin-01');
    const body = { name: 'idem', seriesId, datacenterId, gpuCount: 1, sshKeyId };
    const headers = { 'Idempotency-Key': `idem-${store}` };
    const first = await t.call('POST', '/v1/resource/gpu', body, headers);
    const second = await t.call('POST', '/v1/resource/gpu', body, headers);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.data.jobId).toBe(first.body.data.jobId);
    expect(second.body.data.resourceId).toBe(first.body.data.resourceId);
    const other = await t.call('POST', '/v1/resource/gpu', { ...body, name: 'other' }, headers);
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ success: false, error: 'IDEMPOTENCY_KEY_REUSED' });

    await waitForJob(t, first.body.data.jobId);
    const all = await t.call('GET', '/v1/resource/gpu?search=idem&limit=100');
    expect(all.body.data.filter((v: { name: string }) => v.name === 'idem')).toHaveLength(1);
    await t.call('DELETE', `/v1/resource/gpu/${first.body.data.resourceId}`);
  });

  it('answers bad input with a clear 4xx and writes nothing', async () => {
    const before = (await t.call('GET', '/v1/resource/gpu?includeDeleted=true&limit=100')).body.meta.total;
    const malformed = await fetch(`${t.url}/v1/resource/gpu`, {
      method: 'POST',
      headers: { 'X-API-Key': t.adminKey, 'Content-Type': 'application/json' },
      body: '{"name": ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ success: false, error: 'MALFORMED_JSON' });

    const unknownField = await t.call('POST', '/v1/resource/gpu', {
      name: 'x',
      seriesId: crypto.randomUUID(),
      gpuCount: 1,
      sshKeyId: crypto.randomUUID(),
      colour: 'red',
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.message).toMatch(/colour/);

    const badCount = await t.call('POST', '/v1/resource/gpu', {
      name: 'x',
      seriesId: crypto.randomUUID(),
      datacenterId: crypto.randomUUID(),
      gpuCount: 3,
      sshKeyId: crypto.randomUUID(),
    });
    expect(badCount.status).toBe(400);

    const badId = await t.call('GET', '/v1/resource/gpu/not-a-uuid');
    expect(badId.status).toBe(400);
    const missing = await t.call('GET', `/v1/resource/gpu/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ success: false, error: 'NOT_FOUND' });

    const noKey = await fetch(`${t.url}/v1/resource/gpu`);
    expect(noKey.status).toBe(401);

    const unknownKey = await t.call('POST', '/v1/resource/gpu', {
      name: 'x',
      seriesId: (await catalogIds(t, 'h100_series', 'verda-fin-01')).seriesId,
      datacenterId: (await catalogIds(t, 'h100_series', 'verda-fin-01')).datacenterId,
      gpuCount: 1,
      sshKeyId: crypto.randomUUID(),
    });
    expect(unknownKey.status).toBe(404);

    const after = (await t.call('GET', '/v1/resource/gpu?includeDeleted=true&limit=100')).body.meta.total;
    expect(after).toBe(before);
  });

  it('serves the inventory for all three clouds with prices, and the OpenAPI document', async () => {
    const inventory = await t.call('GET', '/v1/resource/gpu/inventory');
    expect(inventory.status).toBe(200);
    const providers = new Set<string>();
    for (const s of inventory.body.data.series)
      for (const a of s.availability) for (const c of a.gpuCounts) for (const sku of c.availableSkus) providers.add(sku.provider);
    expect([...providers].sort()).toEqual(['fluidstack', 'runpod', 'verda']);
    const openapi = await fetch(`${t.url}/openapi.json`);
    expect((await openapi.json()).openapi).toMatch(/^3\.1/);
  });
});
