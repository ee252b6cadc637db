import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDS, KEYS } from './fake-services.ts';
import { buildTestApi } from './helpers.ts';

/** Over a real socket: what the in-process `inject` cannot show (Node's HTTP parsing, real headers, logging). */
describe('listening on 127.0.0.1', () => {
  let app: FastifyInstance;
  let base: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    ({ app } = await buildTestApi({
      logger: { level: 'info', stream },
      webRoot: (web) => {
        web.get('/', async (_request, reply) => reply.type('text/html').send('<!doctype html><title>gpufleet</title>'));
      },
    }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => app.close());

  it('serves the envelope and the rate-limit headers with fetch', async () => {
    const res = await fetch(`${base}/v1/resource/gpu/${IDS.vm}`, { headers: { authorization: `Bearer ${KEYS.user}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    const body = (await res.json()) as { success: boolean; data: { id: string }; meta: null };
    expect(body).toMatchObject({ success: true, data: { id: IDS.vm }, meta: null });
  });

  it('answers errors in the error shape over the wire', async () => {
    const malformed = await fetch(`${base}/v1/resource/gpu`, {
      method: 'POST',
      headers: { 'x-api-key': KEYS.admin, 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ success: false, error: 'MALFORMED_JSON', message: expect.any(String) });
    const missing = await fetch(`${base}/v1/resource/ssh-keys`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('x-ratelimit-remaining')).not.toBeNull();
    const badUrl = await fetch(`${base}/v1/resource/gpu/%E0%A4%A`, { headers: { 'x-api-key': KEYS.user } });
    expect(badUrl.status).toBe(400);
    expect(badUrl.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(((await badUrl.json()) as { success: boolean }).success).toBe(false);
  });

  it('lets the caller serve the dashboard at /', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>gpufleet</title>');
  });

  it('never writes API keys or provider credentials to the log', async () => {
    const secret = 'do-not-log-this-secret-91f2';
    await fetch(`${base}/v1/provider-accounts`, {
      method: 'POST',
      headers: { 'x-api-key': KEYS.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'verda', name: 'logged', credentials: { clientId: 'id', clientSecret: secret } }),
    });
    await fetch(`${base}/v1/resource/gpu`, { headers: { authorization: `Bearer ${KEYS.power_user}` } });
    app.log.info(
      { req: { headers: { authorization: `Bearer ${secret}`, 'x-api-key': secret }, body: { credentials: { secret } } } },
      'probe',
    );
    app.log.info({ credentials: { secret }, privateKey: secret, passphrase: secret }, 'probe');
    const log = logLines.join('');
    expect(log).toContain('probe');
    expect(log).toContain('/v1/provider-accounts');
    expect(log).not.toContain(secret);
    expect(log).not.toContain(KEYS.admin);
    expect(log).not.toContain(KEYS.power_user);
  });
});
