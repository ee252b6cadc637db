import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, fail, ok, pageMeta, runCli } from './support/fake-api.ts';
import { job, vm } from './support/fixtures.ts';

const A = vm();
const B = vm({ id: 'aaaaaaaa-0000-4000-8000-000000000002', name: 'evaluator' });
const jobFor = (target: typeof A, operation: string, overrides = {}) =>
  job({ jobId: `${operation}-${target.name}`, operation, resourceId: target.id, resourceName: target.name, ...overrides });

describe('gpufleet gpu stop|start|restart|rm', () => {
  let api: FakeApi;
  const cli = (...args: string[]) => runCli(args, { url: api.url });

  beforeEach(async () => {
    api = await new FakeApi().start();
    api.on('GET', '/v1/resource/gpu', ok([A, B], pageMeta(2)));
  });
  afterEach(() => api.close());

  it('stops by name and passes on the billing warning the API adds to its message', async () => {
    const warning = 'Verda keeps billing a stopped VM. Delete it to stop paying.';
    api.on('POST', `/v1/resource/gpu/${A.id}/stop`, {
      status: 202,
      body: { success: true, message: `GPU VM stop initiated. ${warning}`, data: jobFor(A, 'stop'), meta: null },
    });

    const run = await cli('gpu', 'stop', 'trainer');

    expect(run.code).toBe(0);
    expect(api.sent('POST', `/v1/resource/gpu/${A.id}/stop`)).toHaveLength(1);
    expect(run.stderr).toContain(`warning: ${warning}`);
    expect(run.stdout).toContain('Stopping trainer (job stop-trainer)');
  });

  it('starts several VMs, --wait polls all their jobs together and reprints each address', async () => {
    // Restarted on another host: a new address and port.
    api.on('GET', `/v1/resource/gpu/${A.id}`, ok({ ...A, ip: '198.51.100.9', sshPort: 2222 }));
    api.on('GET', `/v1/resource/gpu/${B.id}`, ok({ ...B, ip: null, status: 'Provisioning' }));
    api.on('POST', `/v1/resource/gpu/${A.id}/start`, ok(jobFor(A, 'start'), null, 202));
    api.on('POST', `/v1/resource/gpu/${B.id}/start`, ok(jobFor(B, 'start'), null, 202));
    api.on('POST', '/v1/resource/jobs', (_req, call) =>
      ok({ jobs: [jobFor(A, 'start', { isCompleted: true }), jobFor(B, 'start', { isCompleted: call > 1 })] }),
    );

    const run = await cli('gpu', 'start', 'trainer', B.id, '--wait');

    expect(run.code).toBe(0);
    const polls = api.sent('POST', '/v1/resource/jobs');
    expect(polls).toHaveLength(2);
    expect(polls[0]!.body).toEqual({ jobIds: ['start-trainer', 'start-evaluator'] });
    expect(run.stderr).toMatch(/Starting 2 VMs: 1\/2 done \(\d+s\)/);
    expect(run.stdout).toContain('Done: trainer, evaluator');
    expect(run.stdout).toContain('trainer: ssh -p 2222 ubuntu@198.51.100.9');
    expect(run.stdout).toContain('evaluator: no address yet (status Provisioning)');
    expect(run.stderr).not.toContain('warning');
  });

  it('keeps going when one VM refuses, then exits 1', async () => {
    api.on('POST', `/v1/resource/gpu/${A.id}/restart`, fail(409, 'INVALID_STATE', 'trainer is stopped'));
    api.on('POST', `/v1/resource/gpu/${B.id}/restart`, ok(jobFor(B, 'restart'), null, 202));

    const run = await cli('gpu', 'restart', A.id, B.id);

    expect(run.code).toBe(1);
    expect(api.sent('POST', `/v1/resource/gpu/${B.id}/restart`)).toHaveLength(1);
    expect(run.stderr).toContain(`error: ${A.id}: trainer is stopped (INVALID_STATE)`);
    expect(run.stderr).toContain('1 of 2 VMs could not be acted on (PARTIAL_FAILURE)');
  });

  it('refuses to delete without --yes when there is no terminal to ask on', async () => {
    const run = await cli('gpu', 'rm', 'trainer');

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('refusing to delete without confirmation');
    expect(run.stderr).toContain('--yes');
    expect(api.sent('DELETE')).toHaveLength(0);
  });

  it('deletes with --yes and --wait until the deletion job completes', async () => {
    api.on('DELETE', `/v1/resource/gpu/${A.id}`, ok(jobFor(A, 'delete'), null, 202));
    api.on('POST', '/v1/resource/jobs', (_req, call) =>
      ok({ jobs: [jobFor(A, 'delete', { stage: call < 3 ? 'terminating' : 'done', isCompleted: call >= 3 })] }),
    );

    const run = await cli('gpu', 'rm', 'trainer', '--yes', '--wait', '--json');

    expect(run.code).toBe(0);
    expect(api.sent('POST', '/v1/resource/jobs')).toHaveLength(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ jobId: 'delete-trainer', isCompleted: true });
  });

  it('fails --wait with the job error when the deletion fails', async () => {
    api.on('DELETE', `/v1/resource/gpu/${A.id}`, ok(jobFor(A, 'delete'), null, 202));
    api.on(
      'POST',
      '/v1/resource/jobs',
      ok({ jobs: [jobFor(A, 'delete', { hasFailed: true, errorMessage: 'provider refused' })] }),
    );

    const run = await cli('gpu', 'rm', A.id, '-y', '--wait');

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('delete of trainer failed: provider refused');
    expect(run.stderr).toContain('error: provider refused (JOB_FAILED)');
  });
});
