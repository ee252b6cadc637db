import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { catalogIds, newSshKey, waitForJob, waitForStatus } from './helpers.ts';

/** A cloud that is down, slow or lying: gpufleet answers at once and says why. */
describe('outages and slow clouds', () => {
  let t: TestApp;
  let sshKeyId: string;
  beforeAll(async () => {
    // Offers refresh every 400 ms, so a failing account's offers stop counting after 800 ms.
    t = await startTestApp({ web: false, offerRefreshMs: 400, maxStalenessMs: 1_000 });
    sshKeyId = await newSshKey(t);
  });
  afterAll(async () => t?.close());

  const cloud = (id: string) => {
    const found = t.app.sandbox?.clouds.find((c) => c.definition.id === id);
    if (!found) throw new Error(`no ${id} simulator`);
    return found.simulator.control;
  };

  it('answers 503 GPU_PROVIDER_UNAVAILABLE at order time when the only matching provider is down, and hides its offers', async () => {
    const ids = await catalogIds(t, 'h100_series', 'verda-fin-01');
    cloud('verda').setFaults({ errorRate: 1 });
    try {
      const inventory = await eventually(async () => {
        const res = await t.call('GET', '/v1/resource/gpu/inventory');
        return /verda: .*failing since .*its offers are not available/.test(res.body.data.error?.message ?? '')
          ? res.body.data
          : undefined;
      }, 'the inventory to name verda as missing');
      expect(inventory.error.code).toBe('GPU_PROVIDER_UNAVAILABLE');
      const verdaSkus = inventory.series.flatMap((s: any) =>
        s.availability.flatMap((a: any) =>
          a.gpuCounts.flatMap((g: any) => g.availableSkus.filter((k: any) => k.provider === 'verda')),
        ),
      );
      expect(verdaSkus).toEqual([]);

      const started = Date.now();
      const order = await t.call('POST', '/v1/resource/gpu', { name: 'outage', ...ids, gpuCount: 1, sshKeyId });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(order.status).toBe(503);
      expect(order.body).toMatchObject({ success: false, error: 'GPU_PROVIDER_UNAVAILABLE' });
      expect(order.body.message).toContain('verda');
    } finally {
      cloud('verda').reset();
    }
    // Once the cloud answers again its offers come back.
    await eventually(async () => {
      const res = await t.call('GET', '/v1/resource/gpu/inventory');
      return res.body.data.error ? undefined : true;
    }, 'verda to be back in the inventory');
  });

  it('answers reads from the store within about a second while the cloud is slow, marked stale', async () => {
    const ids = await catalogIds(t, 'h100_series', 'verda-fin-01');
    const order = await t.call('POST', '/v1/resource/gpu', { name: 'slow-reads', ...ids, gpuCount: 1, sshKeyId });
    expect(order.status).toBe(202);
    const vmId = order.body.data.resourceId as string;
    await waitForJob(t, order.body.data.jobId);
    await waitForStatus(t, vmId, 'Running');
    cloud('verda').setFaults({ latencyMs: 3_000 });
    try {
      // Past the staleness bound every read would have to wait for the slow cloud; none waits long.
      await new Promise((r) => setTimeout(r, 1_200));
      for (const path of [`/v1/resource/gpu/${vmId}`, '/v1/resource/gpu?limit=100']) {
        const started = Date.now();
        const res = await t.call('GET', path);
        expect(res.status).toBe(200);
        expect(Date.now() - started, path).toBeLessThan(1_800);
      }
      const vm = await eventually(async () => {
        const res = await t.call('GET', `/v1/resource/gpu/${vmId}`);
        return res.body.data.stale ? res.body.data : undefined;
      }, 'the VM to be marked stale');
      expect(vm.status).toBe('Running');
      expect(Date.now() - Date.parse(vm.syncedAt)).toBeGreaterThan(1_000);
    } finally {
      cloud('verda').reset();
    }
    const fresh = await eventually(
      async () => {
        const res = await t.call('GET', `/v1/resource/gpu/${vmId}`);
        return res.body.data.stale ? undefined : res.body.data;
      },
      'the VM to be fresh again',
      20_000,
    );
    expect(fresh.stale).toBe(false);

    // An unrecognised provider status is shown as Unknown with the raw status as the reason, in the history too.
    cloud('verda').setRawStatus(fresh.providerInstanceId, 'quantum_flux');
    const unknown = await waitForStatus(t, vmId, 'Unknown');
    expect(unknown.statusReason).toBe('unrecognised_status:quantum_flux');
    const history = (await t.call('GET', `/v1/resource/gpu/${vmId}/history`)).body.data.map(
      (e: { message: string }) => e.message,
    );
    expect(history.some((m: string) => m.includes('unrecognised_status:quantum_flux'))).toBe(true);
  });

  it('says what an order waits for while its provider is down, and finishes once it is back', async () => {
    const ids = await catalogIds(t, 'h100_series', 'verda-fin-01');
    const order = await t.call('POST', '/v1/resource/gpu', { name: 'wait-for-verda', ...ids, gpuCount: 1, sshKeyId });
    expect(order.status).toBe(202);
    cloud('verda').setFaults({ errorRate: 1 });
    const vmId = order.body.data.resourceId as string;
    try {
      const job = await eventually(async () => {
        const res = await t.call('POST', '/v1/resource/jobs', { jobIds: [order.body.data.jobId] });
        const j = res.body.data.jobs[0];
        return /^waiting for verda: .* since \d\d:\d\d:\d\d/.test(j.message ?? '') ? j : undefined;
      }, 'the job to say it waits for verda');
      expect(job.isCompleted).toBe(false);
      const vm = (await t.call('GET', `/v1/resource/gpu/${vmId}`)).body.data;
      expect(vm.statusReason).toBe('provider_unavailable');
    } finally {
      cloud('verda').reset();
    }
    const done = await waitForJob(t, order.body.data.jobId);
    expect(done.hasFailed).toBe(false);
    const running = await waitForStatus(t, vmId, 'Running');
    expect(running.statusReason).toBeNull();
    const history = (await t.call('GET', `/v1/resource/gpu/${vmId}/history`)).body.data.map((e: { kind: string }) => e.kind);
    expect(history).toContain('waiting');
  });
});
