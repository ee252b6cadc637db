import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { newSshKey, waitForJob, waitForStatus } from './helpers.ts';

/**
 * Real clouds list a new instance late. Within the provider's listing grace after a create, an instance
 * missing from a listing is looked up directly and re-checked; only a confirmed absence ends the VM.
 */
describe.each(['verda', 'runpod', 'fluidstack'])('listing grace (%s)', (providerId) => {
  let t: TestApp;
  let sshKeyId: string;
  beforeAll(async () => {
    t = await startTestApp({ web: false, listingGraceMs: { [providerId]: 30_000 } });
    sshKeyId = await newSshKey(t);
  });
  afterAll(async () => t?.close());

  const cloud = () => {
    const found = t.app.sandbox?.clouds.find((c) => c.definition.id === providerId);
    if (!found) throw new Error(`no ${providerId} simulator`);
    return found.simulator.control;
  };
  const history = async (vmId: string) => (await t.call('GET', `/v1/resource/gpu/${vmId}/history`)).body?.data ?? [];

  /** A series and datacenter where this provider has a one-GPU SKU available. */
  async function offerOf(provider: string): Promise<{ seriesId: string; datacenterId: string }> {
    const inventory = (await t.call('GET', '/v1/resource/gpu/inventory')).body.data;
    for (const series of inventory.series)
      for (const a of series.availability)
        for (const g of a.gpuCounts)
          if (g.count === 1 && g.availableSkus.some((k: any) => k.provider === provider))
            return { seriesId: series.id, datacenterId: a.datacenterId };
    throw new Error(`no ${provider} offer`);
  }

  async function order(name: string): Promise<{ vmId: string; jobId: string }> {
    const ids = await offerOf(providerId);
    const res = await t.call('POST', '/v1/resource/gpu', {
      name,
      ...ids,
      gpuCount: 1,
      sshKeyId,
      constraints: { providers: [providerId] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return { vmId: res.body.data.resourceId, jobId: res.body.data.jobId };
  }

  it('keeps a just-created instance missing from listings (found by a direct read) and runs it', async () => {
    cloud().hideNextCreated(3_000);
    const { vmId, jobId } = await order('late-listing');
    const job = await waitForJob(t, jobId);
    expect(job.hasFailed, JSON.stringify(job)).toBe(false);
    const vm = await waitForStatus(t, vmId, 'Running');
    expect(cloud().liveInstanceIds()).toContain(vm.providerInstanceId);
    expect(JSON.stringify(await history(vmId))).not.toContain('Destroyed');
  });

  it('keeps a just-created instance that neither listings nor direct reads show yet, within the grace', async () => {
    cloud().hideNextCreated(3_000, { lookups: true });
    const { vmId, jobId } = await order('late-everywhere');
    const job = await waitForJob(t, jobId);
    expect(job.hasFailed, JSON.stringify(job)).toBe(false);
    const vm = await waitForStatus(t, vmId, 'Running');
    expect(cloud().liveInstanceIds()).toEqual(expect.arrayContaining([vm.providerInstanceId]));
    expect(JSON.stringify(await history(vmId))).not.toContain('Destroyed');
  });

  it('ends a VM only on a confirmed absence, with a reason', async () => {
    const { vmId, jobId } = await order('really-gone');
    await waitForJob(t, jobId);
    const vm = await waitForStatus(t, vmId, 'Running');
    // Past its create: missing from the listing and from a direct read is a confirmed absence.
    cloud().hideFromListing(vm.providerInstanceId, 60_000, { lookups: true });
    const gone = await eventually(async () => {
      const res = await t.call('GET', `/v1/resource/gpu/${vmId}?includeDeleted=true`);
      return res.body.data?.status === 'Destroyed' ? res.body.data : undefined;
    }, 'the VM to be Destroyed');
    expect(gone.statusReason).toBe('vanished');
    expect(JSON.stringify(await history(vmId))).toContain('a direct lookup confirms it is gone');
    cloud().reset();
  });
});
