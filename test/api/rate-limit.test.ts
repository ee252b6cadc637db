import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter } from '../../src/api/plugins/rate-limit.ts';
import { as, buildTestApi, errorOf } from './helpers.ts';

// 10:00:10 UTC: the window ends at 10:01:00, 50 seconds later.
const NOW = Date.parse('2026-01-05T10:00:10.000Z');
const WINDOW_END = Date.parse('2026-01-05T10:01:00.000Z') / 1000;

describe('RateLimiter', () => {
  it('counts per bucket within a minute and starts over in the next one', () => {
    let now = NOW;
    const limiter = new RateLimiter(2, () => now);
    expect(limiter.hit('a')).toEqual({ limit: 2, remaining: 1, resetAt: WINDOW_END, retryAfter: 50, allowed: true });
    expect(limiter.hit('a').remaining).toBe(0);
    expect(limiter.hit('a')).toMatchObject({ remaining: 0, allowed: false });
    expect(limiter.hit('b').allowed).toBe(true);
    now += 50_000;
    expect(limiter.hit('a')).toMatchObject({ remaining: 1, allowed: true, resetAt: WINDOW_END + 60 });
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new RateLimiter(0)).toThrow();
    expect(() => new RateLimiter(1.5)).toThrow();
  });
});

describe('rate limiting over HTTP', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    ({ app } = await buildTestApi({ rateLimitPerMinute: 3 }));
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // A request in another minute empties the counters, so each test starts from a fresh window.
    vi.setSystemTime(NOW - 60_000);
    await app.inject({ url: '/openapi.json' });
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('puts the headers on every answer, errors included', async () => {
    const answers = [
      await app.inject({ url: '/v1/resource/gpu', headers: as('user') }),
      await app.inject({ url: '/v1/resource/gpu', remoteAddress: '10.0.0.1' }),
      await app.inject({ url: '/v1/no-such-route', remoteAddress: '10.0.0.2' }),
      await app.inject({ url: '/v1/resource/gpu/zzz', headers: as('admin') }),
      await app.inject({ url: '/openapi.json', remoteAddress: '10.0.0.3' }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 401, 404, 400, 200]);
    for (const answer of answers) {
      expect(answer.headers['x-ratelimit-limit']).toBe('3');
      expect(answer.headers['x-ratelimit-remaining']).toBe('2');
      expect(answer.headers['x-ratelimit-reset']).toBe(String(WINDOW_END));
    }
  });

  it('limits per key with 429 RATE_LIMITED and Retry-After, leaving other keys alone', async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ url: '/v1/resource/gpu', headers: as('power_user') });
      expect(res.statusCode).toBe(200);
      remaining.push(String(res.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await app.inject({ url: '/v1/resource/gpu', headers: as('power_user') });
    expect(refused.statusCode).toBe(429);
    expect(errorOf(refused).error).toBe('RATE_LIMITED');
    expect(refused.headers['retry-after']).toBe('50');
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect((await app.inject({ url: '/v1/resource/gpu', headers: as('admin') })).statusCode).toBe(200);

    vi.setSystemTime(NOW + 50_000);
    expect((await app.inject({ url: '/v1/resource/gpu', headers: as('power_user') })).statusCode).toBe(200);
  });

  it('limits requests without a valid key per client IP', async () => {
    for (let i = 0; i < 3; i++) await app.inject({ url: '/openapi.json', remoteAddress: '192.0.2.9' });
    const refused = await app.inject({
      url: '/v1/resource/gpu',
      headers: { 'x-api-key': 'gf_guess' },
      remoteAddress: '192.0.2.9',
    });
    expect(refused.statusCode).toBe(429);
    expect((await app.inject({ url: '/openapi.json', remoteAddress: '192.0.2.10' })).statusCode).toBe(200);
    // Health probes are never counted nor refused, whatever key they carry.
    expect(
      (await app.inject({ url: '/healthz', headers: { 'x-api-key': 'gf_guess' }, remoteAddress: '192.0.2.9' })).statusCode,
    ).toBe(200);
  });
});
