import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformEvent } from '../../src/core/domain/events.ts';
import { DEFAULT_ENTITY_ID } from '../../src/core/domain/types.ts';
import { catalogIds, newSshKey, waitForJob, waitForStatus } from '../e2e/helpers.ts';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { createRequestFor } from '../support/instances.ts';
import { STORE_KINDS } from '../support/stores.ts';

describe.each(STORE_KINDS)('what raises events, on %s', (store) => {
  let t: TestApp;
  let sshKeyId: string;
  let place: { seriesId: string; datacenterId: string };
  beforeAll(async () => {
    t = await startTestApp({ store, web: false });
    sshKeyId = await newSshKey(t, 'events-key');
    place = await catalogIds(t, 'h100_series', 'verda-fin-01');
  });
  afterAll(async () => t?.close());

  /** Stored events about one resource, oldest first. */
  const eventsOf = async (subjectId: string): Promise<PlatformEvent[]> => {
    const res = await t.call('GET', `/v1/events?format=json&subjectId=${subjectId}&limit=100`);
    expect(res.status).toBe(200);
    return (res.body.data as PlatformEvent[]).reverse();
  };
  const waitForEvent = (subjectId: string, match: (e: PlatformEvent) => boolean, what: string) =>
    eventually(async () => (await eventsOf(subjectId)).find(match), what, 30_000);

  it('follows a VM through order, stop, rename and delete, with its jobs', { timeout: 90_000 }, async () => {
    const keyEvents = await eventsOf(sshKeyId);
    expect(keyEvents.map((e) => e.type)).toEqual(['ssh_key.created']);
    expect(JSON.stringify(keyEvents[0]!.data)).not.toMatch(/PRIVATE KEY/);

    const order = await t.call('POST', '/v1/resource/gpu', { name: 'evented', ...place, gpuCount: 1, sshKeyId });
    expect(order.status).toBe(202);
    const vmId = order.body.data.resourceId as string;
    const createJob = order.body.data.jobId as string;
    await waitForJob(t, createJob);
    await waitForStatus(t, vmId, 'Running');
    const running = await waitForEvent(vmId, (e) => e.type === 'vm.status_changed' && e.data.to === 'Running', 'Running');
    expect(running.data).toMatchObject({ from: 'Provisioning', name: 'evented' });
    expect(running.entityId).toBe(DEFAULT_ENTITY_ID);
    const created = (await eventsOf(vmId))[0]!;
    expect(created).toMatchObject({ type: 'vm.created', data: { name: 'evented', gpuCount: 1, jobId: createJob } });

    const jobEvents = await eventsOf(createJob);
    expect(jobEvents.at(-1)).toMatchObject({ type: 'job.succeeded', subject: { kind: 'job', id: createJob }, data: { vmId } });
    expect(jobEvents.some((e) => e.type === 'job.progress')).toBe(true);

    const stop = await t.call('POST', `/v1/resource/gpu/${vmId}/stop`);
    expect(stop.status).toBe(202);
    await waitForStatus(t, vmId, 'Stopped');
    const stopping = await waitForEvent(vmId, (e) => e.type === 'vm.status_changed' && e.data.to === 'Stopping', 'Stopping');
    expect(stopping.data).toMatchObject({ from: 'Running', reason: 'user' });
    await waitForEvent(vmId, (e) => e.type === 'vm.status_changed' && e.data.to === 'Stopped', 'Stopped');
    await waitForEvent(stop.body.data.jobId, (e) => e.type === 'job.succeeded', 'stop job succeeded');

    expect((await t.call('PUT', `/v1/resource/gpu/${vmId}`, { name: 'renamed' })).status).toBe(200);
    const updated = await waitForEvent(vmId, (e) => e.type === 'vm.updated', 'vm.updated');
    expect(updated.data).toMatchObject({ name: 'renamed', previousName: 'evented', fields: ['name'] });

    const del = await t.call('DELETE', `/v1/resource/gpu/${vmId}`);
    expect(del.status).toBe(202);
    await waitForStatus(t, vmId, 'Destroyed');
    await waitForEvent(vmId, (e) => e.type === 'vm.delete_requested' && e.data.jobId === del.body.data.jobId, 'delete requested');
    const destroyed = await waitForEvent(vmId, (e) => e.type === 'vm.status_changed' && e.data.to === 'Destroyed', 'Destroyed');
    expect(destroyed.data.reason).toBe('user');
    // A status is one event per change, however often the refresher confirms it.
    const changes = (await eventsOf(vmId)).filter((e) => e.type === 'vm.status_changed');
    for (let i = 1; i < changes.length; i++) expect(changes[i]!.data.from).toBe(changes[i - 1]!.data.to);
    // gpufleet was deleting it: no vanished instance to report.
    expect((await eventsOf(vmId)).some((e) => e.type === 'reconcile.instance_vanished')).toBe(false);

    expect((await t.call('DELETE', `/v1/resource/ssh-keys/${sshKeyId}`)).status).toBeLessThan(300);
    expect((await eventsOf(sshKeyId)).map((e) => e.type)).toEqual(['ssh_key.created', 'ssh_key.deleted']);
  });

  it('records the policy that acted on a VM', { timeout: 90_000 }, async () => {
    const key = await newSshKey(t, 'ttl-key');
    const order = await t.call('POST', '/v1/resource/gpu', {
      name: 'short-lived',
      ...place,
      gpuCount: 1,
      sshKeyId: key,
      ttlHours: 0.001,
      ttlAction: 'delete',
    });
    const vmId = order.body.data.resourceId as string;
    const ttl = await waitForEvent(vmId, (e) => e.type === 'policy.ttl_reached', 'policy.ttl_reached');
    expect(ttl.data).toMatchObject({ name: 'short-lived', action: 'delete' });
    const destroyed = await waitForEvent(vmId, (e) => e.type === 'vm.status_changed' && e.data.to === 'Destroyed', 'Destroyed');
    expect(destroyed.data.reason).toBe('policy');
  });

  it('tells a preempted spot VM apart from other status changes', { timeout: 90_000 }, async () => {
    const offers = (await t.call('GET', '/v1/offers?gpuCount=1&availableOnly=true&spot=only')).body.data.offers as {
      provider: string;
      machineKind: string;
      series: { id: string };
      datacenter: { id: string };
    }[];
    const offer = offers.find((o) => o.machineKind === 'vm');
    expect(offer, 'a spot VM offer').toBeTruthy();
    const key = await newSshKey(t, 'spot-key');
    const order = await t.call('POST', '/v1/resource/gpu', {
      name: 'spotty',
      seriesId: offer!.series.id,
      datacenterId: offer!.datacenter.id,
      gpuCount: 1,
      sshKeyId: key,
      constraints: { providers: [offer!.provider], spot: 'only' },
    });
    expect(order.status, JSON.stringify(order.body)).toBe(202);
    const vmId = order.body.data.resourceId as string;
    await waitForJob(t, order.body.data.jobId);
    await waitForStatus(t, vmId, 'Running');
    const row = await t.app.store.db
      .selectFrom('vms')
      .select('provider_instance_id')
      .where('id', '=', vmId)
      .executeTakeFirstOrThrow();
    const cloud = t.app.sandbox!.clouds.find((c) => c.definition.id === offer!.provider)!;
    cloud.simulator.control.preempt(row.provider_instance_id as string);
    // Look at once: a simulated cloud may stop listing an evicted instance before the next poll would see it.
    const account = (await t.app.runtime.pool.all()).find((a) => a.definition.id === offer!.provider)!;
    await t.app.runtime.refresher.refresh(account.config.accountId);
    const preempted = await waitForEvent(vmId, (e) => e.type === 'vm.preempted', 'vm.preempted');
    expect(preempted.data).toMatchObject({ name: 'spotty' });
    const change = (await eventsOf(vmId)).find((e) => e.type === 'vm.status_changed' && e.data.reason === 'preempted');
    expect(change?.data).toMatchObject({ from: 'Running', to: preempted.data.status });
  });

  it('reports an instance made elsewhere once, and one that vanished behind its back', { timeout: 90_000 }, async () => {
    const verda = (await t.app.runtime.pool.all()).find((a) => a.definition.id === 'verda')!;
    const accountId = verda.config.accountId;
    const { provider } = await t.app.runtime.pool.get(accountId);
    const offer = (await provider.listOffers()).find((o) => o.available && !o.spot)!;
    const stray = await provider.createInstance(createRequestFor(offer, { name: 'made-elsewhere' }));
    const unmanaged = () =>
      eventsOf(accountId).then((events) =>
        events.filter((e) => e.type === 'reconcile.unmanaged_instance' && e.data.providerInstanceId === stray.providerInstanceId),
      );
    await eventually(async () => ((await unmanaged()).length > 0 ? true : undefined), 'unmanaged instance event');
    await t.app.runtime.refresher.refresh(accountId);
    await t.app.runtime.refresher.refresh(accountId);
    expect(await unmanaged()).toHaveLength(1);
    expect((await unmanaged())[0]).toMatchObject({
      subject: { kind: 'account', id: accountId },
      data: { name: expect.stringContaining('made-elsewhere') },
    });

    const key = await newSshKey(t, 'vanish-key');
    const order = await t.call('POST', '/v1/resource/gpu', { name: 'vanishing', ...place, gpuCount: 1, sshKeyId: key });
    const vmId = order.body.data.resourceId as string;
    await waitForJob(t, order.body.data.jobId);
    const vm = await waitForStatus(t, vmId, 'Running');
    const row = await t.app.store.db.selectFrom('vms').selectAll().where('id', '=', vmId).executeTakeFirstOrThrow();
    await provider.deleteInstance({
      providerInstanceId: vm.providerInstanceId,
      providerSkuId: row.provider_sku_id as string,
      locationCode: row.location_code as string,
      gpuCount: 1,
      spot: false,
      pricePerHour: null,
    });
    const vanished = await waitForEvent(vmId, (e) => e.type === 'reconcile.instance_vanished', 'instance vanished');
    expect(vanished.data).toMatchObject({ name: 'vanishing', providerInstanceId: vm.providerInstanceId });
  });

  it('follows a volume from create to delete', { timeout: 90_000 }, async () => {
    const options = (await t.call('GET', '/v1/resource/volumes/options')).body.data as {
      datacenter: { id: string };
      provider: string;
      minSizeGB: number;
    }[];
    const option = options.find((o) => o.provider === 'verda')!;
    const created = await t.call('POST', '/v1/resource/volumes', {
      name: 'evented-data',
      sizeGB: Math.max(option.minSizeGB, 50),
      datacenterId: option.datacenter.id,
    });
    expect(created.status).toBe(201);
    const volumeId = created.body.data.id as string;
    const first = (await eventsOf(volumeId))[0]!;
    expect(first).toMatchObject({
      type: 'volume.created',
      subject: { kind: 'volume', id: volumeId },
      data: { name: 'evented-data' },
    });
    await waitForEvent(volumeId, (e) => e.type === 'volume.status_changed' && e.data.to === 'Available', 'Available');
    expect((await t.call('DELETE', `/v1/resource/volumes/${volumeId}`)).status).toBeLessThan(300);
    await waitForEvent(volumeId, (e) => e.type === 'volume.deleted', 'volume.deleted');
  });
});
