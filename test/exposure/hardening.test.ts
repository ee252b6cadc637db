import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/app.ts';
import { checkSecretKeyFile, prepareDataDir } from '../../src/data-dir.ts';
import { adminKeyLines } from '../../src/server.ts';
import { createFakeServices } from '../api/fake-services.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchBrowser, openPage } from '../web/browser.ts';

/** Raw bytes over a socket: what fetch refuses to send. Resolves with everything the server wrote. */
function raw(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes, 'latin1'));
    let out = '';
    socket.on('data', (chunk) => {
      out += chunk.toString('utf8');
    });
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(3_000, () => {
      socket.destroy();
      resolve(out);
    });
  });
}

/** The JSON bodies of every HTTP answer in a raw transcript. */
function bodies(transcript: string): unknown[] {
  return transcript
    .split(/HTTP\/1\.1 /)
    .slice(1)
    .map((answer) =>
      JSON.parse(
        answer
          .slice(answer.indexOf('\r\n\r\n') + 4)
          .replace(/\r\n0\r\n\r\n$/, '')
          .trim() || 'null',
      ),
    );
}

const envelope = { success: false, error: expect.any(String), message: expect.any(String) };

describe('bad input and exposure, on a real server', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ web: true });
  });
  afterAll(() => app.close());

  it('refuses out-of-range list numbers naming the parameter, on every list route', async () => {
    for (const path of ['/v1/resource/gpu', '/v1/resource/ssh-keys', '/v1/resource-groups']) {
      for (const query of ['page=1e20', 'page=0', 'limit=101', 'page=abc', 'limit=1.5']) {
        const res = await app.call('GET', `${path}?${query}`);
        expect(res.status, `${path}?${query}`).toBe(400);
        expect(res.body).toMatchObject({
          ...envelope,
          error: 'VALIDATION_ERROR',
          details: { field: `query.${query.split('=')[0]}` },
        });
      }
    }
    const price = await app.call('GET', '/v1/offers?maxPricePerHour=1e400');
    expect(price.status).toBe(400);
    expect(price.body.message).toContain('query.maxPricePerHour');
  });

  it('answers the HTTP parser’s errors in the envelope: long URL, control characters, bytes past Content-Length', async () => {
    const long = await fetch(`${app.url}/v1/resource/gpu?x=${'a'.repeat(17_000)}`);
    expect(long.status).toBe(431);
    expect(await long.json()).toEqual({ ...envelope, error: 'HEADERS_TOO_LARGE' });

    const control = await raw(app.url, 'GET /v1/resource/gpu HTTP/1.1\r\nHost: x\r\nX-API-Key: a\x01b\r\n\r\n');
    expect(control).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodies(control)).toEqual([{ ...envelope, error: 'MALFORMED_REQUEST' }]);

    const past = await raw(
      app.url,
      `POST /v1/resource/ssh-keys HTTP/1.1\r\nHost: x\r\nX-API-Key: ${app.adminKey}\r\nContent-Type: application/json\r\n` +
        'Content-Length: 2\r\n\r\n{}garbage\r\n\r\n',
    );
    const answers = bodies(past);
    // The declared request is answered (a validation error), then the trailing bytes, in the envelope too.
    expect(answers).toHaveLength(2);
    for (const answer of answers) expect(answer).toMatchObject(envelope);
    expect(answers[1]).toMatchObject({ error: 'MALFORMED_REQUEST' });
  });

  it('never rate-limits /healthz, even after bad keys from the same address', async () => {
    const limited = await buildApi({ services: createFakeServices().services, version: 't', rateLimitPerMinute: 3 });
    try {
      for (let i = 0; i < 5; i++) await limited.inject({ url: '/v1/resource/gpu', headers: { 'x-api-key': 'bad' } });
      const api = await limited.inject({ url: '/v1/resource/gpu', headers: { 'x-api-key': 'bad' } });
      expect(api.statusCode).toBe(429);
      for (let i = 0; i < 10; i++) {
        const health = await limited.inject({ url: '/healthz', headers: { 'x-api-key': 'bad' } });
        expect(health.statusCode).toBe(200);
      }
    } finally {
      await limited.close();
    }
  });

  it('serves /docs with the dashboard’s CSP and X-Frame-Options', async () => {
    const dashboard = await fetch(`${app.url}/`);
    for (const path of ['/docs', '/docs/static/index.html', '/docs/static/swagger-initializer.js']) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy'), path).toBe(dashboard.headers.get('content-security-policy'));
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
    }
  });

  it('renders the API docs in Chromium under that policy, with no CSP violation', { timeout: 60_000 }, async () => {
    const browser = await launchBrowser();
    try {
      const errors: string[] = [];
      const page = await openPage(browser, errors);
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) errors.push(message.text());
      });
      await page.goto(`${app.url}/docs`);
      await page.locator('.opblock-summary-path', { hasText: '/v1/resource/gpu/{id}' }).first().waitFor({ timeout: 20_000 });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('names the request id of every answer', async () => {
    const res = await app.call('GET', '/v1/resource/gpu');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('5xx answers are logged with their request id', () => {
  it('logs a failing handler with the id the caller got', async () => {
    const lines: Record<string, unknown>[] = [];
    const fake = createFakeServices();
    fake.services.health = async () => {
      throw new Error('store exploded');
    };
    const api = await buildApi({
      services: fake.services,
      version: 't',
      errorLog: { error: (message, fields) => lines.push({ message, ...fields }) },
    });
    try {
      await api.listen({ host: '127.0.0.1', port: 0 });
      const address = api.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(500);
      const body = (await res.json()) as { details: { requestId: string } };
      expect(body).toMatchObject({ ...envelope, error: 'INTERNAL_ERROR' });
      expect(body.details.requestId).toBe(res.headers.get('x-request-id'));
      await new Promise((r) => setTimeout(r, 50));
      expect(lines).toEqual([
        expect.objectContaining({
          requestId: body.details.requestId,
          status: 500,
          url: '/healthz',
          error: expect.stringContaining('store exploded'),
        }),
      ]);
    } finally {
      await api.close();
    }
  });
});

describe('admin key and data directory', () => {
  it('shows the admin key only when it was generated', () => {
    const generated = adminKeyLines('http://h', { key: 'gf_secret123', source: 'generated' }, '/d/admin-key').join('\n');
    expect(generated).toContain('gf_secret123');
    for (const source of ['file', 'config'] as const) {
      const text = adminKeyLines('http://h', { key: 'gf_secret123', source }, '/d/admin-key').join('\n');
      expect(text).not.toContain('gf_secret123');
      expect(text).toContain(source === 'file' ? '/d/admin-key' : 'GPUFLEET_ADMIN_KEY');
    }
  });

  it('creates the data dir and the database owner-only, and refuses a shared secret-key', () => {
    const parent = mkdtempSync(join(tmpdir(), 'gpufleet-modes-'));
    const dir = join(parent, 'data');
    prepareDataDir(dir, join(dir, 'gpufleet.db'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'gpufleet.db')).mode & 0o777).toBe(0o600);

    const secret = join(dir, 'secret-key');
    writeFileSync(secret, 'x\n', { mode: 0o600 });
    expect(() => checkSecretKeyFile(secret)).not.toThrow();
    chmodSync(secret, 0o644);
    expect(() => prepareDataDir(dir, null)).toThrow(/secret-key is accessible to other users \(mode 0644\).*chmod 600/);
  });
});
