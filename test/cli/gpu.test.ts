import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, ok, pageMeta, runCli } from './support/fake-api.ts';
import { vm } from './support/fixtures.ts';

const TRAINER = vm();
const TRAINER_ID = TRAINER.id;
const GROUP = { id: 'ffffffff-0000-4000-8000-000000000001', name: 'research', description: null, vmCount: 1, budget: null };

describe('gpufleet gpu (read and metadata commands)', () => {
  let api: FakeApi;
  const cli = (...args: string[]) => runCli(args, { url: api.url });

  beforeEach(async () => {
    api = await new FakeApi().start();
  });
  afterEach(() => api.close());

  it('lists VMs as a table with widths from the content, sending the API key', async () => {
    const other = vm({ id: 'aaaaaaaa-0000-4000-8000-000000000002', name: 'a-much-longer-name', status: 'Stopped', ip: null });
    api.on('GET', '/v1/resource/gpu', ok([TRAINER, other], pageMeta(2)));

    const run = await cli('gpu', 'ls');

    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+GPUS\s+PROVIDER/);
    // NAME is as wide as the longest name, so STATUS starts in the same column on every line.
    const statusColumn = lines[0]!.indexOf('STATUS');
    expect(lines[1]!.indexOf('Running')).toBe(statusColumn);
    expect(lines[2]!.indexOf('Stopped')).toBe(statusColumn);
    expect(lines[1]).toContain('1x H100 Series');
    expect(lines[1]).toContain('$2.19');
    // Not a terminal: no colour codes.
    expect(run.stdout).not.toContain('\u001b[');
    const [request] = api.sent('GET', '/v1/resource/gpu');
    expect(request!.headers['x-api-key']).toBe('test-key');
    expect(request!.query).toEqual({ page: '1', limit: '50' });
  });

  it('marks the VMs the provider has not confirmed recently, and says for how long under the list', async () => {
    // Last confirmed 95 s before each answer is sent.
    let syncedAt = '';
    const stale = () => {
      syncedAt = new Date(Date.now() - 95_000).toISOString();
      return vm({ id: 'aaaaaaaa-0000-4000-8000-000000000002', name: 'stale-one', stale: true, syncedAt });
    };
    const fresh = vm({ syncedAt: new Date().toISOString() });
    api.on('GET', '/v1/resource/gpu', () => ok([fresh, stale()], pageMeta(2)));

    const run = await cli('gpu', 'ls');

    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const statusColumn = lines[0]!.indexOf('STATUS');
    const staleLine = lines.find((l) => l.includes('stale-one'))!;
    expect(staleLine.slice(statusColumn)).toMatch(/^Running !\s/);
    expect(lines.find((l) => l.includes('trainer'))!.slice(statusColumn)).toMatch(/^Running\s+1x/);
    // 95 s, give or take the time the answer takes to arrive.
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^! not confirmed by the provider for 1m3[56]s \\(since ${syncedAt.slice(11, 19)} UTC; read from gpufleet's store\\)$`,
      ),
    );

    api.on('GET', '/v1/resource/gpu', ok([fresh], pageMeta(1)));
    const clean = await cli('gpu', 'ls');
    expect(clean.stdout).not.toContain('!');
    expect(clean.stdout).not.toContain('not confirmed');

    const id = 'aaaaaaaa-0000-4000-8000-000000000002';
    api.on('GET', `/v1/resource/gpu/${id}`, () => ok(stale()));
    const details = await cli('gpu', 'get', id);
    expect(details.stdout).toMatch(/^Stale:\s+yes: the provider has not confirmed this for 1m3[56]s$/m);
  });

  it('watches the list, printing it again only when it changes, until Ctrl-C', async () => {
    const stopped = { ...TRAINER, status: 'Stopped' as const };
    api.on('GET', '/v1/resource/gpu', (_request, call) => ok([call < 3 ? TRAINER : stopped], pageMeta(1)));
    const run = await runCli(['gpu', 'ls', '--watch', '0.2'], {
      url: api.url,
      interruptWhen: (stdout) => stdout.includes('Stopped'),
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    // Into a pipe, each change is appended under the time it was seen: two views for three identical-or-changed reads.
    const views = run.stdout.trimEnd().split('\n\n');
    expect(views).toHaveLength(2);
    expect(views[0]).toMatch(/^\d{2}:\d{2}:\d{2}\nID\s+NAME\s+STATUS/);
    expect(views[0]).toContain('Running');
    expect(views[1]).toContain('Stopped');
    expect(api.sent('GET', '/v1/resource/gpu').length).toBeGreaterThanOrEqual(3);

    const bad = await cli('gpu', 'ls', '--watch', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--watch takes a number of seconds/);
  });

  it('prints --output yaml, json and wide', async () => {
    api.on('GET', '/v1/resource/gpu', ok([TRAINER], pageMeta(1)));
    const yaml = await cli('gpu', 'ls', '--output', 'yaml');
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(
      /^data:\n {2}- id: aaaaaaaa-0000-4000-8000-000000000001\n {4}name: trainer\n {4}status: Running\n/,
    );
    expect(yaml.stdout).toContain('\n    configuration:\n      code: h100_series\n      name: H100 Series\n      gpuCount: 1\n');
    expect(yaml.stdout).toContain('\n    createdAt: "2025-03-01T10:00:00.000Z"\n');
    expect(yaml.stdout).toContain('\n    env: {}\n    secretEnvNames: []\n');
    expect(yaml.stdout).toContain('\nmeta:\n  total: 1\n');

    const json = await cli('gpu', 'ls', '-o', 'json');
    expect(JSON.parse(json.stdout).data[0].name).toBe('trainer');

    const wide = await cli('gpu', 'ls', '--output', 'wide');
    expect(wide.stdout).toMatch(/^ID\s+NAME\s+STATUS\s+GPUS\s+SKU\s+KIND\s+PROVIDER.*SSH\s+ACCRUED$/m);
    expect(wide.stdout).toContain('ssh -p 22 ubuntu@203.0.113.7');

    const bad = await cli('gpu', 'ls', '--output', 'xml');
    expect(bad.code).toBe(2);
  });

  it('colours the status when asked to even without a terminal, and never with NO_COLOR', async () => {
    api.on('GET', '/v1/resource/gpu', ok([TRAINER], pageMeta(1)));
    const forced = await runCli(['gpu', 'ls'], { url: api.url, env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain('\u001b[32mRunning\u001b[0m');
    const plain = await runCli(['gpu', 'ls'], { url: api.url, env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\u001b[');
  });

  it('passes --all, --search, --page, --limit and resolves --group by name', async () => {
    api.on('GET', '/v1/resource-groups', ok([GROUP], pageMeta(1)));
    api.on('GET', '/v1/resource/gpu', ok([], pageMeta(0, 2, 5)));

    const run = await cli('gpu', 'list', '--all', '--search', 'tra', '--page', '2', '--limit', '5', '--group', 'research');

    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('No GPU VMs.');
    expect(api.sent('GET', '/v1/resource/gpu')[0]!.query).toEqual({
      page: '2',
      limit: '5',
      search: 'tra',
      resourceGroupId: GROUP.id,
      includeDeleted: 'true',
    });
  });

  it('prints data and meta as JSON with --json', async () => {
    const meta = pageMeta(1);
    api.on('GET', '/v1/resource/gpu', ok([TRAINER], meta));

    const run = await cli('--json', 'gpu', 'ls');

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ data: [TRAINER], meta });
  });

  it('gets a VM by name through the list, matching the name exactly', async () => {
    const similar = vm({ id: 'aaaaaaaa-0000-4000-8000-000000000009', name: 'trainer-2' });
    api.on('GET', '/v1/resource/gpu', ok([similar, TRAINER], pageMeta(2)));
    api.on('GET', `/v1/resource/gpu/${TRAINER_ID}`, ok(TRAINER));

    const run = await cli('gpu', 'get', 'trainer', '--json');

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(TRAINER);
    expect(api.sent('GET', '/v1/resource/gpu')[0]!.query.search).toBe('trainer');
  });

  it('takes a UUID as an id without looking names up, and shows the details', async () => {
    api.on('GET', `/v1/resource/gpu/${TRAINER_ID}`, ok(TRAINER));

    const run = await cli('gpu', 'get', TRAINER_ID);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Name:\s+trainer$/m);
    expect(run.stdout).toMatch(/^SSH:\s+ssh -p 22 ubuntu@203\.0\.113\.7$/m);
    expect(api.sent('GET', '/v1/resource/gpu')).toHaveLength(0);
  });

  it('refuses an ambiguous name and lists the matching ids', async () => {
    const twin = vm({ id: 'aaaaaaaa-0000-4000-8000-000000000002', status: 'Stopped' });
    api.on('GET', '/v1/resource/gpu', ok([TRAINER, twin], pageMeta(2)));

    const run = await cli('gpu', 'get', 'trainer');

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('2 GPU VMs are named "trainer"');
    expect(run.stderr).toContain(`${TRAINER_ID} (Running)`);
    expect(run.stderr).toContain(`${twin.id} (Stopped)`);
    expect(run.stderr).toContain('(AMBIGUOUS_NAME)');
  });

  it('says so when no VM has the name', async () => {
    api.on('GET', '/v1/resource/gpu', ok([], pageMeta(0)));
    const run = await cli('gpu', 'get', 'ghost');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: no GPU VM named "ghost" (ids work too) (NOT_FOUND)');
  });

  it('renames with PUT {name}', async () => {
    api.on('PUT', `/v1/resource/gpu/${TRAINER_ID}`, (req) => ok({ ...TRAINER, ...(req.body as object) }));
    const run = await cli('gpu', 'rename', TRAINER_ID, 'finetuner');
    expect(run.code).toBe(0);
    expect(api.sent('PUT')[0]!.body).toEqual({ name: 'finetuner' });
    expect(run.stdout.trim()).toBe(`Renamed ${TRAINER_ID} to finetuner.`);
  });

  it('sets and clears the time limit and idle rule with PUT, and shows them without flags', async () => {
    api.on('PUT', `/v1/resource/gpu/${TRAINER_ID}`, (req) => {
      const body = req.body as { idleMinutes?: number | null; idleAction?: 'stop' | 'delete' };
      return ok({
        ...TRAINER,
        idle: body.idleMinutes ? { minutes: body.idleMinutes, action: body.idleAction ?? 'stop', since: null } : null,
      });
    });
    const set = await cli('gpu', 'limits', TRAINER_ID, '--idle-minutes', '30', '--idle-action', 'delete', '--ttl-hours', 'none');
    expect(set.code).toBe(0);
    expect(api.sent('PUT')[0]!.body).toEqual({ idleMinutes: 30, idleAction: 'delete', ttlHours: null });
    expect(set.stdout).toContain('idle rule:  delete after 30 min idle');

    const cleared = await cli('gpu', 'limits', TRAINER_ID, '--idle-minutes', 'none');
    expect(api.sent('PUT')[1]!.body).toEqual({ idleMinutes: null });
    expect(cleared.stdout).toContain('idle rule:  none');

    api.on(
      'GET',
      `/v1/resource/gpu/${TRAINER_ID}`,
      ok(vm({ idle: { minutes: 15, action: 'stop', since: '2026-01-05T10:00:00Z' } })),
    );
    const shown = await cli('gpu', 'limits', TRAINER_ID);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/idle rule: {2}stop after 15 min idle \(idle since /);
    expect(api.sent('PUT')).toHaveLength(2);
  });

  it('refuses a limit that is neither a number nor none, and an action for a cleared limit', async () => {
    const bad = await cli('gpu', 'limits', TRAINER_ID, '--idle-minutes', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/or none/);
    const contradictory = await cli('gpu', 'limits', TRAINER_ID, '--ttl-hours', 'none', '--ttl-action', 'stop');
    expect(contradictory.code).toBe(2);
    expect(api.sent('PUT')).toHaveLength(0);
  });

  it('moves to a group given by name with PUT {resourceGroupId}', async () => {
    api.on('GET', '/v1/resource/gpu', ok([TRAINER], pageMeta(1)));
    api.on('GET', '/v1/resource-groups', ok([GROUP], pageMeta(1)));
    api.on('PUT', `/v1/resource/gpu/${TRAINER_ID}`, ok({ ...TRAINER, resourceGroupId: GROUP.id, resourceGroupName: 'research' }));

    const run = await cli('gpu', 'move', 'trainer', 'research');

    expect(run.code).toBe(0);
    expect(api.sent('PUT')[0]!.body).toEqual({ resourceGroupId: GROUP.id });
    expect(run.stdout.trim()).toBe('Moved trainer to research.');
  });

  it('prints the ssh command line with --print, with the port the provider gave', async () => {
    api.on('GET', `/v1/resource/gpu/${TRAINER_ID}`, ok(vm({ username: 'root', ip: '198.51.100.4', sshPort: 40022 })));
    const run = await cli('gpu', 'ssh', TRAINER_ID, '--print');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('ssh -p 40022 root@198.51.100.4\n');
  });

  it('fails ssh with a clear message while the VM has no address', async () => {
    api.on('GET', `/v1/resource/gpu/${TRAINER_ID}`, ok(vm({ ip: null, status: 'Provisioning' })));
    const run = await cli('gpu', 'ssh', TRAINER_ID);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('trainer has no IP address yet (status Provisioning) (NO_ADDRESS)');
  });

  it('shows the history as a table', async () => {
    api.on(
      'GET',
      `/v1/resource/gpu/${TRAINER_ID}/history`,
      ok([
        { at: '2025-03-01T10:00:00.000Z', kind: 'ordered', message: 'order accepted' },
        { at: '2025-03-01T10:03:00.000Z', kind: 'running', message: 'VM is running' },
      ]),
    );
    const run = await cli('gpu', 'history', TRAINER_ID);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('2025-03-01 10:03  running  VM is running');
  });
});
