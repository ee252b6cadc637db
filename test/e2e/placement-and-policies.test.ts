import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { newSshKey, waitForJob, waitForStatus } from './helpers.ts';

/**
 * "Give me an H100 now": the order states what, not where; placement walks the ranked offers across
 * clouds, fails over on capacity errors, and leaves nothing behind. Offers are refreshed rarely here so
 * the cache still believes in capacity the simulators have taken away: the failover path is what runs.
 */
describe('placement across clouds with failover', () => {
  let t: TestApp;
  let sshKeyId: string;
  let seriesId: string;
  beforeAll(async () => {
    t = await startTestApp({ web: false, offerRefreshMs: 600_000 });
    sshKeyId = await newSshKey(t);
    const series = await t.call('GET', '/v1/resource/gpu/series');
    seriesId = series.body.data.find((s: { code: string }) => s.code === 'h100_series').id;
  });
  afterAll(async () => t?.close());

  const sim = (provider: string) => {
    const cloud = t.app.sandbox?.clouds.find((c) => c.definition.id === provider);
    if (!cloud) throw new Error(`no ${provider} simulator`);
    return cloud.simulator.control;
  };
  const allSims = () => (t.app.sandbox?.clouds ?? []).map((c) => c.simulator.control);

  it('dry run shows the ranking the order follows, cheapest first', async () => {
    const offers = await t.call('GET', '/v1/offers?seriesCode=h100_series&gpuCount=1&availableOnly=true&spot=exclude');
    expect(offers.status).toBe(200);
    const prices = offers.body.data.offers.map(
      (o: { pricePerHour: { amount: number } | null }) => o.pricePerHour?.amount ?? Number.POSITIVE_INFINITY,
    );
    expect(prices).toEqual([...prices].sort((a: number, b: number) => a - b));
    expect(new Set(offers.body.data.offers.map((o: { provider: string }) => o.provider)).size).toBeGreaterThan(1);
  });

  it('fails over when the cheapest cloud is out of capacity, and leaves nothing on it', async () => {
    const offers = (await t.call('GET', '/v1/offers?seriesCode=h100_series&gpuCount=1&availableOnly=true&spot=exclude')).body.data
      .offers;
    const cheapest = offers[0];
    const before = sim(cheapest.provider).liveInstanceIds();
    sim(cheapest.provider).setCapacity(false);
    try {
      const order = await t.call('POST', '/v1/resource/gpu', {
        name: 'failover',
        seriesId,
        gpuCount: 1,
        sshKeyId,
        constraints: {
          providers: [
            cheapest.provider,
            ...offers.map((o: { provider: string }) => o.provider).filter((p: string) => p !== cheapest.provider),
          ],
        },
      });
      expect(order.status).toBe(202);
      const job = await waitForJob(t, order.body.data.jobId, 60_000);
      expect(job.hasFailed).toBe(false);
      expect(job.attempts[0]).toMatchObject({ provider: cheapest.provider, skuCode: cheapest.skuCode, outcome: 'capacity' });
      const landed = job.attempts.at(-1);
      expect(landed.outcome).toBe('succeeded');
      expect(landed.skuCode).not.toBe(cheapest.skuCode);
      const vm = await waitForStatus(t, order.body.data.resourceId, 'Running');
      expect(vm.configuration.skuCode).toBe(landed.skuCode);
      // Nothing left on the cloud that failed: the same instances as before the order.
      await eventually(
        async () => (sim(cheapest.provider).liveInstanceIds().length === before.length ? true : undefined),
        'cleanup',
      );
      await t.call('DELETE', `/v1/resource/gpu/${vm.id}`);
      await waitForStatus(t, vm.id, 'Destroyed');
    } finally {
      sim(cheapest.provider).setCapacity(true);
    }
  });

  it('reports every attempt when every cloud is out, and leaves nothing anywhere', async () => {
    const before = allSims().map((s) => s.liveInstanceIds().length);
    for (const s of allSims()) s.setCapacity(false);
    try {
      const order = await t.call('POST', '/v1/resource/gpu', {
        name: 'nowhere',
        seriesId,
        gpuCount: 8,
        sshKeyId,
        constraints: { regions: ['europe', 'north-america'] },
      });
      expect(order.status).toBe(202);
      const job = await waitForJob(t, order.body.data.jobId, 90_000);
      expect(job.hasFailed).toBe(true);
      expect(job.errorMessage).toMatch(/Inventory depleted/);
      expect(job.attempts.length).toBeGreaterThan(1);
      expect(job.attempts.every((a: { outcome: string }) => a.outcome === 'capacity')).toBe(true);
      // Each cloud's way of saying "no capacity" is met: Verda's 503, RunPod's GraphQL error, Fluidstack's async out-of-stock.
      expect(new Set(job.attempts.map((a: { provider: string }) => a.provider))).toEqual(
        new Set(['verda', 'runpod', 'fluidstack']),
      );
      const vm = (await t.call('GET', `/v1/resource/gpu/${order.body.data.resourceId}`)).body.data;
      expect(vm).toMatchObject({ status: 'Error', statusReason: 'inventory_depleted' });
      await eventually(
        async () => (allSims().every((s, i) => s.liveInstanceIds().length === before[i]) ? true : undefined),
        'nothing left',
      );

      // Once the inventory knows, the order is refused at once with GPCN's 409.
      for (const account of await t.app.runtime.pool.all()) await t.app.runtime.offers.refresh(account.config.accountId);
      const again = await t.call('POST', '/v1/resource/gpu', {
        name: 'nowhere-2',
        seriesId,
        gpuCount: 8,
        sshKeyId,
        constraints: {},
      });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ success: false, error: 'INVENTORY_DEPLETED' });
    } finally {
      for (const s of allSims()) s.setCapacity(true);
      for (const account of await t.app.runtime.pool.all()) await t.app.runtime.offers.refresh(account.config.accountId);
    }
  });
});

describe('policies that stop waste', () => {
  let t: TestApp;
  let sshKeyId: string;
  let seriesId: string;
  let datacenterId: string;
  beforeAll(async () => {
    t = await startTestApp({ web: false });
    sshKeyId = await newSshKey(t);
    seriesId = (await t.call('GET', '/v1/resource/gpu/series')).body.data.find(
      (s: { code: string }) => s.code === 'h100_series',
    ).id;
    datacenterId = (await t.call('GET', '/v1/resource/data-centers')).body.data.find(
      (d: { code: string }) => d.code === 'verda-fin-01',
    ).id;
  });
  afterAll(async () => t?.close());

  it('deletes a VM when its time-to-live is reached, and says so in its history', async () => {
    const order = await t.call('POST', '/v1/resource/gpu', {
      name: 'short-lived',
      seriesId,
      datacenterId,
      gpuCount: 1,
      sshKeyId,
      ttlHours: 0.001,
      ttlAction: 'delete',
    });
    expect(order.status).toBe(202);
    const vmId = order.body.data.resourceId;
    await waitForStatus(t, vmId, 'Destroyed', 40_000);
    const history = (await t.call('GET', `/v1/resource/gpu/${vmId}/history`)).body.data;
    expect(history.some((e: { kind: string; message: string }) => e.kind === 'policy' && /time-to-live/.test(e.message))).toBe(
      true,
    );
  });

  it('stops the VMs of a resource group whose monthly budget is spent, after a warning', async () => {
    const group = await t.call('POST', '/v1/resource-groups', {
      name: 'capped',
      budget: { monthlyAmount: 0.002, currency: 'usd', warnAtPercent: 50, action: 'stop' },
    });
    expect(group.status).toBe(201);
    const order = await t.call('POST', '/v1/resource/gpu', {
      name: 'spender',
      seriesId,
      datacenterId,
      gpuCount: 1,
      sshKeyId,
      resourceGroupId: group.body.data.id,
    });
    const vmId = order.body.data.resourceId;
    await waitForStatus(t, vmId, 'Running');
    await waitForStatus(t, vmId, 'Stopped', 40_000);
    const history = (await t.call('GET', `/v1/resource/gpu/${vmId}/history`)).body.data.map((e: { kind: string }) => e.kind);
    expect(history).toContain('budget_warning');
    expect(history).toContain('policy');
    const costs = await t.call('GET', '/v1/costs?groupBy=resourceGroup');
    expect(costs.status).toBe(200);
    const row = costs.body.data.rows.find((r: { key: string }) => r.key === group.body.data.id);
    expect(row.amount).toBeGreaterThan(0);
  });

  it('refuses new orders into a group whose budget is spent when its action is refuse', async () => {
    const group = await t.call('POST', '/v1/resource-groups', {
      name: 'refusing',
      budget: { monthlyAmount: 0.001, currency: 'usd', warnAtPercent: 80, action: 'refuse' },
    });
    const first = await t.call('POST', '/v1/resource/gpu', {
      name: 'first',
      seriesId,
      datacenterId,
      gpuCount: 1,
      sshKeyId,
      resourceGroupId: group.body.data.id,
    });
    await waitForStatus(t, first.body.data.resourceId, 'Running');
    // Each try is a VM of its own name: one accepted before the budget is spent is still being deleted.
    let attempt = 0;
    const refused = await eventually(
      async () => {
        const res = await t.call('POST', '/v1/resource/gpu', {
          name: `second-${++attempt}`,
          seriesId,
          datacenterId,
          gpuCount: 1,
          sshKeyId,
          resourceGroupId: group.body.data.id,
        });
        if (res.status === 202) await t.call('DELETE', `/v1/resource/gpu/${res.body.data.resourceId}`);
        return res.status === 409 ? res : undefined;
      },
      'budget refusal',
      30_000,
    );
    expect(refused.body).toMatchObject({ success: false, error: 'BUDGET_EXCEEDED' });
  });
});
