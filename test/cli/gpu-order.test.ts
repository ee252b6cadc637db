import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, fail, ok, pageMeta, runCli, runCliOnTerminal } from './support/fake-api.ts';
import { A100, FIN, H100, job, offer, sshKey, vm } from './support/fixtures.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const LAPTOP = sshKey({ isDefault: true });
const SPARE = sshKey({ id: 'cccccccc-0000-4000-8000-000000000002', name: 'spare' });
const NEW_VM = vm({ status: 'Provisioning', ip: null });

describe('gpufleet gpu order', () => {
  let api: FakeApi;
  const cli = (...args: string[]) => runCli(args, { url: api.url });

  beforeEach(async () => {
    api = await new FakeApi().start();
    api
      .on('GET', '/v1/resource/gpu/series', ok([A100, H100]))
      .on('GET', '/v1/resource/data-centers', ok([FIN]))
      .on('GET', '/v1/resource/ssh-keys', ok([SPARE, LAPTOP], pageMeta(2)))
      .on('POST', '/v1/resource/gpu', ok({ ...job(), vm: NEW_VM }, null, 202));
  });
  afterEach(() => api.close());

  it('resolves series and datacenter codes and the default SSH key, and sends a fresh Idempotency-Key', async () => {
    const run = await cli(
      'gpu',
      'order',
      '--name',
      'trainer',
      '--series',
      'h100_series',
      '--datacenter',
      'verda-fin-01',
      '--gpus',
      '2',
    );

    expect(run.code).toBe(0);
    const [order] = api.sent('POST', '/v1/resource/gpu');
    expect(order!.body).toEqual({ name: 'trainer', seriesId: H100.id, gpuCount: 2, sshKeyId: LAPTOP.id, datacenterId: FIN.id });
    expect(order!.headers['idempotency-key']).toMatch(UUID);
    expect(run.stdout).toContain(`Ordered trainer (${NEW_VM.id}), job ${job().jobId}`);
    expect(run.stdout).toMatch(
      /Next:\n {2}gpufleet gpu get trainer .*\n {2}gpufleet gpu ssh trainer .*\n {2}gpufleet gpu stop trainer .*\n {2}gpufleet gpu rm trainer /,
    );

    // Without a datacenter, an (empty) constraints object tells the API to choose across datacenters.
    await cli('gpu', 'order', '--name', 'trainer', '--series', 'h100_series');
    const orders = api.sent('POST', '/v1/resource/gpu');
    expect(orders[1]!.body).toEqual({ name: 'trainer', seriesId: H100.id, gpuCount: 1, sshKeyId: LAPTOP.id, constraints: {} });
    expect(new Set(orders.map((r) => r.headers['idempotency-key'])).size).toBe(2);
  });

  it('sends every option it was given', async () => {
    const group = { id: 'ffffffff-0000-4000-8000-000000000001', name: 'research' };
    api.on('GET', '/v1/resource-groups', ok([group], pageMeta(1)));

    const run = await cli(
      'gpu',
      'order',
      '--name',
      'big',
      '--series',
      A100.id,
      '--ssh-key',
      'spare',
      '--image',
      'ubuntu-22.04',
      '--sku',
      'verda-a100-8x',
      '--group',
      'research',
      '--username',
      'ml',
      '--spot',
      '--max-price',
      '9.5',
      '--country',
      'FI,SE',
      '--country',
      'NO',
      '--provider',
      'verda',
      '--ttl-hours',
      '12',
      '--ttl-action',
      'delete',
      '--idempotency-key',
      'order-42',
    );

    expect(run.code).toBe(0);
    const [order] = api.sent('POST', '/v1/resource/gpu');
    expect(order!.headers['idempotency-key']).toBe('order-42');
    expect(order!.body).toEqual({
      name: 'big',
      seriesId: A100.id,
      gpuCount: 1,
      sshKeyId: SPARE.id,
      imageName: 'ubuntu-22.04',
      skuCode: 'verda-a100-8x',
      resourceGroupId: group.id,
      username: 'ml',
      spot: true,
      maxPricePerHour: 9.5,
      ttlHours: 12,
      ttlAction: 'delete',
      constraints: { countries: ['FI', 'SE', 'NO'], providers: ['verda'], maxPricePerHour: 9.5, spot: 'only' },
    });
  });

  it('repeats the order with the same Idempotency-Key after a dropped connection', async () => {
    api.on('POST', '/v1/resource/gpu', (_req, call) => (call === 1 ? { drop: true } : ok({ ...job(), vm: NEW_VM }, null, 202)));

    const run = await cli('gpu', 'order', '--name', 'trainer', '--series', 'h100_series');

    expect(run.code).toBe(0);
    const keys = api.sent('POST', '/v1/resource/gpu').map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(UUID);
    expect(keys[1]).toBe(keys[0]);
  });

  it('--wait polls the job until it completes, then prints how to reach the VM', async () => {
    const stages = [
      job({ stage: 'placing', progressPercentage: 30 }),
      job({ stage: 'booting', progressPercentage: 70 }),
      job({ stage: 'done', progressPercentage: 100, isCompleted: true }),
    ];
    api.on('POST', '/v1/resource/jobs', (_req, call) => ok({ jobs: [stages[Math.min(call, stages.length) - 1]] }));
    api.on('GET', `/v1/resource/gpu/${NEW_VM.id}`, ok(vm({ jupyterUrl: 'https://jupyter.example/lab' })));

    const run = await cli('gpu', 'order', '--name', 'trainer', '--series', 'h100_series', '--wait');

    expect(run.code).toBe(0);
    expect(api.sent('POST', '/v1/resource/jobs').map((r) => r.body)).toEqual(Array(3).fill({ jobIds: [job().jobId] }));
    // Without a terminal the progress is plain lines on stderr, one per change.
    expect(run.stderr).toContain('Ordering trainer: placing · 30%');
    expect(run.stderr).toMatch(/Ordering trainer: booting · 70% · .*\(\d+s\)\n/);
    expect(run.stdout).toContain('ssh:     ssh -p 22 ubuntu@203.0.113.7');
    expect(run.stdout).toContain('jupyter: https://jupyter.example/lab');
    expect(run.stdout).toContain('gpufleet gpu ssh trainer');
  });

  it('--wait exits 1 with the reason and every placement attempt when the order fails', async () => {
    const attempt = {
      provider: 'verda',
      providerAccountId: 'eeeeeeee-0000-4000-8000-000000000001',
      skuCode: 'verda-h100-1x',
      datacenterId: FIN.id,
      datacenterName: FIN.name,
      pricePerHour: { amount: 2.19, currency: 'usd' },
      outcome: 'capacity' as const,
      reason: 'no capacity at FIN-01',
      at: '2025-03-01T10:01:00.000Z',
    };
    api.on(
      'POST',
      '/v1/resource/jobs',
      ok({ jobs: [job({ stage: 'failed', hasFailed: true, errorMessage: 'no offer had capacity', attempts: [attempt] })] }),
    );

    const run = await cli('gpu', 'order', '--name', 'trainer', '--series', 'h100_series', '--wait');

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no capacity at FIN-01');
    expect(run.stderr).toMatch(/verda\s+Helsinki 1\s+verda-h100-1x\s+\$2\.19\s+capacity/);
    expect(run.stderr).toContain('error: no offer had capacity (JOB_FAILED)');
  });

  it('--dry-run asks the server for the ranking this order would try, and orders nothing', async () => {
    const ranked = [
      offer(),
      offer({ skuCode: 'runpod-h100-1x', provider: 'runpod', pricePerHour: { amount: 2.99, currency: 'usd' } }),
    ];
    api.on('POST', '/v1/resource/gpu', ok({ offers: ranked, ageSeconds: 12 }));

    const run = await cli('gpu', 'order', '--name', 'trainer', '--series', 'h100_series', '--country', 'FI', '--dry-run');

    expect(run.code).toBe(0);
    const [request] = api.sent('POST', '/v1/resource/gpu');
    expect(request!.body).toEqual({
      name: 'trainer',
      seriesId: H100.id,
      gpuCount: 1,
      sshKeyId: LAPTOP.id,
      constraints: { countries: ['FI'] },
      dryRun: true,
    });
    expect(request!.headers['idempotency-key']).toBeUndefined();
    const lines = run.stdout.split('\n');
    expect(lines[1]).toMatch(/^1\s+verda\s+verda-h100-1x/);
    expect(lines[2]).toMatch(/^2\s+runpod\s+runpod-h100-1x/);
    expect(run.stdout).toContain('Dry run: nothing was ordered.');
  });

  it('tells the user to add a key when there is no default SSH key', async () => {
    api.on('GET', '/v1/resource/ssh-keys', ok([SPARE], pageMeta(1)));
    const run = await cli('gpu', 'order', '--name', 'trainer', '--series', 'h100_series');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no default SSH key');
    expect(api.sent('POST', '/v1/resource/gpu')).toHaveLength(0);
  });

  it('reports a refused order with the API message and code', async () => {
    api.on(
      'POST',
      '/v1/resource/gpu',
      fail(409, 'INVENTORY_DEPLETED', 'Inventory depleted: nothing matching this order is available right now.'),
    );

    const run = await cli('gpu', 'order', '--name', 'trainer', '--series', 'h100_series');

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: Inventory depleted: nothing matching this order is available right now. (INVENTORY_DEPLETED)\n',
    );
    expect(run.stdout).toBe('');
  });

  it('is a usage error (exit 2) without --name or with an unknown series', async () => {
    const noName = await cli('gpu', 'order', '--series', 'h100_series');
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain('gpu order needs --name');

    const badCount = await cli('gpu', 'order', '--name', 'x', '--series', 'h100_series', '--gpus', 'two');
    expect(badCount.code).toBe(2);
    expect(badCount.stderr).toContain('--gpus must be 1, 2, 4 or 8');
    const three = await cli('gpu', 'order', '--name', 'x', '--series', 'h100_series', '--gpus', '3');
    expect(three.code).toBe(2);
    expect(three.stderr).toBe('error: --gpus must be 1, 2, 4 or 8\n');
    const threeJson = await cli('gpu', 'order', '--name', 'x', '--series', 'h100_series', '--gpus', '3', '--json');
    expect(threeJson.code).toBe(2);
    expect(JSON.parse(threeJson.stderr)).toEqual({ error: 'USAGE', message: '--gpus must be 1, 2, 4 or 8' });

    const unknown = await cli('gpu', 'order', '--name', 'x', '--series', 'z9000_series');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no GPU series "z9000_series"; known codes: a100_series, h100_series');
    expect(api.sent('POST', '/v1/resource/gpu')).toHaveLength(0);
  });

  describe('confirmation', () => {
    const RUNPOD = offer({
      provider: 'runpod',
      skuCode: 'runpod-h100-1x',
      machineKind: 'container',
      pricePerHour: { amount: 2.69, currency: 'usd' },
    });
    const orderOrDryRun = (req: { body: unknown }) =>
      (req.body as { dryRun?: boolean }).dryRun ? ok({ offers: [offer(), RUNPOD] }) : ok({ ...job(), vm: NEW_VM }, null, 202);
    const order = ['gpu', 'order', '--name', 'trainer', '--series', 'h100_series'];
    const terminal = (args: string[], answer: string) => runCliOnTerminal(args, { url: api.url, prompt: '[Y/n]', answer });

    it('shows the offer the order lands on and orders once the user agrees', async () => {
      api.on('POST', '/v1/resource/gpu', orderOrDryRun);
      const run = await terminal(order, 'y\n');
      expect(run.output).toContain('trainer will be ordered as:');
      expect(run.output).toMatch(/provider: +verda\n/);
      expect(run.output).toMatch(/SKU: +verda-h100-1x \(1x H100\)\n/);
      expect(run.output).toMatch(/datacenter: +Helsinki 1 \(verda-fin-01, FI\)\n/);
      expect(run.output).toMatch(/kind: +VM\n/);
      expect(run.output).toMatch(/price: +\$2\.19\/h \(billed while stopped too\)\n/);
      expect(run.output).toContain('(1 more offer to fall back to; --dry-run lists them)');
      expect(run.code).toBe(0);
      const posts = api.sent('POST', '/v1/resource/gpu');
      expect(posts.map((r) => (r.body as { dryRun?: boolean }).dryRun)).toEqual([true, undefined]);
      expect(run.output).toContain('Ordered trainer');
    });

    it('orders nothing when the user says no', async () => {
      api.on('POST', '/v1/resource/gpu', orderOrDryRun);
      const run = await terminal(order, 'n\n');
      expect(run.code).toBe(1);
      expect(run.output).toContain('nothing was ordered (ABORTED)');
      expect(api.sent('POST', '/v1/resource/gpu')).toHaveLength(1);
    });

    it('does not ask with --yes, for an order pinned to a SKU, or without a terminal', async () => {
      api.on('POST', '/v1/resource/gpu', orderOrDryRun);
      const yes = await terminal([...order, '--yes'], 'n\n');
      expect(yes.code).toBe(0);
      expect(yes.output).not.toContain('[Y/n]');
      const pinned = await terminal([...order, '--sku', 'verda-h100-1x'], 'n\n');
      expect(pinned.code).toBe(0);
      const piped = await cli(...order);
      expect(piped.code).toBe(0);
      expect(api.sent('POST', '/v1/resource/gpu').every((r) => !(r.body as { dryRun?: boolean }).dryRun)).toBe(true);
    });
  });
});
