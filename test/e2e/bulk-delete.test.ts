import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { newSshKey, waitForStatus } from './helpers.ts';

/** Bulk delete handles each id on its own, as bulk stop does: one bad id does not keep the others alive. */
describe('bulk delete', () => {
  let t: TestApp;
  let sshKeyId: string;
  beforeAll(async () => {
    t = await startTestApp({ web: false });
    sshKeyId = await newSshKey(t);
  });
  afterAll(async () => t?.close());

  const order = async (name: string): Promise<string> => {
    const offer = (await t.call('GET', '/v1/offers?gpuCount=1&availableOnly=true&spot=exclude')).body.data.offers.find(
      (o: { machineKind: string }) => o.machineKind === 'vm',
    );
    const res = await t.call('POST', '/v1/resource/gpu', {
      name,
      seriesId: offer.series.id,
      datacenterId: offer.datacenter.id,
      gpuCount: 1,
      sshKeyId,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body.data.resourceId as string;
  };

  it('deletes every valid id and reports the unknown one', async () => {
    const a = await order('bulk-a');
    const b = await order('bulk-b');
    await waitForStatus(t, a, 'Running');
    await waitForStatus(t, b, 'Running');
    const unknown = randomUUID();
    const res = await t.call('POST', '/v1/resource/gpu/bulk/delete', { ids: [a, unknown, b] });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const data = res.body.data;
    expect(data.jobs.map((j: { resourceId: string; operation: string }) => [j.resourceId, j.operation])).toEqual([
      [a, 'delete'],
      [b, 'delete'],
    ]);
    expect(data.results).toEqual([
      { id: a, success: true, error: null, jobId: data.jobs[0].jobId },
      { id: unknown, success: false, error: `GPU VM ${unknown} was not found` },
      { id: b, success: true, error: null, jobId: data.jobs[1].jobId },
    ]);
    expect(data.summary).toEqual({ total: 3, succeeded: 2, failed: 1 });
    await waitForStatus(t, a, 'Destroyed');
    await waitForStatus(t, b, 'Destroyed');

    // Again: both are destroyed now, and each says so on its own.
    const again = await t.call('POST', '/v1/resource/gpu/bulk/delete', { ids: [a, b] });
    expect(again.status).toBe(202);
    expect(again.body.data.jobs).toEqual([]);
    expect(again.body.data.results.map((r: { error: string }) => r.error)).toEqual([
      `GPU VM ${a} is already destroyed`,
      `GPU VM ${b} is already destroyed`,
    ]);
  });
});
