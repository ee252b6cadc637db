import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { STORE_KINDS } from '../support/stores.ts';
import { newSshKey, waitForJob, waitForStatus } from './helpers.ts';

const SCRIPT = '#!/bin/bash\nls /data > /tmp/datasets.txt\n';

describe.each(STORE_KINDS)('volumes, end to end on %s', (store) => {
  let t: TestApp;
  let sshKeyId: string;
  beforeAll(async () => {
    t = await startTestApp({ store, web: false });
    sshKeyId = await newSshKey(t);
  });
  afterAll(async () => t?.close());

  const cloud = (provider: string) => {
    const found = t.app.sandbox?.clouds.find((c) => c.definition.id === provider);
    if (!found) throw new Error(`no ${provider} simulator`);
    return found.simulator;
  };

  /** An available on-demand 1-GPU offer of the provider in a datacenter where volumes can be created. */
  async function placeOf(provider: string) {
    const options = (await t.call('GET', '/v1/resource/volumes/options')).body.data as {
      datacenter: { id: string };
      provider: string;
      types: string[];
      minSizeGB: number;
      attachToExisting: boolean;
    }[];
    const offers = (await t.call('GET', '/v1/offers?gpuCount=1&availableOnly=true&spot=exclude')).body.data.offers as {
      provider: string;
      series: { id: string };
      datacenter: { id: string };
      takesVolumes: boolean;
    }[];
    const offer = offers.find(
      (o) => o.provider === provider && o.takesVolumes && options.some((v) => v.datacenter.id === o.datacenter.id),
    );
    expect(offer, `an available ${provider} offer where volumes can be created`).toBeTruthy();
    const option = options.find((v) => v.datacenter.id === offer?.datacenter.id);
    return { seriesId: offer?.series.id as string, datacenterId: offer?.datacenter.id as string, option };
  }

  async function waitForVolume(id: string, status: string, timeoutMs = 30_000) {
    return eventually(
      async () => {
        const volume = (await t.call('GET', `/v1/resource/volumes/${id}`)).body.data;
        return volume?.status === status ? volume : undefined;
      },
      `volume ${id} ${status}`,
      timeoutMs,
    );
  }

  it('tells where volumes can be created, one entry per datacenter of a provider with volumes', async () => {
    const res = await t.call('GET', '/v1/resource/volumes/options');
    expect(res.status).toBe(200);
    const providers = new Set(res.body.data.map((o: { provider: string }) => o.provider));
    expect(providers).toEqual(new Set(['verda', 'runpod', 'fluidstack']));
    for (const option of res.body.data) {
      expect(option.types.length).toBeGreaterThan(0);
      expect(option.maxSizeGB).toBeGreaterThanOrEqual(option.minSizeGB);
      expect(option.maxPerInstance).toBeGreaterThan(0);
    }
  });

  it('refuses bad volume input with a 4xx naming the field, and keeps nothing', async () => {
    const { datacenterId, option } = await placeOf('verda');
    const cases: [Record<string, unknown>, number, string, RegExp][] = [
      [{ sizeGB: 0 }, 400, 'VALIDATION_ERROR', /sizeGB/],
      [{ sizeGB: 10_000_000 }, 400, 'VALIDATION_ERROR', /sizeGB/],
      [{ sizeGB: (option?.minSizeGB ?? 1) - 1 || 999_999 }, 400, 'VOLUME_SIZE_OUT_OF_RANGE', /^sizeGB: /],
      [{ type: 'TAPE' }, 400, 'UNKNOWN_VOLUME_TYPE', /^type: /],
      [{ datacenterId: '00000000-0000-4000-8000-00000000dead' }, 404, 'NOT_FOUND', /Datacenter/],
      [{ name: '' }, 400, 'VALIDATION_ERROR', /name/],
    ];
    const before = (await t.call('GET', '/v1/resource/volumes?includeDeleted=true&limit=100')).body.meta.total;
    for (const [extra, status, code, message] of cases) {
      const res = await t.call('POST', '/v1/resource/volumes', { name: 'bad', sizeGB: 100, datacenterId, ...extra });
      expect(res.status, JSON.stringify(extra)).toBe(status);
      expect(res.body.error, JSON.stringify(extra)).toBe(code);
      expect(res.body.message).toMatch(message);
    }
    expect((await t.call('GET', '/v1/resource/volumes?includeDeleted=true&limit=100')).body.meta.total).toBe(before);
  });

  it.each(['verda', 'runpod', 'fluidstack'])(
    'keeps a %s volume past its VM, pins the next VM to it, and leaves nothing behind',
    async (provider) => {
      const { seriesId, datacenterId, option } = await placeOf(provider);
      const sizeGB = Math.max(option?.minSizeGB ?? 1, 50);
      const created = await t.call('POST', '/v1/resource/volumes', { name: `data-${provider}`, sizeGB, datacenterId });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.data).toMatchObject({ name: `data-${provider}`, sizeGB, provider, attachedTo: [] });
      const volumeId = created.body.data.id as string;
      const taken = await t.call('POST', '/v1/resource/volumes', { name: `DATA-${provider}`, sizeGB, datacenterId });
      expect(taken.body.error).toBe('NAME_TAKEN');
      const ready = await waitForVolume(volumeId, 'Available');
      expect(cloud(provider).control.liveVolumeIds?.()).toContain(ready.providerVolumeId);

      // A volume pins its VM: another datacenter is refused, naming the field.
      const offers = (await t.call('GET', '/v1/offers?gpuCount=1&availableOnly=true&spot=exclude')).body.data.offers;
      const elsewhere = offers.find((o: { datacenter: { id: string } }) => o.datacenter.id !== datacenterId);
      const misplaced = await t.call('POST', '/v1/resource/gpu', {
        name: 'misplaced',
        seriesId: elsewhere.series.id,
        datacenterId: elsewhere.datacenter.id,
        gpuCount: 1,
        sshKeyId,
        volumeIds: [volumeId],
      });
      expect(misplaced.status).toBe(400);
      expect(misplaced.body.error).toBe('VOLUME_DATACENTER_MISMATCH');
      expect(misplaced.body.message).toMatch(/^volumeIds: /);

      const first = await t.call('POST', '/v1/resource/gpu', {
        name: `first-${provider}`,
        seriesId,
        datacenterId,
        gpuCount: 1,
        sshKeyId,
        volumeIds: [volumeId],
        startupScript: SCRIPT,
        env: { DATA_DIR: '/data' },
        ports: ['8888/http'],
      });
      expect(first.status, JSON.stringify(first.body)).toBe(202);
      const firstId = first.body.data.resourceId as string;
      const job = await waitForJob(t, first.body.data.jobId, 60_000);
      expect(job.hasFailed, JSON.stringify(job)).toBe(false);
      const running = await waitForStatus(t, firstId, 'Running', 60_000);
      expect(running.volumes).toMatchObject([{ id: volumeId, name: `data-${provider}`, sizeGB }]);
      expect(cloud(provider).control.bootWorkload(running.providerInstanceId)?.script).toBe(SCRIPT);
      const attached = await waitForVolume(volumeId, 'Attached');
      expect(attached.attachedTo).toMatchObject([{ vmId: firstId, vmName: `first-${provider}` }]);
      const history = (await t.call('GET', `/v1/resource/gpu/${firstId}/history`)).body.data;
      expect(history.find((e: { kind: string }) => e.kind === 'volume')?.message).toMatch(`data-${provider}`);
      expect(history.find((e: { kind: string }) => e.kind === 'workload')?.message).toMatch(/startup script/);
      await eventually(async () => {
        const vm = (await t.call('GET', `/v1/resource/gpu/${firstId}`)).body.data;
        return vm.endpoints.find((e: { port: number; url: string | null }) => e.port === 8888 && e.url) ? vm : undefined;
      }, 'the endpoint of port 8888');

      // A volume in use is not deleted.
      const inUse = await t.call('DELETE', `/v1/resource/volumes/${volumeId}`);
      expect(inUse.status).toBe(409);
      expect(inUse.body.error).toBe('VOLUME_ATTACHED');

      const removed = await t.call('DELETE', `/v1/resource/gpu/${firstId}`);
      expect(removed.status).toBe(202);
      expect(removed.body.data.message).toMatch(`data-${provider} (${sizeGB} GB) will be detached and kept`);
      await waitForStatus(t, firstId, 'Destroyed', 60_000);
      // From the moment its VM reads Destroyed, the volume no longer reads as attached.
      const released = (await t.call('GET', `/v1/resource/volumes/${volumeId}`)).body.data;
      expect(released.attachedTo).toEqual([]);
      expect(['Detaching', 'Available']).toContain(released.status);
      const kept = await waitForVolume(volumeId, 'Available');
      expect(kept.attachedTo).toEqual([]);
      expect(cloud(provider).control.liveVolumeIds?.()).toContain(kept.providerVolumeId);

      // The second VM names no datacenter: the volume places it.
      const second = await t.call('POST', '/v1/resource/gpu', {
        name: `second-${provider}`,
        seriesId,
        gpuCount: 1,
        sshKeyId,
        constraints: {},
        volumeIds: [volumeId],
      });
      expect(second.status, JSON.stringify(second.body)).toBe(202);
      const secondVm = await waitForStatus(t, second.body.data.resourceId, 'Running', 60_000);
      expect(secondVm.datacenter.id).toBe(datacenterId);
      expect(secondVm.volumes.map((v: { id: string }) => v.id)).toEqual([volumeId]);

      await t.call('DELETE', `/v1/resource/gpu/${secondVm.id}`);
      await waitForStatus(t, secondVm.id, 'Destroyed', 60_000);
      await waitForVolume(volumeId, 'Available');
      const deleting = await t.call('DELETE', `/v1/resource/volumes/${volumeId}`);
      expect(deleting.status).toBe(202);
      expect(['Deleting', 'Deleted']).toContain(deleting.body.data.status);
      const deleted = await waitForVolume(volumeId, 'Deleted');
      expect(deleted.deletedAt).toBeTruthy();
      expect(cloud(provider).control.liveVolumeIds?.()).not.toContain(kept.providerVolumeId);
      expect(cloud(provider).control.liveInstanceIds()).not.toContain(running.providerInstanceId);
      expect(cloud(provider).control.liveInstanceIds()).not.toContain(secondVm.providerInstanceId);
      const listed = (await t.call('GET', '/v1/resource/volumes?limit=100')).body.data.map((v: { id: string }) => v.id);
      expect(listed).not.toContain(volumeId);
      expect((await t.call('GET', '/v1/resource/volumes/unmanaged')).body.data).toEqual([]);
    },
  );

  it('attaches and detaches a Verda volume on a stopped VM, and refuses on a running one', { timeout: 90_000 }, async () => {
    const { seriesId, datacenterId } = await placeOf('verda');
    const volume = (await t.call('POST', '/v1/resource/volumes', { name: 'scratch', sizeGB: 100, datacenterId })).body.data;
    await waitForVolume(volume.id, 'Available');
    const order = await t.call('POST', '/v1/resource/gpu', { name: 'attach-me', seriesId, datacenterId, gpuCount: 1, sshKeyId });
    const vm = await waitForStatus(t, order.body.data.resourceId, 'Running', 60_000);
    await waitForJob(t, order.body.data.jobId, 60_000);

    const running = await t.call('POST', `/v1/resource/gpu/${vm.id}/volumes`, { volumeId: volume.id });
    expect(running.status).toBe(409);
    expect(running.body.error).toBe('VM_NOT_STOPPED');

    const stop = await t.call('POST', `/v1/resource/gpu/${vm.id}/stop`);
    expect(stop.status, JSON.stringify(stop.body)).toBe(202);
    const stopped = await waitForJob(t, stop.body.data.jobId, 60_000);
    expect(stopped.hasFailed, JSON.stringify(stopped)).toBe(false);
    await waitForStatus(t, vm.id, 'Stopped', 60_000);
    const attach = await t.call('POST', `/v1/resource/gpu/${vm.id}/volumes`, { volumeId: volume.id });
    expect(attach.status, JSON.stringify(attach.body)).toBe(202);
    await waitForVolume(volume.id, 'Attached');
    expect((await t.call('GET', `/v1/resource/gpu/${vm.id}`)).body.data.volumes.map((v: { id: string }) => v.id)).toEqual([
      volume.id,
    ]);
    const detach = await t.call('DELETE', `/v1/resource/gpu/${vm.id}/volumes/${volume.id}`);
    expect(detach.status).toBe(202);
    const free = await waitForVolume(volume.id, 'Available');
    expect(free.attachedTo).toEqual([]);

    const grown = await t.call('PUT', `/v1/resource/volumes/${volume.id}`, { sizeGB: 150, name: 'scratch-big' });
    expect(grown.status, JSON.stringify(grown.body)).toBe(200);
    expect(grown.body.data).toMatchObject({ sizeGB: 150, name: 'scratch-big' });
    const shrink = await t.call('PUT', `/v1/resource/volumes/${volume.id}`, { sizeGB: 10 });
    expect(shrink.body.error).toBe('VOLUME_SHRINK');
    await waitForVolume(volume.id, 'Available');

    // Storage shows in the cost report next to compute.
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const costs = await t.call('GET', `/v1/costs?from=${from}&to=${to}&groupBy=vm`);
    expect(costs.status).toBe(200);
    expect(costs.body.data.rows.map((r: { label: string }) => r.label)).toContain('scratch-big (volume)');

    await t.call('DELETE', `/v1/resource/gpu/${vm.id}`);
    await waitForStatus(t, vm.id, 'Destroyed', 60_000);
    await t.call('DELETE', `/v1/resource/volumes/${volume.id}`);
    await waitForVolume(volume.id, 'Deleted');
  });

  it('refuses to attach a RunPod network volume to an existing pod, saying how to use it', async () => {
    const { seriesId, datacenterId } = await placeOf('runpod');
    const volume = (await t.call('POST', '/v1/resource/volumes', { name: 'pod-data', sizeGB: 50, datacenterId })).body.data;
    await waitForVolume(volume.id, 'Available');
    const order = await t.call('POST', '/v1/resource/gpu', { name: 'pod', seriesId, datacenterId, gpuCount: 1, sshKeyId });
    const vm = await waitForStatus(t, order.body.data.resourceId, 'Running', 60_000);
    const attach = await t.call('POST', `/v1/resource/gpu/${vm.id}/volumes`, { volumeId: volume.id });
    expect(attach.status).toBe(409);
    expect(attach.body.error).toBe('ATTACH_UNSUPPORTED');
    expect(attach.body.message).toMatch(/order a new VM with volumeIds/);
    await t.call('DELETE', `/v1/resource/gpu/${vm.id}`);
    await waitForStatus(t, vm.id, 'Destroyed', 60_000);
    await t.call('DELETE', `/v1/resource/volumes/${volume.id}`);
    await waitForVolume(volume.id, 'Deleted');
  });
});
