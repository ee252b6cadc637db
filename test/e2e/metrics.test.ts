import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { type MetricFamily, parsePrometheusText, sampleValue } from '../support/prometheus-text.ts';
import { STORE_KINDS } from '../support/stores.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';
import { catalogIds, newSshKey, waitForJob, waitForStatus } from './helpers.ts';

type Families = Map<string, MetricFamily>;

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Families> {
  const res = await fetch(`${url}/metrics`, { headers });
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(text);
}

async function refusal(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { success: boolean; error: string; message: string } }> {
  const res = await fetch(`${url}/metrics`, { headers });
  return { status: res.status, body: await res.json() };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(STORE_KINDS)('GET /metrics in sandbox mode on %s', (store) => {
  let t: TestApp;
  const admin = () => ({ 'x-api-key': t.adminKey });
  beforeAll(async () => {
    t = await startTestApp({ store, web: false });
  });
  afterAll(async () => t?.close());

  it('refuses a scrape without the admin key, in the error envelope', async () => {
    const none = await refusal(t.url);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ success: false, error: 'UNAUTHORIZED' });
    const wrong = await refusal(t.url, { 'x-api-key': 'gf_not_a_key' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.success).toBe(false);

    const viewer = await t.call('POST', '/v1/api-keys', { name: 'viewer', role: 'user' });
    expect(viewer.status).toBe(201);
    const forbidden = await refusal(t.url, bearer(viewer.body.data.key));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ success: false, error: 'FORBIDDEN' });
  });

  it('answers to the admin key (X-API-Key or Bearer) with every family described, default Node metrics included', async () => {
    const byHeader = await scrape(t.url, admin());
    const byBearer = await scrape(t.url, bearer(t.adminKey));
    expect(byBearer.size).toBeGreaterThan(0);
    for (const [name, type] of [
      ['gpufleet_http_requests_total', 'counter'],
      ['gpufleet_http_request_duration_seconds', 'histogram'],
      ['gpufleet_provider_calls_total', 'counter'],
      ['gpufleet_provider_call_duration_seconds', 'histogram'],
      ['gpufleet_provider_errors_total', 'counter'],
      ['gpufleet_vms', 'gauge'],
      ['gpufleet_jobs_total', 'counter'],
      ['gpufleet_poll_lag_seconds', 'gauge'],
      ['gpufleet_webhook_deliveries_total', 'counter'],
      ['nodejs_eventloop_lag_seconds', 'gauge'],
      ['process_resident_memory_bytes', 'gauge'],
    ] as const) {
      const family = byHeader.get(name);
      expect(family?.type, name).toBe(type);
      expect(family?.help, name).toBeTruthy();
    }
  });

  it('counts webhook deliveries by outcome as the worker sends them', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const count = async (outcome: string) =>
        sampleValue(await scrape(t.url, admin()), 'gpufleet_webhook_deliveries_total', { outcome }) ?? 0;
      const [delivered, retrying] = [await count('delivered'), await count('retrying')];
      const hook = await t.call('POST', '/v1/webhooks', { url: `${receiver.url}/m`, events: ['webhook.test'] });
      expect(hook.status, JSON.stringify(hook.body)).toBe(201);
      receiver.status = 500;
      await t.call('POST', `/v1/webhooks/${hook.body.data.id}/test`);
      await eventually(async () => (await count('retrying')) === retrying + 1 || undefined, 'a retrying delivery counted');
      receiver.status = 200;
      await t.call('POST', `/v1/webhooks/${hook.body.data.id}/test`);
      await eventually(async () => (await count('delivered')) >= delivered + 1 || undefined, 'a delivered one counted');
    } finally {
      await receiver.close();
    }
  });

  it('counts HTTP requests by route pattern and status, never by raw URL', async () => {
    const route = '/v1/resource/gpu/:id';
    const before = await scrape(t.url, admin());
    const was = sampleValue(before, 'gpufleet_http_requests_total', { method: 'GET', route, status: '404' }) ?? 0;
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) expect((await t.call('GET', `/v1/resource/gpu/${id}`)).status).toBe(404);
    expect((await fetch(`${t.url}/no/such/${randomUUID()}`)).status).toBe(404);

    const families = await scrape(t.url, admin());
    expect(sampleValue(families, 'gpufleet_http_requests_total', { method: 'GET', route, status: '404' })).toBe(was + 3);
    expect(
      sampleValue(families, 'gpufleet_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(families, 'gpufleet_http_request_duration_seconds_count', { method: 'GET', route, status: '404' })).toBe(
      was + 3,
    );
    const labels = [...families.values()].flatMap((f) => f.samples.flatMap((s) => Object.values(s.labels)));
    for (const id of ids) expect(labels.some((l) => l.includes(id))).toBe(false);
  });

  it('moves provider, VM and job metrics with an order in the simulated clouds', async () => {
    const sshKeyId = await newSshKey(t, 'metrics-key');
    const { seriesId, datacenterId } = await catalogIds(t, 'h100_series', 'verda-fin-01');
    const before = await scrape(t.url, admin());
    const createsBefore = sampleValue(before, 'gpufleet_jobs_total', { operation: 'create', outcome: 'succeeded' }) ?? 0;
    const callsBefore = sampleValue(before, 'gpufleet_provider_calls_total', { provider: 'verda' }) ?? 0;

    const order = await t.call('POST', '/v1/resource/gpu', { name: 'metered', seriesId, datacenterId, gpuCount: 1, sshKeyId });
    expect(order.status).toBe(202);
    const job = await waitForJob(t, order.body.data.jobId);
    expect(job.hasFailed).toBe(false);
    await waitForStatus(t, order.body.data.resourceId, 'Running');

    const families = await eventually(async () => {
      const f = await scrape(t.url, admin());
      return (sampleValue(f, 'gpufleet_vms', { provider: 'verda', status: 'Running' }) ?? 0) >= 1 ? f : undefined;
    }, 'the VM gauge to show the running VM');
    expect(sampleValue(families, 'gpufleet_jobs_total', { operation: 'create', outcome: 'succeeded' })).toBe(createsBefore + 1);
    expect(sampleValue(families, 'gpufleet_provider_calls_total', { provider: 'verda' })).toBeGreaterThan(callsBefore);
    // The create itself, by its route template, answered 2xx.
    const creates = families
      .get('gpufleet_provider_calls_total')
      ?.samples.filter(
        (s) => s.labels.provider === 'verda' && s.labels.route === '/instances' && /^2\d\d$/.test(s.labels.status ?? ''),
      );
    expect(creates?.length).toBeGreaterThan(0);
    expect(sampleValue(families, 'gpufleet_provider_call_duration_seconds_count', { provider: 'verda' })).toBeGreaterThan(0);
    // Provider route labels are templates: no instance id in them.
    for (const s of families.get('gpufleet_provider_calls_total')?.samples ?? [])
      expect(s.labels.route, s.labels.route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);

    // Poll lag: one series per enabled sandbox account, a few seconds at most while the poller runs.
    for (const provider of ['verda', 'runpod', 'fluidstack']) {
      const lag = sampleValue(families, 'gpufleet_poll_lag_seconds', { provider });
      expect(lag, provider).toBeDefined();
      expect(lag as number, provider).toBeLessThan(30);
    }
  });

  it('counts provider errors by kind when a cloud fails', async () => {
    const control = t.app.sandbox?.clouds.find((c) => c.definition.id === 'runpod')?.simulator.control;
    if (!control) throw new Error('no runpod simulator');
    const before = sampleValue(await scrape(t.url, admin()), 'gpufleet_provider_errors_total', {
      provider: 'runpod',
      kind: 'unavailable',
    });
    control.setFaults({ errorRate: 1 });
    try {
      await eventually(async () => {
        const f = await scrape(t.url, admin());
        const now = sampleValue(f, 'gpufleet_provider_errors_total', { provider: 'runpod', kind: 'unavailable' }) ?? 0;
        return now > (before ?? 0) ? true : undefined;
      }, 'a runpod error to be counted as unavailable');
    } finally {
      control.reset();
    }
  });
});

describe('GET /metrics with GPUFLEET_METRICS_TOKEN', () => {
  const token = `metrics-${randomUUID()}`;
  let t: TestApp;
  beforeAll(async () => {
    // A tiny rate limit: scrapes must never count against it.
    t = await startTestApp({ web: false, metrics: { token }, rateLimitPerMinute: 3 });
  });
  afterAll(async () => t?.close());

  it('takes the token as a bearer, still the admin key in sandbox, refuses a wrong token, and is never rate limited', async () => {
    for (let i = 0; i < 8; i++) await scrape(t.url, bearer(token));
    await scrape(t.url, { 'x-api-key': t.adminKey });
    const wrong = await refusal(t.url, bearer(`${token}x`));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ success: false, error: 'UNAUTHORIZED' });
  });
});

describe('GET /metrics in production mode', () => {
  const token = `metrics-${randomUUID()}`;
  let off: TestApp;
  let both: TestApp;
  let portOnly: TestApp;
  beforeAll(async () => {
    off = await startTestApp({ web: false, mode: 'production' });
    both = await startTestApp({ web: false, mode: 'production', metrics: { token, port: 0 } });
    portOnly = await startTestApp({ web: false, mode: 'production', metrics: { port: 0 } });
  });
  afterAll(async () => {
    await Promise.all([off?.close(), both?.close(), portOnly?.close()]);
  });

  it('is off without a token or a port: 404 on the main port, even for the admin key', async () => {
    const res = await refusal(off.url, { 'x-api-key': off.adminKey });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, error: 'NOT_FOUND' });
    expect(res.body.message).toMatch(/GPUFLEET_METRICS_TOKEN/);
    expect(off.app.metricsUrl).toBeNull();
  });

  it('with a token: the main port takes the token only, and so does the metrics port', async () => {
    await scrape(both.url, bearer(token));
    expect((await refusal(both.url, { 'x-api-key': both.adminKey })).status).toBe(401);
    expect((await refusal(both.url)).status).toBe(401);

    const metricsUrl = both.app.metricsUrl as string;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(metricsUrl).not.toBe(both.url);
    const families = await scrape(metricsUrl, bearer(token));
    expect(families.get('gpufleet_vms')?.type).toBe('gauge');
    const missing = await refusal(metricsUrl);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ success: false, error: 'UNAUTHORIZED' });
  });

  it('with a port and no token: the separate listener serves anyone who reaches it, the main port serves nobody', async () => {
    const metricsUrl = portOnly.app.metricsUrl as string;
    await scrape(metricsUrl);
    expect((await refusal(portOnly.url, { 'x-api-key': portOnly.adminKey })).status).toBe(404);
    // The metrics listener serves nothing else.
    const other = await fetch(`${metricsUrl}/v1/resource/gpu`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ success: false, error: 'NOT_FOUND' });
  });
});

describe('the Prometheus text parser the tests rely on', () => {
  const head = '# HELP h A histogram\n# TYPE h histogram\n';
  it('reads HELP, TYPE, labels with escapes and special values', () => {
    const families = parsePrometheusText(
      '# HELP c_total Things, with a \\\\ backslash\n# TYPE c_total counter\nc_total{a="x\\"y",b="1\\n2"} 3\n# TYPE g gauge\ng NaN\ng{x="1"} +Inf 1700000000000\n',
    );
    expect(families.get('c_total')).toMatchObject({ type: 'counter', help: 'Things, with a \\ backslash' });
    expect(families.get('c_total')?.samples[0]?.labels).toEqual({ a: 'x"y', b: '1\n2' });
    expect(sampleValue(families, 'g', { x: '1' })).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses what a scraper would not take, and histograms that do not add up', () => {
    for (const bad of [
      'x 1\n', // no TYPE
      '# TYPE x counter\nx 1', // no final newline
      '# TYPE x counter\nx{a="1",a="2"} 1\n',
      '# TYPE x counter\nx{a="1"} 1\nx{a="1"} 2\n',
      '# TYPE x counter\nx{1a="1"} 1\n',
      '# TYPE x counter\nx one\n',
      '# TYPE x countr\nx 1\n',
      `${head}h_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n`, // not cumulative
      `${head}h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n`, // +Inf differs from count
      `${head}h_bucket{le="1"} 1\nh_sum 1\nh_count 1\n`, // no +Inf
    ]) {
      expect(() => parsePrometheusText(bad), JSON.stringify(bad)).toThrow();
    }
    expect(() => parsePrometheusText(`${head}h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1.5\nh_count 2\n`)).not.toThrow();
  });
});

describe('metrics settings', () => {
  it('reads GPUFLEET_METRICS_TOKEN, GPUFLEET_METRICS_PORT and GPUFLEET_METRICS_HOST, refusing a guessable token', () => {
    expect(loadConfig({})).toMatchObject({ metricsToken: null, metricsPort: null, metricsHost: '127.0.0.1' });
    const token = 'a'.repeat(24);
    expect(
      loadConfig({ GPUFLEET_METRICS_TOKEN: token, GPUFLEET_METRICS_PORT: '9464', GPUFLEET_METRICS_HOST: '0.0.0.0' }),
    ).toMatchObject({ metricsToken: token, metricsPort: 9464, metricsHost: '0.0.0.0' });
    expect(() => loadConfig({ GPUFLEET_METRICS_TOKEN: 'short' })).toThrow(/GPUFLEET_METRICS_TOKEN/);
    expect(() => loadConfig({ GPUFLEET_METRICS_PORT: 'nine' })).toThrow(/GPUFLEET_METRICS_PORT/);
    expect(() => loadConfig({ GPUFLEET_METRICS_PORT: '0' })).toThrow(/GPUFLEET_METRICS_PORT/);
  });
});
