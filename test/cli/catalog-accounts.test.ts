import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, ok, runCli } from './support/fake-api.ts';
import { A100, FIN, H100, job, offer } from './support/fixtures.ts';

const specs = { gpuDescription: '1x H100 80GB', vcpu: 22, memoryGiB: 185, storageGB: 100 };
const ACCOUNT = {
  id: '77777777-0000-4000-8000-000000000001',
  provider: 'verda',
  name: 'verda-main',
  baseUrl: 'https://api.verda.com/v1',
  settings: {},
  enabled: true,
  sandbox: false,
  health: 'ok',
  lastError: null,
  lastSyncedAt: '2025-03-01T10:00:00.000Z',
  credentialFields: ['clientId', 'clientSecret'],
  createdAt: '2025-03-01T09:00:00.000Z',
  updatedAt: '2025-03-01T09:00:00.000Z',
};

const PROVIDERS = [
  {
    id: 'verda',
    displayName: 'Verda',
    credentialsSchema: {
      type: 'object',
      properties: { clientId: { type: 'string' }, clientSecret: { type: 'string' } },
      required: ['clientId', 'clientSecret'],
    },
  },
  {
    id: 'runpod',
    displayName: 'RunPod',
    credentialsSchema: {
      type: 'object',
      properties: { apiKey: { type: 'string', description: 'RunPod API key (console: Settings → API Keys).' } },
      required: ['apiKey'],
    },
  },
];

describe('gpufleet inventory, offers, accounts, costs, jobs, health', () => {
  let api: FakeApi;
  const cli = (...args: string[]) => runCli(args, { url: api.url });

  beforeEach(async () => {
    api = await new FakeApi().start();
    api.on('GET', '/v1/resource/gpu/series', ok([A100, H100])).on('GET', '/v1/resource/data-centers', ok([FIN]));
  });
  afterEach(() => api.close());

  it('shows inventory one row per SKU and passes series code, datacenter id and count', async () => {
    const sku = (skuCode: string, provider: string, amount: number) => ({
      skuCode,
      description: skuCode,
      specs,
      pricePerHour: { amount, currency: 'usd' },
      provider,
    });
    api.on(
      'GET',
      '/v1/resource/gpu/inventory',
      ok({
        series: [
          {
            ...H100,
            availability: [
              {
                datacenterId: FIN.id,
                datacenterName: FIN.name,
                datacenterCode: FIN.code,
                gpuCounts: [
                  {
                    count: 1,
                    specs,
                    pricePerHour: null,
                    availableSkus: [sku('verda-h100-1x', 'verda', 2.19), sku('rp-h100-1x', 'runpod', 2.69)],
                  },
                ],
              },
            ],
          },
        ],
        error: { code: 'GPU_PROVIDER_UNAVAILABLE', message: 'fluidstack did not answer' },
        ageSeconds: 4,
      }),
    );

    const run = await cli('inventory', '--series', H100.id, '--datacenter', 'verda-fin-01', '--gpus', '1');

    expect(run.code).toBe(0);
    expect(api.sent('GET', '/v1/resource/gpu/inventory')[0]!.query).toEqual({
      code: 'h100_series',
      datacenterId: FIN.id,
      count: '1',
    });
    expect(run.stdout).toMatch(/h100_series\s+verda-fin-01\s+1\s+verda-h100-1x\s+verda\s+\$2\.19\s+22\s+185 GiB\s+100 GB/);
    expect(run.stdout).toMatch(/rp-h100-1x\s+runpod\s+\$2\.69/);
    expect(run.stderr).toContain('warning: fluidstack did not answer (GPU_PROVIDER_UNAVAILABLE)');
  });

  it('lists offers with the constraint flags as query parameters', async () => {
    api.on('GET', '/v1/offers', ok({ offers: [offer({ spot: true })], ageSeconds: 3 }));

    const run = await cli(
      'offers',
      '--series',
      'h100_series',
      '--gpus',
      '8',
      '--spot',
      '--max-price',
      '30',
      '--provider',
      'verda,runpod',
      '--available',
    );

    expect(run.code).toBe(0);
    expect(api.sent('GET', '/v1/offers')[0]!.query).toEqual({
      seriesCode: 'h100_series',
      gpuCount: '8',
      providers: 'verda,runpod',
      maxPricePerHour: '30',
      spot: 'only',
      availableOnly: 'true',
    });
    expect(run.stdout).toMatch(/^1\s+verda\s+verda-h100-1x\s+h100_series\s+1\s+verda-fin-01\s+FI\s+\$2\.19\s+yes\s+vm\s+yes$/m);
  });

  it('adds an account with credentials and settings, and lists accounts', async () => {
    api.on('GET', '/v1/provider-accounts/providers', ok(PROVIDERS));
    api.on('POST', '/v1/provider-accounts', ok(ACCOUNT, null, 201));
    api.on('GET', '/v1/provider-accounts', ok([ACCOUNT]));

    const added = await cli(
      'accounts',
      'add',
      'verda',
      '--name',
      'verda-main',
      '--credential',
      'clientId=abc',
      'clientSecret=s3=cr=t',
      '--settings-json',
      '{"regions":["FIN-01"],"priceMarkup":1.1}',
      '--setting',
      'project=p1',
      '--base-url',
      'http://127.0.0.1:9000/v1',
    );
    expect(added.code).toBe(0);
    expect(api.sent('POST')[0]!.body).toEqual({
      provider: 'verda',
      name: 'verda-main',
      credentials: { clientId: 'abc', clientSecret: 's3=cr=t' },
      settings: { regions: ['FIN-01'], priceMarkup: 1.1, project: 'p1' },
      baseUrl: 'http://127.0.0.1:9000/v1',
    });

    const listed = await cli('accounts', 'ls');
    expect(listed.stdout).toMatch(/verda-main\s+verda\s+ok\s+yes/);

    const badPair = await cli('accounts', 'add', 'verda', '--name', 'x', '--credential', 'novalue');
    expect(badPair.code).toBe(2);
    expect(badPair.stderr).toContain('--credential takes key=value, got "novalue"');
    const badJson = await cli('accounts', 'add', 'verda', '--name', 'x', '--settings-json', '[1]');
    expect(badJson.code).toBe(2);
    expect(api.sent('POST')).toHaveLength(1);
  });

  it("names the missing --credential from the provider's credential schema, and an unknown provider", async () => {
    api.on('GET', '/v1/provider-accounts/providers', ok(PROVIDERS));
    const runpod = await cli('accounts', 'add', 'runpod', '--name', 'pods');
    expect(runpod.code).toBe(2);
    expect(runpod.stderr).toContain('RunPod needs the credential apiKey: add --credential apiKey=<apiKey>');
    expect(runpod.stderr).toContain('apiKey: RunPod API key');
    const verda = await cli('accounts', 'add', 'verda', '--name', 'v', '--credential', 'clientId=abc');
    expect(verda.code).toBe(2);
    expect(verda.stderr).toContain('Verda needs the credential clientSecret: add --credential clientSecret=<clientSecret>');
    const unknown = await cli('accounts', 'add', 'nimbus', '--name', 'n', '--credential', 'apiKey=x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown provider "nimbus"; one of: verda, runpod');
    expect(api.sent('POST')).toHaveLength(0);
  });

  it('asks for costs over the period and grouping given', async () => {
    api.on(
      'GET',
      '/v1/costs',
      ok({
        from: '2025-02-01T00:00:00.000Z',
        to: '2025-03-01T00:00:00.000Z',
        groupBy: 'provider',
        rows: [{ key: 'verda', label: 'verda', amount: 123.4, currency: 'usd', hours: 56.3 }],
        total: [{ amount: 123.4, currency: 'usd' }],
      }),
    );

    const defaults = await cli('costs');
    expect(defaults.code).toBe(0);
    expect(api.sent('GET', '/v1/costs')[0]!.query).toEqual({ groupBy: 'vm' });

    const run = await cli('costs', '--from', '2025-02-01', '--to', '2025-03-01', '--by', 'provider');

    expect(run.code).toBe(0);
    expect(api.sent('GET', '/v1/costs')[1]!.query).toEqual({
      from: '2025-02-01T00:00:00.000Z',
      to: '2025-03-01T00:00:00.000Z',
      groupBy: 'provider',
    });
    expect(run.stdout).toMatch(/verda\s+56\.3\s+\$123\.40/);
    expect(run.stdout).toContain('Total: $123.40');
  });

  it('shows jobs by id', async () => {
    api.on(
      'POST',
      '/v1/resource/jobs',
      ok({ jobs: [job({ stage: 'booting', progressPercentage: 60, message: 'waiting for SSH' })] }),
    );
    const run = await cli('jobs', job().jobId);
    expect(run.code).toBe(0);
    expect(api.sent('POST')[0]!.body).toEqual({ jobIds: [job().jobId] });
    expect(run.stdout).toMatch(/create\s+trainer\s+booting\s+60%\s+waiting for SSH/);
  });

  it('shows health with each account', async () => {
    api.on(
      'GET',
      '/healthz',
      ok({
        status: 'degraded',
        version: '0.1.0',
        mode: 'sandbox',
        database: 'sqlite',
        accounts: [{ id: ACCOUNT.id, provider: 'verda', name: 'verda-main', health: 'unreachable', lastSyncedAt: null }],
      }),
    );
    const run = await cli('health');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Server:   ${api.url} (degraded)`);
    expect(run.stdout).toMatch(/verda-main\s+verda\s+unreachable\s+-/);
  });
});
