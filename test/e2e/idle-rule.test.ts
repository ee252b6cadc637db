import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { catalogIds, newSshKey, waitForStatus } from './helpers.ts';

/**
 * The idle rule: only RunPod reports how busy a pod's GPUs are, so only RunPod VMs can carry one. The test
 * app's idle minute lasts 100 ms, so a 5-minute rule fires within a second of the GPUs going quiet.
 */
describe('idle rule', () => {
  let t: TestApp;
  let sshKeyId: string;
  let seriesId: string;
  let verdaDatacenterId: string;
  beforeAll(async () => {
    t = await startTestApp({ web: false });
    sshKeyId = await newSshKey(t);
    ({ seriesId, datacenterId: verdaDatacenterId } = await catalogIds(t, 'h100_series', 'verda-fin-01'));
  });
  afterAll(async () => t?.close());

  const runpod = () => {
    const cloud = t.app.sandbox?.clouds.find((c) => c.definition.id === 'runpod');
    if (!cloud) throw new Error('no runpod simulator');
    return cloud.simulator.control;
  };
  const orderOnRunpod = (name: string, idleMinutes: number) =>
    t.call('POST', '/v1/resource/gpu', {
      name,
      seriesId,
      gpuCount: 1,
      sshKeyId,
      constraints: { providers: ['runpod'], machineKinds: ['container'] },
      idleMinutes,
    });

  it('places an order with an idle rule only where utilisation is reported', async () => {
    const preview = await t.call('POST', '/v1/resource/gpu', {
      name: 'preview',
      seriesId,
      gpuCount: 1,
      sshKeyId,
      constraints: {},
      idleMinutes: 5,
      dryRun: true,
    });
    expect(preview.status).toBe(200);
    expect(preview.body.data.offers.length).toBeGreaterThan(0);
    for (const offer of preview.body.data.offers)
      expect(offer).toMatchObject({ provider: 'runpod', reportsGpuUtilization: true });

    const refused = await t.call('POST', '/v1/resource/gpu', {
      name: 'idle-on-verda',
      seriesId,
      datacenterId: verdaDatacenterId,
      gpuCount: 1,
      sshKeyId,
      idleMinutes: 5,
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ success: false, error: 'IDLE_RULE_UNSUPPORTED' });
    expect(refused.body.message).toMatch(/utilisation/);
  });

  it('rejects an idle rule shorter than five minutes', async () => {
    const res = await orderOnRunpod('too-eager', 1);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: 'VALIDATION_ERROR' });
  });

  it('stops a pod whose GPUs stay idle, and records why', async () => {
    const order = await orderOnRunpod('idle-pod', 5);
    expect(order.status).toBe(202);
    const vmId = order.body.data.resourceId;
    expect(order.body.data.vm.idle).toEqual({ minutes: 5, action: 'stop', since: null });
    await waitForStatus(t, vmId, 'Running');
    const stopped = await waitForStatus(t, vmId, 'Stopped', 30_000);
    expect(stopped.idle).toEqual({ minutes: 5, action: 'stop', since: null });
    const history = (await t.call('GET', `/v1/resource/gpu/${vmId}/history`)).body.data;
    expect(history).toContainEqual(expect.objectContaining({ kind: 'policy', message: 'GPUs idle for 5 min: stop' }));
    await t.call('DELETE', `/v1/resource/gpu/${vmId}`);
  });

  it('leaves a busy pod running, and counts from when it goes quiet', async () => {
    // 30 "minutes" = 3 s here: long enough to mark the pod busy before the rule could fire.
    const order = await orderOnRunpod('busy-pod', 30);
    const vmId = order.body.data.resourceId;
    const running = await waitForStatus(t, vmId, 'Running');
    runpod().setGpuUtilization?.(running.providerInstanceId, 85);
    await eventually(async () => {
      const vm = (await t.call('GET', `/v1/resource/gpu/${vmId}`)).body.data;
      return vm.idle.since === null ? vm : undefined;
    }, 'busy pod not idle');
    await new Promise((r) => setTimeout(r, 4_000));
    const stillRunning = (await t.call('GET', `/v1/resource/gpu/${vmId}`)).body.data;
    expect(stillRunning).toMatchObject({ status: 'Running', idle: { minutes: 30, since: null } });

    runpod().setGpuUtilization?.(running.providerInstanceId, null);
    const idle = await eventually(async () => {
      const vm = (await t.call('GET', `/v1/resource/gpu/${vmId}`)).body.data;
      return vm.idle.since ? vm : undefined;
    }, 'idle since');
    expect(idle.status).toBe('Running');
    await waitForStatus(t, vmId, 'Stopped', 30_000);
    await t.call('DELETE', `/v1/resource/gpu/${vmId}`);
  });

  it('sets, changes and clears a rule on an existing VM, and refuses it where utilisation is unknown', async () => {
    const verda = await t.call('POST', '/v1/resource/gpu', {
      name: 'verda-vm',
      seriesId,
      datacenterId: verdaDatacenterId,
      gpuCount: 1,
      sshKeyId,
    });
    const verdaId = verda.body.data.resourceId;
    await waitForStatus(t, verdaId, 'Running');
    const refused = await t.call('PUT', `/v1/resource/gpu/${verdaId}`, { idleMinutes: 60 });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ success: false, error: 'IDLE_RULE_UNSUPPORTED' });
    expect(refused.body.message).toMatch(/Verda/);
    expect((await t.call('GET', `/v1/resource/gpu/${verdaId}`)).body.data.idle).toBeNull();

    const pod = await orderOnRunpod('rule-edits', 600);
    const podId = pod.body.data.resourceId;
    await waitForStatus(t, podId, 'Running');
    const changed = await t.call('PUT', `/v1/resource/gpu/${podId}`, { idleMinutes: 900, idleAction: 'delete' });
    expect(changed.status).toBe(200);
    expect(changed.body.data.idle).toMatchObject({ minutes: 900, action: 'delete' });
    const cleared = await t.call('PUT', `/v1/resource/gpu/${podId}`, { idleMinutes: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.data.idle).toBeNull();

    await t.call('DELETE', `/v1/resource/gpu/${verdaId}`);
    await t.call('DELETE', `/v1/resource/gpu/${podId}`);
  });
});
