import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { catalogIds, jobOf, newSshKey, waitForJob, waitForStatus } from './helpers.ts';

/** Actions that meet a provider which cannot take them now: they wait, say why, and finish once it can. */
describe('stop, start and delete through provider trouble', () => {
  let t: TestApp;
  let sshKeyId: string;
  beforeAll(async () => {
    t = await startTestApp({ web: false, actionDeadlineMs: 2_000 });
    sshKeyId = await newSshKey(t);
  });
  afterAll(async () => t?.close());

  const simulator = (id: string) => {
    const cloud = t.app.sandbox?.clouds.find((c) => c.definition.id === id);
    if (!cloud) throw new Error(`no ${id} simulator`);
    return cloud.simulator.control;
  };

  /** A running VM at the given provider, ordered as a client would (any series it offers). */
  async function runningVmAt(provider: string, name: string): Promise<{ id: string; providerInstanceId: string }> {
    const series = (await t.call('GET', '/v1/resource/gpu/series')).body.data as { id: string }[];
    for (const s of series) {
      const order = await t.call('POST', '/v1/resource/gpu', {
        name,
        seriesId: s.id,
        gpuCount: 1,
        sshKeyId,
        constraints: { providers: [provider] },
      });
      if (order.status !== 202) continue;
      const running = await waitForStatus(t, order.body.data.resourceId, 'Running');
      // The order's job ends a moment after the VM runs; an action asked before that is refused (409).
      await waitForJob(t, order.body.data.jobId);
      return running;
    }
    throw new Error(`no series can be ordered at ${provider}`);
  }

  it('waits for capacity when the host has no free GPUs for a start, with the reason shown, and runs once it has', async () => {
    const vm = await runningVmAt('runpod', 'host-full');
    const stop = await t.call('POST', `/v1/resource/gpu/${vm.id}/stop`);
    await waitForJob(t, stop.body.data.jobId);
    await waitForStatus(t, vm.id, 'Stopped');
    simulator('runpod').setCapacity(false);
    try {
      const start = await t.call('POST', `/v1/resource/gpu/${vm.id}/start`);
      expect(start.status).toBe(202);
      const waiting = await eventually(async () => {
        const current = (await t.call('GET', `/v1/resource/gpu/${vm.id}`)).body.data;
        return current.statusReason === 'capacity' ? current : undefined;
      }, 'the VM to say it waits for capacity');
      expect(waiting.status).toBe('Stopped');
      const job = await jobOf(t, start.body.data.jobId);
      expect(job.isCompleted).toBe(false);
      expect(job.message).toMatch(/capacity/);
    } finally {
      simulator('runpod').setCapacity(true);
    }
    const running = await waitForStatus(t, vm.id, 'Running');
    expect(running.statusReason).toBeNull();
    await t.call('DELETE', `/v1/resource/gpu/${vm.id}`);
    await waitForStatus(t, vm.id, 'Destroyed');
  });

  it('shows a delete the provider has not confirmed by its deadline as Error (deadline), and goes on until it does', async () => {
    const ids = await catalogIds(t, 'h100_series', 'verda-fin-01');
    const order = await t.call('POST', '/v1/resource/gpu', { name: 'slow-delete', ...ids, gpuCount: 1, sshKeyId });
    const vm = await waitForStatus(t, order.body.data.resourceId, 'Running');
    simulator('verda').setFaults({ errorRate: 1 });
    let jobId: string;
    try {
      const del = await t.call('DELETE', `/v1/resource/gpu/${vm.id}`);
      expect(del.status).toBe(202);
      jobId = del.body.data.jobId;
      const overdue = await eventually(async () => {
        const current = (await t.call('GET', `/v1/resource/gpu/${vm.id}`)).body.data;
        return current.statusReason === 'deadline' ? current : undefined;
      }, 'the delete to pass its deadline');
      expect(overdue.status).toBe('Error');
      expect(overdue.deletedAt).toBeNull();
      expect((await jobOf(t, jobId)).isCompleted).toBe(false);
      const history = (await t.call('GET', `/v1/resource/gpu/${vm.id}/history`)).body.data as { kind: string; message: string }[];
      expect(history.find((e) => e.kind === 'deadline')?.message).toMatch(/keeps deleting/);
      expect(simulator('verda').liveInstanceIds()).toContain(vm.providerInstanceId);
    } finally {
      simulator('verda').setFaults({ errorRate: 0 });
    }
    const gone = await waitForStatus(t, vm.id, 'Destroyed');
    expect(gone.deletedAt).toBeTruthy();
    expect(simulator('verda').liveInstanceIds()).not.toContain(vm.providerInstanceId);
    expect((await jobOf(t, jobId)).isCompleted).toBe(true);
  });
});
