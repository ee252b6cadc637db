import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformEvent } from '../../src/contract/events.ts';
import { catalogIds, newSshKey, waitForJob } from '../e2e/helpers.ts';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { runCli } from './support/fake-api.ts';

/** `gpufleet events` and the event-driven `--wait`s against a real server in sandbox mode (simulated clouds). */
describe('gpufleet events', () => {
  let t: TestApp;
  let order: (name: string) => Promise<{ vmId: string; jobId: string }>;

  beforeAll(async () => {
    t = await startTestApp({ web: false });
    const { seriesId, datacenterId } = await catalogIds(t, 'h100_series', 'verda-fin-01');
    const sshKeyId = await newSshKey(t, 'events-key');
    order = async (name) => {
      const res = await t.call('POST', '/v1/resource/gpu', { name, seriesId, datacenterId, gpuCount: 1, sshKeyId });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return { vmId: res.body.data.resourceId, jobId: res.body.data.jobId };
    };
  });
  afterAll(async () => t?.close());

  const cli = (args: string[], options: Parameters<typeof runCli>[1] = {}) =>
    runCli(args, { url: t.url, apiKey: t.adminKey, env: { NO_COLOR: '1' }, ...options });

  /** Runs `args`, orders `name` once the stream is live, and ends with Ctrl-C once `done` matches stdout. */
  const followWhileOrdering = (args: string[], name: string, done: (stdout: string) => boolean) => {
    let ordered = false;
    return cli(args, {
      onStderr: (stderr) => {
        if (!ordered && stderr.includes('Following events')) {
          ordered = true;
          void order(name);
        }
      },
      interruptWhen: done,
    });
  };

  it('follows an order as it happens, one line per event, and Ctrl-C exits 0', async () => {
    const run = await followWhileOrdering(['events'], 'ev-follow', (out) =>
      /vm\.status_changed\s+vm ev-follow .*Provisioning → Running/.test(out),
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const mine = lines.filter((line) => line.includes('ev-follow'));
    // time, type, subject, summary
    expect(mine[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}vm\.created\s+vm ev-follow \([0-9a-f]{8}\)/);
    expect(mine.some((line) => /job\.progress\s+job ev-follow .*create \d+%/.test(line))).toBe(true);
    // Events after it (the job's success) may still be printed before Ctrl-C lands.
    const running = mine.findIndex((line) =>
      /vm\.status_changed\s+vm ev-follow \([0-9a-f]{8}\) {2}· Provisioning → Running/.test(line),
    );
    expect(running, run.stdout).toBeGreaterThan(0);
  }, 60_000);

  it('prints NDJSON with --json and keeps only the --type asked for', async () => {
    const run = await followWhileOrdering(
      ['events', '--json', '--type', 'vm.status_changed', '--type', 'vm.preempted,vm.created'],
      'ev-json',
      (out) => out.includes('"to":"Running"') && out.includes('ev-json'),
    );
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PlatformEvent);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['vm.created', 'vm.status_changed']));
    const running = events.find((e) => e.type === 'vm.status_changed' && e.data.to === 'Running');
    expect(running).toMatchObject({ subject: { kind: 'vm' }, data: { from: 'Provisioning', name: 'ev-json' } });
    expect(running?.id).toMatch(/^[0-9a-f-]{36}$/);
  }, 60_000);

  it('refuses an unknown --type before connecting', async () => {
    const run = await cli(['events', '--type', 'vm.exploded']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown event type "vm.exploded"');
  });

  it('exits 3 when the server cannot be reached at all', async () => {
    const run = await runCli(['events'], { url: 'http://127.0.0.1:9', apiKey: t.adminKey });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('cannot reach the gpufleet server at http://127.0.0.1:9');
  });

  it('replays from --since-id, only of the --vm asked for (its jobs included), then follows', async () => {
    const before = await order('ev-before');
    const target = await order('ev-replay');
    await Promise.all([waitForJob(t, before.jobId), waitForJob(t, target.jobId)]);
    // The id to resume after: the first event of the earlier order, listed by `events ls`.
    const listed = await cli(['events', 'ls', '--json', '--type', 'vm.created', '--limit', '100']);
    expect(listed.code, listed.stderr).toBe(0);
    const created = (JSON.parse(listed.stdout).data as PlatformEvent[]).find((e) => e.subject.id === before.vmId);
    expect(created).toBeDefined();

    const run = await cli(['events', '--since-id', created!.id, '--vm', 'ev-replay', '--json'], {
      interruptWhen: (out) => out.includes('"type":"job.succeeded"'),
    });
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PlatformEvent);
    expect(events.every((e) => e.subject.id === target.vmId || e.data.vmId === target.vmId)).toBe(true);
    expect(events[0]).toMatchObject({ type: 'vm.created', subject: { id: target.vmId } });
    expect(events.some((e) => e.type === 'job.progress' && e.subject.id === target.jobId)).toBe(true);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  }, 60_000);

  it('pages the stored log with `events ls`', async () => {
    const table = await cli(['events', 'ls', '--limit', '5']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^TIME\s+TYPE\s+SUBJECT\s+SUMMARY\s+ID/);
    expect(table.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(6);
    expect(table.stdout).toMatch(/page 1 of \d+ \(\d+ events\); --page 2 for more/);

    const page = await cli(['events', 'ls', '--json', '--limit', '2', '--page', '2', '--type', 'vm.status_changed']);
    const body = JSON.parse(page.stdout) as { data: PlatformEvent[]; meta: { page: number; hasNextPage: boolean } };
    expect(body.data).toHaveLength(2);
    expect(body.meta.page).toBe(2);
    expect(body.data.every((e) => e.type === 'vm.status_changed')).toBe(true);
  }, 60_000);

  it('ends a --wait within moments of the job finishing, woken by its events, not by a poll', async () => {
    // A poll only every minute: only the event stream can end these waits in time.
    const slowPoll = { NO_COLOR: '1', GPUFLEET_POLL_INTERVAL_MS: '60000' };
    const started = Date.now();
    const ordered = await cli(
      [
        'gpu',
        'order',
        '--name',
        'ev-wait',
        '--series',
        'h100_series',
        '--datacenter',
        'verda-fin-01',
        '--gpus',
        '1',
        '--ssh-key',
        'events-key',
        '--wait',
        '--json',
      ],
      { env: slowPoll },
    );
    const ended = Date.now();
    expect(ordered.code, ordered.stderr).toBe(0);
    const vm = JSON.parse(ordered.stdout) as { id: string; name: string; status: string };
    expect(vm).toMatchObject({ name: 'ev-wait', status: 'Running' });
    const finished = await jobEnd(vm.id, 'create');
    expect(finished).toBeGreaterThan(started);
    // The CLI still reads the VM and exits after the job ends; a loaded machine gets some slack, a poll would take 60 s.
    expect(ended - finished).toBeLessThan(5_000);

    const stopStarted = Date.now();
    const stop = await cli(['gpu', 'stop', 'ev-wait', '--wait'], { env: slowPoll });
    const stopEnded = Date.now();
    expect(stop.code, stop.stderr).toBe(0);
    const stopped = await jobEnd(vm.id, 'stop');
    expect(stopped).toBeGreaterThan(stopStarted);
    expect(stopEnded - stopped).toBeLessThan(5_000);
  }, 90_000);

  /** When the job of `operation` on the VM ended, by the time of its `job.succeeded` event. */
  async function jobEnd(vmId: string, operation: string): Promise<number> {
    return eventually(async () => {
      const res = await t.call('GET', '/v1/events?format=json&types=job.succeeded&limit=100');
      const event = (res.body.data as PlatformEvent[]).find((e) => e.data.vmId === vmId && e.data.operation === operation);
      return event ? Date.parse(event.time) : undefined;
    }, `the ${operation} job of ${vmId} to succeed`);
  }
});
