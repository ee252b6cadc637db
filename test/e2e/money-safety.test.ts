import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { createRequestFor } from '../support/instances.ts';
import { catalogIds, newSshKey, waitForJob, waitForStatus } from './helpers.ts';

/** A VM that exists at a provider is always known to us, and nothing is called gone until it is. */
describe('money safety', () => {
  let t: TestApp;
  let sshKeyId: string;
  let ids: { seriesId: string; datacenterId: string };
  beforeAll(async () => {
    t = await startTestApp({ web: false });
    sshKeyId = await newSshKey(t);
    ids = await catalogIds(t, 'h100_series', 'verda-fin-01');
  });
  afterAll(async () => t?.close());

  const verda = () => {
    const cloud = t.app.sandbox?.clouds.find((c) => c.definition.id === 'verda');
    if (!cloud) throw new Error('no verda simulator');
    return cloud;
  };
  const verdaAccountId = async () =>
    (await t.app.runtime.pool.all()).find((a) => a.definition.id === 'verda')?.config.accountId as string;

  it('reports an instance at the provider that gpufleet did not create', async () => {
    const { provider } = await t.app.runtime.pool.get(await verdaAccountId());
    const offer = (await provider.listOffers()).find((o) => o.available && !o.spot);
    if (!offer) throw new Error('no offer');
    const stray = await provider.createInstance(createRequestFor(offer, { name: 'made-elsewhere' }));
    const unmanaged = await eventually(async () => {
      const res = await t.call('GET', '/v1/provider-accounts/unmanaged-instances');
      return res.body.data.find((i: { providerInstanceId: string }) => i.providerInstanceId === stray.providerInstanceId);
    }, 'the stray instance to be reported');
    expect(unmanaged).toMatchObject({ name: expect.stringContaining('made-elsewhere') });
  });

  it('adopts an instance an interrupted order created, instead of creating a second one', async () => {
    const order = await t.call('POST', '/v1/resource/gpu', { name: 'interrupted', ...ids, gpuCount: 1, sshKeyId });
    const vmId = order.body.data.resourceId as string;
    await waitForJob(t, order.body.data.jobId);
    const vm = (await t.call('GET', `/v1/resource/gpu/${vmId}`)).body.data;
    // Forget the provider id, as if the process died between the provider's answer and our write.
    const db = t.app.store.db;
    await db.updateTable('vms').set({ provider_instance_id: null }).where('id', '=', vmId).execute();
    await t.app.runtime.refresher.refresh(await verdaAccountId());
    const adopted = (await t.call('GET', `/v1/resource/gpu/${vmId}`)).body.data;
    expect(adopted.providerInstanceId).toBe(vm.providerInstanceId);
    const history = (await t.call('GET', `/v1/resource/gpu/${vmId}/history`)).body.data.map((e: { kind: string }) => e.kind);
    expect(history).toContain('adopted');
    const unmanaged = (await t.call('GET', '/v1/provider-accounts/unmanaged-instances')).body.data;
    expect(unmanaged.map((i: { providerInstanceId: string }) => i.providerInstanceId)).not.toContain(vm.providerInstanceId);
    await t.call('DELETE', `/v1/resource/gpu/${vmId}`);
    await waitForStatus(t, vmId, 'Destroyed');
  });

  it('deletes a second instance tagged with a VM that already holds one (a create that landed late), and keeps the VM', async () => {
    const order = await t.call('POST', '/v1/resource/gpu', { name: 'late-double', ...ids, gpuCount: 1, sshKeyId });
    const vmId = order.body.data.resourceId as string;
    await waitForJob(t, order.body.data.jobId);
    const vm = await waitForStatus(t, vmId, 'Running');
    const accountId = await verdaAccountId();
    const { provider } = await t.app.runtime.pool.get(accountId);
    const offer = (await provider.listOffers()).find((o) => o.available && !o.spot && o.gpu.count === 1);
    if (!offer) throw new Error('no offer');
    // What a create that timed out on our side and landed at the provider afterwards leaves behind.
    const late = await provider.createInstance(createRequestFor(offer, { gpufleetId: vmId, name: 'late-double' }));
    expect(verda().simulator.control.liveInstanceIds()).toContain(late.providerInstanceId);

    await eventually(async () => {
      await t.app.runtime.refresher.refresh(accountId);
      return !verda().simulator.control.liveInstanceIds().includes(late.providerInstanceId) || undefined;
    }, 'the late instance to be deleted');
    const history = (await t.call('GET', `/v1/resource/gpu/${vmId}/history`)).body.data as { kind: string; message: string }[];
    expect(history.find((e) => e.kind === 'orphan_deleted')?.message).toContain(late.providerInstanceId);
    const after = (await t.call('GET', `/v1/resource/gpu/${vmId}`)).body.data;
    expect(after).toMatchObject({ status: 'Running', providerInstanceId: vm.providerInstanceId });
    expect(verda().simulator.control.liveInstanceIds()).toContain(vm.providerInstanceId);
    const unmanaged = (await t.call('GET', '/v1/provider-accounts/unmanaged-instances')).body.data;
    expect(unmanaged.map((i: { providerInstanceId: string }) => i.providerInstanceId)).not.toContain(late.providerInstanceId);
    await t.call('DELETE', `/v1/resource/gpu/${vmId}`);
    await waitForStatus(t, vmId, 'Destroyed');
  });

  it('keeps retrying a delete the provider fails on, and never calls the VM gone until it is', async () => {
    const order = await t.call('POST', '/v1/resource/gpu', { name: 'stubborn', ...ids, gpuCount: 1, sshKeyId });
    const vmId = order.body.data.resourceId as string;
    const running = await waitForStatus(t, vmId, 'Running');
    verda().simulator.control.setFaults({ errorRate: 1 });
    try {
      const del = await t.call('DELETE', `/v1/resource/gpu/${vmId}`);
      expect(del.status).toBe(202);
      await new Promise((r) => setTimeout(r, 2_000));
      const during = (await t.call('GET', `/v1/resource/gpu/${vmId}`)).body.data;
      expect(during.status).not.toBe('Destroyed');
      expect(during.deletedAt).toBeNull();
      const job = (await t.call('POST', '/v1/resource/jobs', { jobIds: [del.body.data.jobId] })).body.data.jobs[0];
      expect(job.isCompleted).toBe(false);
      expect(verda().simulator.control.liveInstanceIds()).toContain(running.providerInstanceId);
    } finally {
      verda().simulator.control.setFaults({ errorRate: 0 });
    }
    const gone = await waitForStatus(t, vmId, 'Destroyed', 40_000);
    expect(gone.deletedAt).toBeTruthy();
    expect(verda().simulator.control.liveInstanceIds()).not.toContain(running.providerInstanceId);
  });

  it('serves many concurrent readers with one provider list call per account', async () => {
    const counts = () => verda().simulator.control.requestCounts();
    const listCalls = () =>
      Object.entries(counts())
        .filter(([route]) => /^GET \/v1\/instances$|^GET \/instances$/.test(route))
        .reduce((n, [, c]) => n + c, 0);
    // Pause the background poll and let the data go stale (the bound is 1 s in tests): the readers must refresh it.
    await t.app.runtime.refresher.stop();
    await new Promise((r) => setTimeout(r, 1_200));
    const before = listCalls();
    const reads = await Promise.all(Array.from({ length: 40 }, () => t.call('GET', '/v1/resource/gpu?limit=100')));
    expect(reads.every((r) => r.status === 200)).toBe(true);
    // Stale data was refreshed once, shared by all 40 readers.
    expect(listCalls() - before).toBe(1);
    t.app.runtime.refresher.start();
  });
});
