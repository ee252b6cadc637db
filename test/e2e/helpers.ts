import { expect } from 'vitest';
import { eventually, type TestApp } from '../support/app.ts';

/** Ids of a series and a datacenter by their codes, as a client would look them up. */
export async function catalogIds(
  t: TestApp,
  seriesCode: string,
  datacenterCode: string,
): Promise<{ seriesId: string; datacenterId: string }> {
  const series = await t.call('GET', '/v1/resource/gpu/series');
  const dcs = await t.call('GET', '/v1/resource/data-centers');
  const seriesId = series.body.data.find((s: { code: string }) => s.code === seriesCode)?.id;
  const datacenterId = dcs.body.data.find((d: { code: string }) => d.code === datacenterCode)?.id;
  expect(seriesId, `series ${seriesCode}`).toBeTruthy();
  expect(datacenterId, `datacenter ${datacenterCode}`).toBeTruthy();
  return { seriesId, datacenterId };
}

export async function newSshKey(t: TestApp, name = 'e2e-key'): Promise<string> {
  const res = await t.call('POST', '/v1/resource/ssh-keys/generate', { name, algorithm: 'ed25519' });
  expect(res.status).toBe(201);
  return res.body.data.id as string;
}

export async function jobOf(t: TestApp, jobId: string): Promise<any> {
  const res = await t.call('POST', '/v1/resource/jobs', { jobIds: [jobId] });
  expect(res.status).toBe(200);
  return res.body.data.jobs[0];
}

export async function waitForJob(t: TestApp, jobId: string, timeoutMs = 30_000): Promise<any> {
  return eventually(
    async () => {
      const job = await jobOf(t, jobId);
      return job.isCompleted ? job : undefined;
    },
    `job ${jobId}`,
    timeoutMs,
  );
}

export async function waitForStatus(t: TestApp, vmId: string, status: string, timeoutMs = 30_000): Promise<any> {
  return eventually(
    async () => {
      const res = await t.call('GET', `/v1/resource/gpu/${vmId}`);
      return res.body.data?.status === status ? res.body.data : undefined;
    },
    `VM ${vmId} to be ${status}`,
    timeoutMs,
  );
}
