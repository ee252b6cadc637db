import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, fail, ok, pageMeta, runCli } from './support/fake-api.ts';
import { vm } from './support/fixtures.ts';

/** A port nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('gpufleet exit codes and error reports', () => {
  let api: FakeApi;

  beforeEach(async () => {
    api = await new FakeApi().start();
  });
  afterEach(() => api.close());

  it('exits 1 and prints the API message and code on an API error', async () => {
    api.on('GET', '/v1/resource/gpu', fail(403, 'FORBIDDEN', 'GPU feature not enabled for this entity'));
    const run = await runCli(['gpu', 'ls'], { url: api.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: GPU feature not enabled for this entity (FORBIDDEN)\n');
    expect(run.stdout).toBe('');
  });

  it('exits 3 and says where it tried and how to start a server when nothing answers', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await runCli(['gpu', 'ls'], { url });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`cannot reach the gpufleet server at ${url}`);
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(run.stderr).toContain('npm start');
  });

  it('exits 2 on usage errors without sending anything', async () => {
    for (const args of [['gpu', 'ls', '--bogus'], ['gpu', 'get'], ['nonsense'], ['costs', '--by', 'weekday'], ['gpu']]) {
      const run = await runCli(args, { url: api.url });
      expect(run.code, args.join(' ')).toBe(2);
    }
    expect(api.requests).toHaveLength(0);
  });

  it('takes --url notaurl as a usage error, and a URL ending in /v1 as the server', async () => {
    const bad = await runCli(['gpu', 'ls', '--url', 'notaurl'], { url: api.url });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--url must be an http:// or https:// address');
    api.on('GET', '/v1/resource/gpu', ok([], pageMeta(0)));
    for (const url of [`${api.url}/v1`, `${api.url}/v1/`]) {
      const run = await runCli(['gpu', 'ls'], { url });
      expect(run.code, url).toBe(0);
    }
    expect(api.sent('GET', '/v1/resource/gpu')).toHaveLength(2);
  });

  it('writes errors as JSON on stderr with the API code in --json mode, USAGE for usage errors', async () => {
    api.on('GET', '/v1/resource/gpu', fail(403, 'FORBIDDEN', 'GPU feature not enabled for this entity'));
    const apiError = await runCli(['gpu', 'ls', '--json'], { url: api.url });
    expect(apiError.code).toBe(1);
    expect(JSON.parse(apiError.stderr)).toEqual({ error: 'FORBIDDEN', message: 'GPU feature not enabled for this entity' });
    const usage = await runCli(['gpu', 'ls', '--bogus', '--output', 'json'], { url: api.url });
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr)).toMatchObject({ error: 'USAGE', message: expect.stringContaining('--bogus') });
  });

  it('ends quietly when the reader of its output goes away (`| head`)', async () => {
    const rows = Array.from({ length: 50 }, (_, i) =>
      vm({ id: `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `vm-${i}` }),
    );
    api.on('GET', '/v1/resource/gpu', ok(rows, pageMeta(rows.length)));
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'gpufleet.js'), 'gpu', 'ls'], {
      env: { ...process.env, GPUFLEET_URL: api.url, GPUFLEET_API_KEY: 'test-key' },
    });
    // The reader closes before the listing arrives, as `head` does once it has its lines.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('exits 0 for --help', async () => {
    const run = await runCli(['gpu', 'order', '--help'], { url: api.url });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--idempotency-key');
  });

  it('uses --url and --api-key over the environment', async () => {
    api.on('GET', '/v1/resource/gpu', ok([], pageMeta(0)));
    const run = await runCli(['--url', api.url, 'gpu', 'ls', '--api-key', 'from-flag'], { url: 'http://127.0.0.1:1' });
    expect(run.code).toBe(0);
    expect(api.requests[0]!.headers['x-api-key']).toBe('from-flag');
  });

  it('explains a 401 when no API key was found anywhere', async () => {
    api.on('GET', '/v1/resource/gpu', fail(401, 'UNAUTHORIZED', 'missing API key'));
    const run = await runCli(['gpu', 'ls'], { url: api.url, apiKey: null });
    expect(run.code).toBe(1);
    expect(api.requests[0]!.headers['x-api-key']).toBeUndefined();
    expect(run.stderr).toContain('missing API key; no API key was sent: run `gpufleet login');
    expect(run.stderr).toContain('(UNAUTHORIZED)');
  });

  it('exits 1 naming the URL when the answer is not JSON or not an envelope, and with the HTTP status when an error has no body', async () => {
    api.on('GET', '/v1/resource/ssh-keys', {
      status: 200,
      raw: '<html>proxy login</html>',
      headers: { 'content-type': 'text/html' },
    });
    api.on('GET', '/healthz', { status: 502 });

    const html = await runCli(['ssh-keys', 'ls'], { url: api.url });
    expect(html.code).toBe(1);
    expect(html.stderr).toContain(
      `${api.url}/v1/resource/ssh-keys?page=1&limit=100 answered HTTP 200 with a body that is not JSON`,
    );

    api.on('GET', '/v1/resource/gpu', { status: 200, body: { instances: [] } });
    const notOurs = await runCli(['gpu', 'ls'], { url: api.url });
    expect(notOurs.code).toBe(1);
    expect(notOurs.stderr).toContain('did not answer with a gpufleet API envelope; is --url right? (BAD_RESPONSE)');

    api.on('GET', '/v1/resource/ssh-keys', { status: 204 });
    const noContent = await runCli(['ssh-keys', 'ls'], { url: api.url });
    expect(noContent.code).toBe(1);
    expect(noContent.stderr).toContain('did not answer with a gpufleet API envelope; is --url right? (BAD_RESPONSE)');

    const empty = await runCli(['health'], { url: api.url });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe('error: the server answered HTTP 502 (HTTP_502)\n');
  });

  it('waits out a 429 and tries again', async () => {
    api.on('GET', '/v1/resource/gpu', (_req, call) =>
      call === 1 ? { ...fail(429, 'RATE_LIMITED', 'slow down'), headers: { 'retry-after': '1' } } : ok([], pageMeta(0)),
    );
    const run = await runCli(['gpu', 'ls'], { url: api.url });
    expect(run.code).toBe(0);
    expect(api.sent('GET', '/v1/resource/gpu')).toHaveLength(2);
  });
});
