import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlatformEvent } from '../../src/core/domain/events.ts';
import { EventFrameError, EventStreamRefused, openEventStream, type StreamState } from '../../src/lib/sse-reader.ts';

const ENTITY = randomUUID();
let seq = 0;

function event(type: PlatformEvent['type'] = 'vm.status_changed', data: Record<string, unknown> = {}): PlatformEvent {
  seq++;
  return {
    id: randomUUID(),
    seq,
    type,
    time: new Date().toISOString(),
    entityId: ENTITY,
    subject: { kind: 'vm', id: randomUUID() },
    data,
  };
}

const frame = (e: PlatformEvent) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;

type Handler = (req: IncomingMessage, res: ServerResponse, call: number) => void;

/** A small SSE server whose every answer the test writes by hand. */
async function serve(handler: Handler): Promise<{ url: string; requests: IncomingMessage[]; server: Server }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

const streamHead = (res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });

async function until<T>(check: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('event stream reader', () => {
  it('reads frames split across chunks, ignores heartbeats and sends the API key', async () => {
    const [a, b, c] = [event(), event('job.progress', { progress: 40 }), event('vm.preempted')];
    const { url, requests } = await serve((_req, res) => {
      streamHead(res);
      const text = `retry: 50\n\n: heartbeat\n\n${frame(a)}${frame(b)}: heartbeat\n\n${frame(c)}`;
      // Cut the text at awkward places: inside a field name, a JSON string, between the two newlines.
      const cuts = [3, 17, 40, text.indexOf(a.id) + 5, text.indexOf('\n\n', 60) + 1, text.length - 7];
      let at = 0;
      const pieces = [...cuts, text.length].map((cut) => {
        const piece = text.slice(at, cut);
        at = cut;
        return piece;
      });
      const next = () => {
        const piece = pieces.shift();
        if (piece === undefined) return;
        res.write(piece);
        setTimeout(next, 5);
      };
      next();
    });
    const seen: PlatformEvent[] = [];
    const states: StreamState[] = [];
    const stream = openEventStream({
      baseUrl: url,
      apiKey: 'gf_secret',
      types: ['vm.status_changed', 'job.progress', 'vm.preempted'],
      onEvent: (e) => seen.push(e),
      onState: (s) => states.push(s),
    });
    await until(() => (seen.length === 3 ? true : undefined), 'three events');
    expect(seen).toEqual([a, b, c]);
    expect(stream.lastEventId).toBe(c.id);
    expect(states).toEqual(['connecting', 'live']);
    expect(requests[0]?.headers['x-api-key']).toBe('gf_secret');
    expect(requests[0]?.headers.accept).toBe('text/event-stream');
    expect(requests[0]?.url).toBe('/v1/events?types=vm.status_changed%2Cjob.progress%2Cvm.preempted');
    // The key goes in a header, never in the address.
    expect(requests[0]?.url).not.toContain('gf_secret');
    stream.close();
    await stream.done;
    expect(stream.state).toBe('closed');
  });

  it('reconnects after the retry hint and resumes with Last-Event-ID', async () => {
    const first = [event(), event()];
    const later = event();
    const { url, requests } = await serve((_req, res, call) => {
      streamHead(res);
      if (call === 1) {
        res.end(`retry: 100\n\n${first.map(frame).join('')}`);
        return;
      }
      res.write(`retry: 100\n\n${frame(later)}`);
    });
    const seen: PlatformEvent[] = [];
    const states: { state: StreamState; retryInMs?: number }[] = [];
    const stream = openEventStream({
      baseUrl: url,
      onEvent: (e) => seen.push(e),
      onState: (state, info) => states.push({ state, retryInMs: info.retryInMs }),
    });
    const started = Date.now();
    await until(() => (seen.length === 3 ? true : undefined), 'the event after the reconnect');
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect(seen.map((e) => e.id)).toEqual([...first, later].map((e) => e.id));
    expect(requests).toHaveLength(2);
    expect(requests[0]?.headers['last-event-id']).toBeUndefined();
    expect(requests[1]?.headers['last-event-id']).toBe(first[1]!.id);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    // The hint (100 ms, ±20 % jitter) is the wait after a stream that was live.
    expect(states[2]?.retryInMs).toBeGreaterThanOrEqual(80);
    expect(states[2]?.retryInMs).toBeLessThanOrEqual(120);
    stream.close();
    await stream.done;
  });

  it('starts from a given last event id and backs off while the server fails', async () => {
    const resumeFrom = randomUUID();
    const { url, requests } = await serve((_req, res, call) => {
      if (call <= 3) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ success: false, error: 'SERVICE_UNAVAILABLE', message: 'restarting' }));
        return;
      }
      streamHead(res);
      res.write(frame(event()));
    });
    const waits: number[] = [];
    const errors: string[] = [];
    const seen: PlatformEvent[] = [];
    const stream = openEventStream({
      baseUrl: url,
      lastEventId: resumeFrom,
      retryMs: 40,
      onEvent: (e) => seen.push(e),
      onState: (state, info) => {
        if (state === 'reconnecting') {
          waits.push(info.retryInMs ?? 0);
          errors.push(info.error?.message ?? '');
        }
      },
    });
    await until(() => (seen.length === 1 ? true : undefined), 'the event once the server is back');
    expect(requests.map((r) => r.headers['last-event-id'])).toEqual([resumeFrom, resumeFrom, resumeFrom, resumeFrom]);
    expect(waits).toHaveLength(3);
    // 40, 80, 160 ms, each ±20 %.
    expect(waits[1]!).toBeGreaterThan(waits[0]!);
    expect(waits[2]!).toBeGreaterThan(waits[1]!);
    expect(errors[0]).toMatch(/HTTP 503: restarting \(SERVICE_UNAVAILABLE\)/);
    stream.close();
    await stream.done;
  });

  it('reports a frame that breaks the schema, naming the field, and reads on', async () => {
    const good = event();
    const bad = { ...event(), subject: { kind: 'vm', id: 42 } };
    const wrongType = { ...event(), type: 'vm.exploded' };
    const { url } = await serve((_req, res) => {
      streamHead(res);
      res.write(
        `id: ${bad.id}\nevent: vm.status_changed\ndata: ${JSON.stringify(bad)}\n\n` +
          `id: ${wrongType.id}\nevent: vm.exploded\ndata: ${JSON.stringify(wrongType)}\n\n` +
          `id: x\ndata: {not json\n\n${frame(good)}`,
      );
    });
    const seen: PlatformEvent[] = [];
    const errors: Error[] = [];
    const stream = openEventStream({ baseUrl: url, onEvent: (e) => seen.push(e), onError: (e) => errors.push(e) });
    await until(() => (seen.length === 1 ? true : undefined), 'the good event');
    expect(seen).toEqual([good]);
    expect(errors.map((e) => (e as EventFrameError).field)).toEqual(['data.subject.id', 'data.type', 'data']);
    expect(errors[0]).toBeInstanceOf(EventFrameError);
    expect(errors[0]?.message).toContain('data.subject.id');
    // Only valid events move the resume point.
    expect(stream.lastEventId).toBe(good.id);
    stream.close();
    await stream.done;
  });

  it('stops for good on a refusal (bad key) instead of retrying', async () => {
    const { url, requests } = await serve((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: false, error: 'UNAUTHORIZED', message: 'API key not accepted' }));
    });
    const states: StreamState[] = [];
    const stream = openEventStream({ baseUrl: url, apiKey: 'gf_wrong', onEvent: () => {}, onState: (s) => states.push(s) });
    const refused = await stream.done.then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(EventStreamRefused);
    expect(refused).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(states).toEqual(['connecting', 'closed']);
    expect(requests).toHaveLength(1);
  });

  it('stops cleanly on abort, closing the connection, also while waiting to reconnect', async () => {
    let closed = 0;
    const { url, requests } = await serve((req, res, call) => {
      req.on('close', () => closed++);
      streamHead(res);
      if (call === 1) res.write(`retry: 60000\n\n${frame(event())}`);
      else res.write(': heartbeat\n\n');
    });
    const abort = new AbortController();
    const seen: PlatformEvent[] = [];
    const stream = openEventStream({ baseUrl: url, signal: abort.signal, onEvent: (e) => seen.push(e) });
    await until(() => (seen.length === 1 ? true : undefined), 'the first event');
    abort.abort();
    await stream.done;
    expect(stream.state).toBe('closed');
    await until(() => (closed === 1 ? true : undefined), 'the server to see the connection close');
    expect(requests).toHaveLength(1);

    // Closed while waiting a minute to reconnect: done settles at once.
    const { url: url2 } = await serve((_req, res) => {
      streamHead(res);
      res.end('retry: 60000\n\n');
    });
    const states: StreamState[] = [];
    const waiting = openEventStream({ baseUrl: url2, onEvent: () => {}, onState: (s) => states.push(s) });
    await until(() => (states.includes('reconnecting') ? true : undefined), 'the reconnect wait');
    const before = Date.now();
    waiting.close();
    await waiting.done;
    expect(Date.now() - before).toBeLessThan(1_000);
    expect(states.at(-1)).toBe('closed');
  });
});
