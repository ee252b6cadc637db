import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, fail, ok, pageMeta, runCli } from './support/fake-api.ts';
import { FIN, H100, job, sshKey, vm, volume, volumeOption } from './support/fixtures.ts';

const DATASETS = volume();
const SCRATCH = volume({
  id: '77777777-0000-4000-8000-000000000002',
  name: 'scratch',
  type: 'HDD',
  sizeGB: 100,
  status: 'Attached',
  attachedTo: [{ vmId: vm().id, vmName: 'trainer', attachedAt: '2025-03-01T11:00:00.000Z' }],
});
const TRAINER = vm();

describe('gpufleet volumes', () => {
  let api: FakeApi;
  const cli = (...args: string[]) => runCli(args, { url: api.url });

  beforeEach(async () => {
    api = await new FakeApi().start();
    api
      .on('GET', '/v1/resource/data-centers', ok([FIN]))
      .on('GET', '/v1/resource/volumes', ok([DATASETS, SCRATCH], pageMeta(2)))
      .on('GET', '/v1/resource/volumes/options', ok([volumeOption()]))
      .on('GET', `/v1/resource/volumes/${DATASETS.id}`, ok(DATASETS))
      .on('GET', `/v1/resource/volumes/${SCRATCH.id}`, ok(SCRATCH))
      .on('GET', '/v1/resource/gpu', ok([TRAINER], pageMeta(1)));
  });
  afterEach(() => api.close());

  it('lists volumes with size, place, price, cost and attachments, filtered by datacenter code and provider', async () => {
    const run = await cli('volumes', 'ls', '--datacenter', 'verda-fin-01', '--provider', 'verda', '--all');

    expect(run.code, run.stderr).toBe(0);
    expect(api.sent('GET', '/v1/resource/volumes')[0]!.query).toMatchObject({
      datacenterId: FIN.id,
      provider: 'verda',
      includeDeleted: 'true',
    });
    const [header, first, second] = run.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+STATUS\s+SIZE\s+TYPE\s+PROVIDER\s+DATACENTER\s+PRICE\/GB-MO\s+ACCRUED\s+ATTACHED TO$/);
    expect(first).toMatch(/datasets\s+Available\s+500 GB\s+NVMe\s+verda\s+verda-fin-01\s+\$0.20\s+\$1.37\s+-$/);
    expect(second).toMatch(/scratch\s+Attached\s+100 GB\s+HDD .* trainer$/);
  });

  it('prints the raw page with --json and says so when there are none', async () => {
    const json = await cli('volumes', 'ls', '--json');
    expect(JSON.parse(json.stdout)).toEqual({ data: [DATASETS, SCRATCH], meta: pageMeta(2) });

    api.on('GET', '/v1/resource/volumes', ok([], pageMeta(0)));
    const empty = await cli('volumes', 'ls');
    expect(empty.stdout).toContain('No volumes.');
    expect(empty.stdout).toContain('gpufleet volumes options');
  });

  it('shows one volume by name, with where it is attached and where it mounts', async () => {
    const run = await cli('volumes', 'show', 'scratch');

    expect(run.code, run.stderr).toBe(0);
    expect(api.sent('GET', '/v1/resource/volumes')[0]!.query.search).toBe('scratch');
    expect(run.stdout).toMatch(/Status:\s+Attached \(provider: detached\)/);
    expect(run.stdout).toMatch(/Datacenter:\s+Helsinki 1 \(verda-fin-01\)/);
    expect(run.stdout).toMatch(/Price:\s+\$0.20 per GB-month/);
    expect(run.stdout).toContain(`Attached to: trainer (${TRAINER.id}) since 2025-03-01 11:00`);
    expect(run.stdout).toMatch(/Mount:\s+an unformatted block device \(\/dev\/vdb\)/);

    const missing = await cli('volumes', 'show', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no volume named "nope" (ids work too) (NOT_FOUND)');
  });

  it('creates a volume in a datacenter given by code, with type and group, and waits for it', async () => {
    const group = { id: 'ffffffff-0000-4000-8000-000000000001', name: 'research' };
    const creating = volume({ name: 'scratch2', sizeGB: 100, type: 'HDD', status: 'Creating', providerVolumeId: null });
    api
      .on('GET', '/v1/resource-groups', ok([group], pageMeta(1)))
      .on('POST', '/v1/resource/volumes', ok(creating, null, 201))
      .on('GET', `/v1/resource/volumes/${creating.id}`, (_req, n) => ok(n < 2 ? creating : { ...creating, status: 'Available' }));

    const run = await cli(
      'volumes',
      'create',
      'scratch2',
      '--size',
      '100',
      '--datacenter',
      'verda-fin-01',
      '--type',
      'HDD',
      '--group',
      'research',
      '--wait',
    );

    expect(run.code, run.stderr).toBe(0);
    expect(api.sent('POST', '/v1/resource/volumes')[0]!.body).toEqual({
      name: 'scratch2',
      sizeGB: 100,
      datacenterId: FIN.id,
      type: 'HDD',
      resourceGroupId: group.id,
    });
    expect(run.stdout).toContain(`Creating volume scratch2 (${creating.id}): 100 GB HDD in verda-fin-01`);
    expect(run.stdout).toContain('scratch2 is Available.');
    expect(api.sent('GET', `/v1/resource/volumes/${creating.id}`)).toHaveLength(2);
  });

  it('needs --size and --datacenter, and points at the options when the datacenter has no volumes', async () => {
    const noSize = await cli('volumes', 'create', 'x', '--datacenter', 'verda-fin-01');
    expect(noSize.code).toBe(2);
    expect(noSize.stderr).toContain('--size');
    expect((await cli('volumes', 'create', 'x', '--size', '0', '--datacenter', 'verda-fin-01')).code).toBe(2);
    expect(api.sent('POST')).toHaveLength(0);

    api.on(
      'POST',
      '/v1/resource/volumes',
      fail(400, 'VOLUMES_UNSUPPORTED', 'datacenterId: the provider of datacenter x offers no volumes'),
    );
    const run = await cli('volumes', 'create', 'x', '--size', '10', '--datacenter', 'verda-fin-01');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: datacenterId: the provider of datacenter x offers no volumes (VOLUMES_UNSUPPORTED)\n' +
        'hint: `gpufleet volumes options` lists the datacenters where volumes can be created\n',
    );
  });

  it('grows and renames a volume by name', async () => {
    api.on('PUT', `/v1/resource/volumes/${DATASETS.id}`, (req) => {
      const body = req.body as { sizeGB?: number; name?: string };
      return ok({ ...DATASETS, ...body, status: body.sizeGB ? 'Resizing' : DATASETS.status });
    });

    const grown = await cli('volumes', 'resize', 'datasets', '--size', '800');
    expect(grown.code, grown.stderr).toBe(0);
    expect(api.sent('PUT')[0]!.body).toEqual({ sizeGB: 800 });
    expect(grown.stdout.trim()).toBe('datasets is 800 GB (Resizing).');

    const renamed = await cli('volumes', 'rename', 'datasets', 'corpus');
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(api.sent('PUT')[1]!.body).toEqual({ name: 'corpus' });
    expect(renamed.stdout.trim()).toBe('Renamed datasets to corpus.');

    api.on(
      'PUT',
      `/v1/resource/volumes/${DATASETS.id}`,
      fail(400, 'VOLUME_SHRINK', 'sizeGB: volumes only grow; datasets is 500 GB'),
    );
    const shrink = await cli('volumes', 'resize', 'datasets', '--size', '10');
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toContain('(VOLUME_SHRINK)\nhint: create a new volume');
  });

  it('deletes only with --yes at no terminal, and reports Deleting until the provider confirms', async () => {
    api.on('DELETE', `/v1/resource/volumes/${DATASETS.id}`, ok({ ...DATASETS, status: 'Deleting' }, null, 202));

    const unconfirmed = await cli('volumes', 'rm', 'datasets');
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('--yes');
    expect(api.sent('DELETE')).toHaveLength(0);

    const run = await cli('volumes', 'rm', 'datasets', '--yes');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('Deleting volume datasets; it reads Deleted once verda confirms it is gone.');

    api.on('GET', `/v1/resource/volumes/${DATASETS.id}`, (_req, n) =>
      ok({ ...DATASETS, status: n < 2 ? 'Deleting' : 'Deleted', deletedAt: n < 2 ? null : '2025-03-02T10:00:00.000Z' }),
    );
    const waited = await cli('volumes', 'rm', DATASETS.id, '--yes', '--wait', '--json');
    expect(waited.code, waited.stderr).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({ id: DATASETS.id, status: 'Deleted' });
  });

  it('explains a 409 VOLUME_ATTACHED with the detach to run, or the VM to delete where volumes only leave with it', async () => {
    const attached = fail(409, 'VOLUME_ATTACHED', 'Volume scratch is attached to trainer; delete or detach the VM first', {
      vmIds: [TRAINER.id],
    });
    api.on('DELETE', `/v1/resource/volumes/${SCRATCH.id}`, attached);

    const run = await cli('volumes', 'rm', 'scratch', '--yes');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: Volume scratch is attached to trainer; delete or detach the VM first (VOLUME_ATTACHED)\n' +
        'hint: detach it first with `gpufleet gpu detach trainer scratch` (verda detaches only from a stopped VM: `gpufleet gpu stop trainer --wait` first), or delete the VM\n',
    );

    api
      .on('GET', `/v1/resource/volumes/${SCRATCH.id}`, ok({ ...SCRATCH, provider: 'runpod' }))
      .on(
        'GET',
        '/v1/resource/volumes/options',
        ok([volumeOption({ provider: 'runpod', kind: 'network volume', attachToExisting: false })]),
      );
    const atOrderOnly = await cli('volumes', 'rm', 'scratch', '--yes');
    expect(atOrderOnly.stderr).toContain(
      'hint: runpod releases a network volume only when its VM is deleted: `gpufleet gpu rm trainer` keeps the volume',
    );
  });

  it('lists where volumes can be created and the volumes gpufleet does not manage', async () => {
    api.on('GET', '/v1/resource/volumes/unmanaged', (_req, n) =>
      ok(
        n === 1
          ? [
              {
                providerAccountId: 'eeeeeeee-0000-4000-8000-000000000001',
                provider: 'verda',
                providerVolumeId: 'vol-stray',
                name: 'old-backup',
                providerStatus: 'detached',
                gpufleetId: null,
                firstSeenAt: '2025-03-01T10:00:00.000Z',
                lastSeenAt: '2025-03-02T10:00:00.000Z',
              },
            ]
          : [],
      ),
    );

    const options = await cli('volumes', 'options');
    expect(options.code, options.stderr).toBe(0);
    const [header, row] = options.stdout.trim().split('\n');
    expect(header).toMatch(/^DATACENTER\s+NAME\s+PROVIDER\s+KIND\s+TYPES\s+SIZE GB\s+GROW\s+RENAME\s+ATTACH\s+PER VM\s+MOUNT$/);
    expect(row).toMatch(
      /^verda-fin-01\s+Helsinki 1\s+verda\s+block volume\s+NVMe, HDD\s+1-10000\s+yes\s+yes\s+stopped VMs\s+8\s+an unformatted/,
    );
    expect(JSON.parse((await cli('volumes', 'options', '--json')).stdout)).toEqual([volumeOption()]);

    const unmanaged = await cli('volumes', 'unmanaged');
    expect(unmanaged.stdout).toMatch(/verda\s+eeeeeeee-\S+\s+vol-stray\s+old-backup\s+detached\s+-\s+2025-03-01 10:00/);
    expect((await cli('volumes', 'unmanaged')).stdout.trim()).toBe('No unmanaged volumes.');
  });
});

describe('gpufleet gpu with volumes', () => {
  let api: FakeApi;
  const cli = (...args: string[]) => runCli(args, { url: api.url });

  beforeEach(async () => {
    api = await new FakeApi().start();
    api
      .on('GET', '/v1/resource/gpu', ok([TRAINER], pageMeta(1)))
      .on('GET', '/v1/resource/volumes', ok([DATASETS, SCRATCH], pageMeta(2)));
  });
  afterEach(() => api.close());

  it('orders with --volume by name or id and sends their ids', async () => {
    api
      .on('GET', '/v1/resource/gpu/series', ok([H100]))
      .on('GET', '/v1/resource/ssh-keys', ok([sshKey({ isDefault: true })], pageMeta(1)))
      .on('POST', '/v1/resource/gpu', ok({ ...job(), vm: vm({ status: 'Provisioning' }) }, null, 202));

    const run = await cli(
      'gpu',
      'order',
      '--name',
      'trainer',
      '--series',
      'h100_series',
      '--volume',
      'datasets',
      '--volume',
      SCRATCH.id,
    );

    expect(run.code, run.stderr).toBe(0);
    expect(api.sent('POST', '/v1/resource/gpu')[0]!.body).toMatchObject({
      volumeIds: [DATASETS.id, SCRATCH.id],
      constraints: {},
    });
    const typo = await cli('gpu', 'order', '--name', 'x', '--series', 'h100_series', '--volume', 'datset');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('no volume named "datset"');
    expect(api.sent('POST', '/v1/resource/gpu')).toHaveLength(1);
  });

  it('attaches and detaches by names, and says to stop the VM first when the provider needs that', async () => {
    api
      .on('POST', `/v1/resource/gpu/${TRAINER.id}/volumes`, ok({ ...DATASETS, status: 'Attaching' }, null, 202))
      .on('DELETE', `/v1/resource/gpu/${TRAINER.id}/volumes/${SCRATCH.id}`, ok({ ...SCRATCH, status: 'Detaching' }, null, 202));

    const attach = await cli('gpu', 'attach', 'trainer', 'datasets');
    expect(attach.code, attach.stderr).toBe(0);
    expect(api.sent('POST', `/v1/resource/gpu/${TRAINER.id}/volumes`)[0]!.body).toEqual({ volumeId: DATASETS.id });
    expect(attach.stdout).toBe('Attaching datasets to trainer (Attaching).\nmount: an unformatted block device (/dev/vdb)\n');

    const detach = await cli('gpu', 'detach', 'trainer', 'scratch', '--json');
    expect(detach.code, detach.stderr).toBe(0);
    expect(JSON.parse(detach.stdout)).toMatchObject({ id: SCRATCH.id, status: 'Detaching' });

    api.on(
      'POST',
      `/v1/resource/gpu/${TRAINER.id}/volumes`,
      fail(409, 'VM_NOT_STOPPED', 'verda attaches and detaches volumes only while the VM is stopped; stop trainer first'),
    );
    const running = await cli('gpu', 'attach', 'trainer', 'datasets');
    expect(running.code).toBe(1);
    expect(running.stderr).toContain('(VM_NOT_STOPPED)\nhint: stop it first: `gpufleet gpu stop trainer --wait`, then try again');

    api.on(
      'POST',
      `/v1/resource/gpu/${TRAINER.id}/volumes`,
      fail(409, 'ATTACH_UNSUPPORTED', 'runpod attaches a network volume only when a machine is created'),
    );
    const atCreate = await cli('gpu', 'attach', 'trainer', 'datasets');
    expect(atCreate.stderr).toContain('hint: order a VM with the volume instead: `gpufleet gpu order … --volume datasets`');
  });

  it('shows the attached volumes and their mount hints in gpu get', async () => {
    const withVolumes = vm({
      volumes: [
        {
          id: DATASETS.id,
          name: 'datasets',
          sizeGB: 500,
          type: 'NVMe',
          status: 'Attached',
          attachedAt: '2025-03-01T10:02:00.000Z',
          mountHint: '/workspace',
        },
      ],
    });
    api.on('GET', `/v1/resource/gpu/${TRAINER.id}`, ok(withVolumes));

    const run = await cli('gpu', 'get', 'trainer');

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /Volumes:\s+1\n\nVOLUME\s+SIZE\s+TYPE\s+STATUS\s+ATTACHED\s+MOUNT\ndatasets\s+500 GB\s+NVMe\s+Attached\s+2025-03-01 10:02\s+\/workspace\n$/,
    );
    expect(JSON.parse((await cli('gpu', 'get', 'trainer', '--json')).stdout).volumes).toEqual(withVolumes.volumes);

    api.on('GET', `/v1/resource/gpu/${TRAINER.id}`, ok(TRAINER));
    expect((await cli('gpu', 'get', 'trainer')).stdout).toMatch(/Volumes:\s+none\n$/);
  });
});
