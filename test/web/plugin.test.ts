import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWeb, SPA_ROUTES } from '../../src/web/plugin.ts';

describe('dashboard plugin', () => {
  let app: FastifyInstance;
  let version: string;

  beforeAll(async () => {
    app = Fastify();
    await registerWeb(app);
    await app.ready();
    const html = await app.inject({ method: 'GET', url: '/' });
    version = /app\.js\?v=([0-9a-f]+)/.exec(html.body)?.[1] ?? '';
  });
  afterAll(() => app.close());

  it('serves index.html at / and at every app route, never cached stale, with a strict CSP', async () => {
    expect(version).toMatch(/^[0-9a-f]{12}$/);
    const paths = SPA_ROUTES.map((r) => r.replace(':id', '3f1c2a9e-0000-4000-8000-000000000001'));
    for (const path of [...paths, '/vms/new']) {
      const res = await app.inject({ method: 'GET', url: path });
      expect(res.statusCode, path).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.body).toContain('<div id="app">');
      expect(res.body).toContain(`/app.css?v=${version}`);
    }
  });

  it('serves the bundle and the stylesheet with their types, long caching for the versioned URL', async () => {
    const js = await app.inject({ method: 'GET', url: `/app.js?v=${version}` });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    // The bundle is self-contained: no import of anything outside it.
    expect(js.body).not.toMatch(/\bimport\s*[{*\w][^;]*from\s*["']/);
    expect(js.body).toContain('/v1/resource/gpu');

    const css = await app.inject({ method: 'GET', url: '/app.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    // Without the current version the browser must revalidate.
    expect(css.headers['cache-control']).toBe('no-cache');
    expect(css.body).toContain('.status-running');
  });

  it('answers a revalidation with 304 when nothing changed', async () => {
    const first = await app.inject({ method: 'GET', url: '/app.js' });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    const again = await app.inject({ method: 'GET', url: '/app.js', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('leaves other paths alone', async () => {
    expect((await app.inject({ method: 'GET', url: '/vms/1/extra' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/main.ts' })).statusCode).toBe(404);
  });
});
