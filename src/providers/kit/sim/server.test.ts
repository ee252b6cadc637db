import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { corruptingJson, type InjectedFault } from './fault-hooks.ts';
import { FaultState } from './faults.ts';
import { reachableOrigin, type SimServer, type SimServerOptions, startSimServer } from './server.ts';

/** A toy cloud: `{error}` bodies, a bearer check of its own, a JSON route, a text route and a 404 route. */
function toyOptions(faults: FaultState, overrides: Partial<SimServerOptions> = {}): SimServerOptions {
  return {
    faults,
    apiRoot: '/api',
    routeKey: (request) => `${request.method} ${request.routeOptions.url ?? 'unknown'}`,
    renderFault: (fault: InjectedFault, _request, reply) =>
      fault.kind === 'error'
        ? reply.code(500).send({ error: 'boom' })
        : reply.code(429).header('Retry-After', String(fault.retryAfterSec)).send({ error: 'slow down' }),
    corrupt: corruptingJson((body) => ('skip' in body ? null : { spoiled: true })),
    routes: (app, origin) => {
      app.addHook('onRequest', async (request, reply) => {
        if (request.headers.authorization !== 'Bearer ok') return reply.code(401).send({ error: 'who are you' });
      });
      app.get('/api/things', async () => [{ id: 'a' }]);
      app.get('/api/skip', async () => ({ skip: true }));
      app.get('/api/text', async (_request, reply) => reply.type('text/plain').send('plain'));
      app.get('/api/missing', async (_request, reply) => reply.code(404).send({ error: 'no such thing' }));
      app.get('/api/origin', async () => ({ origin: origin() }));
    },
    ...overrides,
  };
}

const get = async (server: SimServer, path: string) => {
  const answer = await fetch(`${server.origin}${path}`, { headers: { authorization: 'Bearer ok' } });
  return { status: answer.status, retryAfter: answer.headers.get('retry-after'), body: await answer.text() };
};

describe('simulator kit: server', () => {
  const open: SimServer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  const start = async (options: SimServerOptions) => {
    const server = await startSimServer(options);
    open.push(server);
    return server;
  };

  it('reports an address a client here can connect to, whatever the server listens on', () => {
    expect(reachableOrigin('0.0.0.0', 8080)).toBe('http://127.0.0.1:8080');
    expect(reachableOrigin('::', 8080)).toBe('http://127.0.0.1:8080');
    expect(reachableOrigin('::1', 8080)).toBe('http://[::1]:8080');
    expect(reachableOrigin('localhost', 8080)).toBe('http://localhost:8080');
  });

  it('listening on every interface, answers at the base URL it reports', async () => {
    const server = await start(toyOptions(new FaultState(), { host: '0.0.0.0' }));
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    expect(await get(server, '/api/origin')).toMatchObject({ status: 200, body: JSON.stringify({ origin: server.origin }) });
  });

  it('answers injected faults in the cloud format before any check of its own, counting every request', async () => {
    const faults = new FaultState();
    const server = await start(toyOptions(faults));
    faults.rateLimitNext(1, 9);
    const anonymous = await fetch(`${server.origin}/api/things`);
    expect([anonymous.status, anonymous.headers.get('retry-after'), await anonymous.text()]).toEqual([
      429,
      '9',
      '{"error":"slow down"}',
    ]);
    faults.setFaults({ errorRate: 1 });
    expect(await get(server, '/api/things')).toMatchObject({ status: 500, body: '{"error":"boom"}' });
    faults.setFaults({ errorRate: 0 });
    expect(await get(server, '/api/things')).toMatchObject({ status: 200 });
    await get(server, '/api/nowhere');
    expect(faults.requestCounts()).toEqual({ 'GET /api/things': 3, 'GET unknown': 1 });
  });

  it('spoils only successful answers the corrupt function takes, each fault once', async () => {
    const faults = new FaultState();
    const server = await start(toyOptions(faults));
    faults.malformNext(2);
    expect(await get(server, '/api/missing')).toMatchObject({ status: 404, body: '{"error":"no such thing"}' });
    expect(await get(server, '/api/skip')).toMatchObject({ body: '{"skip":true}' });
    expect(await get(server, '/api/text')).toMatchObject({ body: 'plain' });
    expect(faults.pending().malformed).toBe(2);
    expect(await get(server, '/api/things')).toMatchObject({ status: 200, body: '{"spoiled":true}' });
    expect(await get(server, '/api/things')).toMatchObject({ body: '{"spoiled":true}' });
    expect(await get(server, '/api/things')).toMatchObject({ body: '[{"id":"a"}]' });
    expect(faults.pending().malformed).toBe(0);
  });

  it('admitting at the handler, keys requests by their body and leaves requests to no route alone', async () => {
    const faults = new FaultState();
    const server = await start(
      toyOptions(faults, {
        admitAt: 'handler',
        routeKey: (request) => `POST /ask#${(request.body as { ask?: string } | undefined)?.ask}`,
        routes: (app) => {
          app.post('/ask', async () => ({ ok: true }));
        },
      }),
    );
    const post = (path: string, ask: string) =>
      fetch(`${server.origin}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"ask":"${ask}"}`,
      });
    faults.rateLimitNext(1);
    expect((await post('/elsewhere', 'x')).status).toBe(404);
    expect((await post('/ask', 'time')).status).toBe(429);
    expect((await post('/ask', 'time')).status).toBe(200);
    expect(faults.requestCounts()).toEqual({ 'POST /ask#time': 2 });
  });

  it('closes once, releasing the world after the server stopped', async () => {
    const events: string[] = [];
    const server = await startSimServer(toyOptions(new FaultState(), { release: () => void events.push('released') }));
    await Promise.all([server.close(), server.close()]);
    await server.close();
    expect(events).toEqual(['released']);
    await expect(fetch(`${server.origin}/api/things`)).rejects.toThrow();
  });

  it('releases the world when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    let released = 0;
    try {
      const starting = startSimServer(toyOptions(new FaultState(), { port, release: () => void released++ }));
      await expect(starting).rejects.toThrow(/EADDRINUSE/);
      expect(released).toBe(1);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
