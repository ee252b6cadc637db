import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { UrlGuard } from '../../src/services/webhooks/url-guard.ts';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { STORE_KINDS } from '../support/stores.ts';

/**
 * A public address literal: checking it needs no DNS. The webhooks made here subscribe only to events these
 * tests never raise, so nothing is ever sent to it.
 */
const PUBLIC_URL = 'https://93.184.216.34/hooks/gpufleet';
const QUIET_EVENTS = ['budget.exceeded'];

describe.each(STORE_KINDS)('webhooks API in production mode, on %s', (store) => {
  let t: TestApp;
  let userKey: string;
  const asUser = { 'X-API-Key': '' };

  beforeAll(async () => {
    t = await startTestApp({ store, web: false, mode: 'production' });
    const key = await t.call('POST', '/v1/api-keys', { name: 'reader', role: 'user' });
    expect(key.status).toBe(201);
    userKey = key.body.data.key;
    asUser['X-API-Key'] = userKey;
  });
  afterAll(async () => t?.close());

  const create = (body: Record<string, unknown>) => t.call('POST', '/v1/webhooks', { events: QUIET_EVENTS, ...body });

  it('creates, reads, lists, updates and deletes a webhook; the secret is answered once', async () => {
    const created = await create({ url: PUBLIC_URL, events: ['budget.exceeded', 'policy.idle'], description: 'on-call pager' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const hook = created.body.data;
    expect(hook).toMatchObject({
      url: PUBLIC_URL,
      events: ['budget.exceeded', 'policy.idle'],
      description: 'on-call pager',
      status: 'active',
      disabledReason: null,
      consecutiveFailures: 0,
      previousSecretExpiresAt: null,
      lastDeliveryAt: null,
    });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{40,}={0,2}$/);
    expect(Buffer.from(hook.secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(hook.secretPrefix).toBe(hook.secret.slice(0, 12));

    const got = await t.call('GET', `/v1/webhooks/${hook.id}`);
    expect(got.status).toBe(200);
    expect(got.body.data).not.toHaveProperty('secret');
    expect(got.body.data.secretPrefix).toBe(hook.secretPrefix);
    const listed = await t.call('GET', '/v1/webhooks?search=pager');
    expect(listed.body.meta.total).toBe(1);
    expect(listed.body.data[0]).not.toHaveProperty('secret');
    expect(JSON.stringify(listed.body)).not.toContain(hook.secret.slice(12));

    const patched = await t.call('PUT', `/v1/webhooks/${hook.id}`, { description: 'renamed', events: ['policy.idle'] });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ description: 'renamed', events: ['policy.idle'] });
    expect(patched.body.data).not.toHaveProperty('secret');

    const disabled = await t.call('PUT', `/v1/webhooks/${hook.id}`, { status: 'disabled' });
    expect(disabled.body.data).toMatchObject({ status: 'disabled', disabledReason: expect.stringContaining('Disabled by') });
    expect(disabled.body.data.disabledAt).not.toBeNull();
    expect((await t.call('POST', `/v1/webhooks/${hook.id}/test`)).body.error).toBe('WEBHOOK_DISABLED');
    const enabled = await t.call('PUT', `/v1/webhooks/${hook.id}`, { status: 'active' });
    expect(enabled.body.data).toMatchObject({ status: 'active', disabledReason: null, disabledAt: null, consecutiveFailures: 0 });

    const rotated = await t.call('POST', `/v1/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.secret).toMatch(/^whsec_/);
    expect(rotated.body.data.secret).not.toBe(hook.secret);
    expect(rotated.body.data.secretPrefix).toBe(rotated.body.data.secret.slice(0, 12));
    const overlapMs = Date.parse(rotated.body.data.previousSecretExpiresAt) - Date.now();
    expect(overlapMs).toBeGreaterThan(23.9 * 3_600_000);
    expect(overlapMs).toBeLessThanOrEqual(24 * 3_600_000);
    expect((await t.call('GET', `/v1/webhooks/${hook.id}`)).body.data).not.toHaveProperty('secret');

    const deliveries = await t.call('GET', `/v1/webhooks/${hook.id}/deliveries`);
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.data).toEqual([]);

    expect((await t.call('DELETE', `/v1/webhooks/${hook.id}`)).status).toBe(200);
    expect((await t.call('GET', `/v1/webhooks/${hook.id}`)).status).toBe(404);
  });

  it('pages, sorts, searches and filters by status', async () => {
    const ids: string[] = [];
    for (const path of ['c', 'a', 'b'])
      ids.push((await create({ url: `${PUBLIC_URL}/${path}`, description: `list-${path}` })).body.data.id);
    await t.call('PUT', `/v1/webhooks/${ids[2]}`, { status: 'disabled' });
    const page = await t.call('GET', '/v1/webhooks?search=list-&sort=url:asc&limit=2');
    expect(page.body.meta).toMatchObject({ total: 3, totalPages: 2, hasNextPage: true });
    expect(page.body.data.map((h: { url: string }) => h.url.slice(-1))).toEqual(['a', 'b']);
    const disabled = await t.call('GET', '/v1/webhooks?search=list-&status=disabled');
    expect(disabled.body.data.map((h: { id: string }) => h.id)).toEqual([ids[2]]);
    expect((await t.call('GET', '/v1/webhooks?sort=secret:asc')).body.error).toBe('VALIDATION_ERROR');
    for (const id of ids) await t.call('DELETE', `/v1/webhooks/${id}`);
  });

  it('refuses bad bodies by field', async () => {
    const unknownType = await create({ url: PUBLIC_URL, events: ['vm.exploded'] });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.error).toBe('VALIDATION_ERROR');
    expect(unknownType.body.message).toContain('body.events');
    const empty = await create({ url: PUBLIC_URL, events: [] });
    expect(empty.body.error).toBe('VALIDATION_ERROR');
    expect(empty.body.message).toContain('body.events');
    const missing = await t.call('POST', '/v1/webhooks', { events: QUIET_EVENTS });
    expect(missing.body.error).toBe('VALIDATION_ERROR');
    expect(missing.body.message).toContain('body.url');
    const extra = await create({ url: PUBLIC_URL, secret: 'whsec_mine' });
    expect(extra.body.message).toContain('body.secret');
  });

  it('refuses URLs that are not http(s), carry credentials, or point at private addresses', async () => {
    const refusals: [string, string, RegExp][] = [
      ['ftp://93.184.216.34/x', 'INVALID_WEBHOOK_URL', /http or https/],
      ['javascript:alert(1)', 'INVALID_WEBHOOK_URL', /http or https/],
      ['not a url', 'INVALID_WEBHOOK_URL', /not a valid absolute URL/],
      ['https://user:pass@93.184.216.34/x', 'INVALID_WEBHOOK_URL', /credentials/],
      ['http://localhost:8080/hook', 'WEBHOOK_ADDRESS_NOT_ALLOWED', /localhost resolves to .* loopback/],
      ['http://127.0.0.1:9/hook', 'WEBHOOK_ADDRESS_NOT_ALLOWED', /loopback/],
      ['http://[::1]/hook', 'WEBHOOK_ADDRESS_NOT_ALLOWED', /loopback/],
      ['http://10.1.2.3/hook', 'WEBHOOK_ADDRESS_NOT_ALLOWED', /private/],
      ['http://192.168.0.10/hook', 'WEBHOOK_ADDRESS_NOT_ALLOWED', /private/],
      ['http://169.254.169.254/latest/meta-data', 'WEBHOOK_ADDRESS_NOT_ALLOWED', /metadata/],
      ['http://[fd00:ec2::254]/', 'WEBHOOK_ADDRESS_NOT_ALLOWED', /unique-local/],
      ['http://100.64.1.1/', 'WEBHOOK_ADDRESS_NOT_ALLOWED', /carrier-grade NAT/],
      ['http://0.0.0.0:80/', 'WEBHOOK_ADDRESS_NOT_ALLOWED', /unspecified/],
      ['http://[::ffff:127.0.0.1]/', 'WEBHOOK_ADDRESS_NOT_ALLOWED', /loopback/],
      ['http://receiver.invalid/hook', 'INVALID_WEBHOOK_URL', /host receiver\.invalid does not resolve/],
    ];
    for (const [url, code, message] of refusals) {
      const res = await create({ url });
      expect(res.status, url).toBe(400);
      expect(res.body.error, url).toBe(code);
      expect(res.body.message, url).toMatch(message);
    }
    const hook = (await create({ url: PUBLIC_URL })).body.data;
    const moved = await t.call('PUT', `/v1/webhooks/${hook.id}`, { url: 'http://10.0.0.1/' });
    expect(moved.body.error).toBe('WEBHOOK_ADDRESS_NOT_ALLOWED');
    expect((await t.call('GET', `/v1/webhooks/${hook.id}`)).body.data.url).toBe(PUBLIC_URL);
    await t.call('DELETE', `/v1/webhooks/${hook.id}`);
  });

  it('checks the address again at delivery: a receiver that now points inward gets a refused attempt', async () => {
    const hook = (await create({ url: PUBLIC_URL, events: ['webhook.test'] })).body.data;
    // What a changed DNS answer would do to the stored URL's host, without the API's check in between.
    await t.app.store.db.updateTable('webhooks').set({ url: 'http://127.0.0.1:9/hook' }).where('id', '=', hook.id).execute();
    const queued = (await t.call('POST', `/v1/webhooks/${hook.id}/test`)).body.data;
    const attempted = await eventually(async () => {
      const d = (await t.call('GET', `/v1/webhooks/${hook.id}/deliveries/${queued.id}`)).body.data;
      return d.attempts > 0 ? d : undefined;
    }, 'the refused attempt');
    expect(attempted).toMatchObject({ status: 'pending', responseCode: null });
    expect(attempted.lastError).toMatch(/^refused: address 127\.0\.0\.1, a loopback address/);
    expect(attempted.attemptLog[0]).toMatchObject({ responseCode: null, error: attempted.lastError });
    expect(attempted.nextAttemptAt).not.toBeNull();
    await t.call('DELETE', `/v1/webhooks/${hook.id}`);
  });

  it('lets the user role read but not write, and answers 404 for unknown ids', async () => {
    const hook = (await create({ url: PUBLIC_URL })).body.data;
    expect((await t.call('GET', '/v1/webhooks', undefined, asUser)).status).toBe(200);
    expect((await t.call('GET', `/v1/webhooks/${hook.id}`, undefined, asUser)).status).toBe(200);
    expect((await t.call('GET', `/v1/webhooks/${hook.id}/deliveries`, undefined, asUser)).status).toBe(200);
    const writes: [string, string, unknown?][] = [
      ['POST', '/v1/webhooks', { url: PUBLIC_URL, events: QUIET_EVENTS }],
      ['PUT', `/v1/webhooks/${hook.id}`, { description: 'x' }],
      ['DELETE', `/v1/webhooks/${hook.id}`],
      ['POST', `/v1/webhooks/${hook.id}/rotate-secret`],
      ['POST', `/v1/webhooks/${hook.id}/test`],
      ['POST', `/v1/webhooks/${hook.id}/deliveries/${hook.id}/retry`],
    ];
    for (const [method, path, body] of writes) {
      const res = await t.call(method, path, body, asUser);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error).toBe('FORBIDDEN');
    }

    const unknown = '99999999-9999-4999-8999-999999999999';
    for (const [method, path, body] of [
      ['GET', `/v1/webhooks/${unknown}`],
      ['PUT', `/v1/webhooks/${unknown}`, { description: 'x' }],
      ['DELETE', `/v1/webhooks/${unknown}`],
      ['POST', `/v1/webhooks/${unknown}/rotate-secret`],
      ['POST', `/v1/webhooks/${unknown}/test`],
      ['GET', `/v1/webhooks/${unknown}/deliveries`],
      ['GET', `/v1/webhooks/${hook.id}/deliveries/${unknown}`],
      ['POST', `/v1/webhooks/${hook.id}/deliveries/${unknown}/retry`],
    ] as [string, string, unknown?][]) {
      const res = await t.call(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error).toBe('NOT_FOUND');
    }
    await t.call('DELETE', `/v1/webhooks/${hook.id}`);
  });
});

describe('webhook host allow-list', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      web: false,
      mode: 'production',
      webhooks: { allowedHosts: ['93.184.216.34', 'localhost', '*.hooks.example'], allowPrivateAddresses: false },
    });
  });
  afterAll(async () => t?.close());

  it('admits only the listed hosts, and still refuses a listed host with a private address', async () => {
    const outside = await t.call('POST', '/v1/webhooks', { url: 'https://8.8.8.8/hook', events: QUIET_EVENTS });
    expect(outside.body).toMatchObject({ error: 'WEBHOOK_HOST_NOT_ALLOWED', message: expect.stringContaining('8.8.8.8') });
    const listed = await t.call('POST', '/v1/webhooks', { url: PUBLIC_URL, events: QUIET_EVENTS });
    expect(listed.status).toBe(201);
    const privateButListed = await t.call('POST', '/v1/webhooks', { url: 'http://localhost:1/hook', events: QUIET_EVENTS });
    expect(privateButListed.body.error).toBe('WEBHOOK_ADDRESS_NOT_ALLOWED');
  });

  it('matches subdomains of a wildcard entry but not the bare domain, and resolves before admitting', async () => {
    const answers: Record<string, string[]> = { 'a.hooks.example': ['198.18.0.1'], 'b.hooks.example': ['8.8.4.4', '10.0.0.7'] };
    const guard = new UrlGuard({
      allowedHosts: ['*.hooks.example'],
      allowPrivateAddresses: false,
      resolve: async (host) => (answers[host] ?? ['8.8.8.8']).map((address) => ({ address, family: 4 })),
    });
    await expect(guard.check('https://hooks.example/x')).rejects.toMatchObject({ code: 'WEBHOOK_HOST_NOT_ALLOWED' });
    await expect(guard.check('https://evilhooks.example/x')).rejects.toMatchObject({ code: 'WEBHOOK_HOST_NOT_ALLOWED' });
    expect((await guard.check('https://c.hooks.example/x')).address).toEqual({ address: '8.8.8.8', family: 4 });
    // 198.18.0.0/15 is the benchmarking range: not a public receiver either.
    await expect(guard.check('https://a.hooks.example/x')).rejects.toMatchObject({ code: 'WEBHOOK_ADDRESS_NOT_ALLOWED' });
    // One inward address among public ones is enough to refuse: the name could be steered to it.
    await expect(guard.check('https://b.hooks.example/x')).rejects.toMatchObject({
      code: 'WEBHOOK_ADDRESS_NOT_ALLOWED',
      message: expect.stringContaining('10.0.0.7'),
    });
  });

  it('checks only the form of a URL when private addresses are allowed', async () => {
    const sandbox = new UrlGuard({ allowedHosts: null, allowPrivateAddresses: true });
    expect((await sandbox.check('http://127.0.0.1:8080/hook')).address).toBeNull();
    await expect(sandbox.check('ftp://127.0.0.1/')).rejects.toMatchObject({ code: 'INVALID_WEBHOOK_URL' });
  });
});

describe('webhook settings', () => {
  it('reads GPUFLEET_WEBHOOK_ALLOWED_HOSTS and GPUFLEET_WEBHOOK_ALLOW_PRIVATE', () => {
    expect(loadConfig({}).webhooks).toEqual({ allowedHosts: null, allowPrivateAddresses: null });
    expect(
      loadConfig({
        GPUFLEET_WEBHOOK_ALLOWED_HOSTS: ' Hooks.example.com, *.ops.example ,',
        GPUFLEET_WEBHOOK_ALLOW_PRIVATE: 'true',
      }).webhooks,
    ).toEqual({ allowedHosts: ['hooks.example.com', '*.ops.example'], allowPrivateAddresses: true });
    expect(loadConfig({ GPUFLEET_WEBHOOK_ALLOW_PRIVATE: 'false' }).webhooks.allowPrivateAddresses).toBe(false);
    expect(() => loadConfig({ GPUFLEET_WEBHOOK_ALLOW_PRIVATE: 'sometimes' })).toThrow(/GPUFLEET_WEBHOOK_ALLOW_PRIVATE/);
  });
});
