import { describe, expect, it } from 'vitest';
import { RATE_LIMIT_WINDOW_MS, RateLimiter, type SharedRateCounts } from '../../src/api/plugins/rate-limit.ts';

// 10:00:10 UTC, in the window of 10:00:00.
const NOW = Date.parse('2026-01-05T10:00:10.000Z');
const WINDOW_START = Date.parse('2026-01-05T10:00:00.000Z');

/** The store as replicas see it: totals per window and bucket; it can be made to fail or to hold its answer. */
class MemoryCounts implements SharedRateCounts {
  readonly calls: { windowStartMs: number; increments: Record<string, number> }[] = [];
  failure: Error | null = null;
  /** While set, answers wait until it resolves. */
  gate: Promise<void> | null = null;
  private readonly totals = new Map<string, number>();

  async add(windowStartMs: number, increments: ReadonlyMap<string, number>): Promise<Map<string, number>> {
    this.calls.push({ windowStartMs, increments: Object.fromEntries(increments) });
    await this.gate;
    if (this.failure) throw this.failure;
    const answer = new Map<string, number>();
    for (const [bucket, count] of increments) {
      const key = `${windowStartMs} ${bucket}`;
      const total = (this.totals.get(key) ?? 0) + count;
      this.totals.set(key, total);
      answer.set(bucket, total);
    }
    return answer;
  }
}

function hits(limiter: RateLimiter, bucket: string, n: number) {
  let verdict = limiter.hit(bucket);
  for (let i = 1; i < n; i++) verdict = limiter.hit(bucket);
  return verdict;
}

describe('RateLimiter shared between replicas', () => {
  it('decides with every replica’s total at its last sync plus what it counted since', async () => {
    const counts = new MemoryCounts();
    const a = new RateLimiter(10, () => NOW);
    const b = new RateLimiter(10, () => NOW);
    hits(a, 'key:k', 3);
    hits(b, 'key:k', 4);
    hits(b, 'ip:192.0.2.1', 1);

    expect(await a.sync(counts)).toBe(true);
    expect(await b.sync(counts)).toBe(true);
    expect(counts.calls).toEqual([
      { windowStartMs: WINDOW_START, increments: { 'key:k': 3 } },
      { windowStartMs: WINDOW_START, increments: { 'key:k': 4, 'ip:192.0.2.1': 1 } },
    ]);
    // b synced last and knows all 7; a knows only its own 3 until it syncs again.
    expect(b.hit('key:k')).toMatchObject({ remaining: 2, allowed: true });
    expect(a.hit('key:k')).toMatchObject({ remaining: 6, allowed: true });
    expect(await a.sync(counts)).toBe(true);
    // 3 + 4 + a's 1 + b's 1 not sent yet: a sees 8, then counts on from there.
    expect(a.hit('key:k')).toMatchObject({ remaining: 1, allowed: true });
    expect(a.hit('key:k')).toMatchObject({ remaining: 0, allowed: true });
    expect(a.hit('key:k')).toMatchObject({ remaining: 0, allowed: false });
    // Another bucket is counted apart; a learns its total with the first sync that sends one of its own.
    expect(a.hit('ip:192.0.2.1')).toMatchObject({ remaining: 9, allowed: true });
    await a.sync(counts);
    expect(a.hit('ip:192.0.2.1')).toMatchObject({ remaining: 7, allowed: true });
  });

  it('refuses once the replicas together reach the limit, though none reached it alone', async () => {
    const counts = new MemoryCounts();
    const replicas = [new RateLimiter(6, () => NOW), new RateLimiter(6, () => NOW)];
    for (const limiter of replicas) hits(limiter, 'key:k', 3);
    for (const limiter of replicas) await limiter.sync(counts);
    for (const limiter of replicas) await limiter.sync(counts);
    for (const limiter of replicas) hits(limiter, 'key:k', 1);
    for (const limiter of replicas) await limiter.sync(counts);
    expect(replicas[1]!.hit('key:k')).toMatchObject({ remaining: 0, allowed: false });
    expect(replicas[0]!.hit('key:k').allowed).toBe(false);
    // Alone, each would still have 2 of its 6 left.
    const alone = new RateLimiter(6, () => NOW);
    expect(hits(alone, 'key:k', 4)).toMatchObject({ remaining: 2, allowed: true });
  });

  it('asks the store nothing when nothing was counted, and never runs two syncs at once', async () => {
    const counts = new MemoryCounts();
    const limiter = new RateLimiter(10, () => NOW);
    expect(await limiter.sync(counts)).toBe(false);
    limiter.hit('key:k');
    let open = (): void => undefined;
    counts.gate = new Promise((resolve) => {
      open = resolve;
    });
    const first = limiter.sync(counts);
    limiter.hit('key:k');
    expect(await limiter.sync(counts)).toBe(false);
    // Counted while the sync was out: in the decision, and in the next sync, not in this one.
    expect(limiter.hit('key:k').remaining).toBe(7);
    open();
    expect(await first).toBe(true);
    expect(counts.calls.map((c) => c.increments)).toEqual([{ 'key:k': 1 }]);
    expect(await limiter.sync(counts)).toBe(true);
    expect(await limiter.sync(counts)).toBe(false);
    expect(counts.calls.map((c) => c.increments)).toEqual([{ 'key:k': 1 }, { 'key:k': 2 }]);
  });

  it('starts over when the minute turns, ignoring the totals of a sync that spans the turn', async () => {
    let now = NOW;
    const counts = new MemoryCounts();
    const limiter = new RateLimiter(10, () => now);
    hits(limiter, 'key:k', 4);
    let open = (): void => undefined;
    counts.gate = new Promise((resolve) => {
      open = resolve;
    });
    const spanning = limiter.sync(counts);
    hits(limiter, 'key:k', 2); // counted in the old window, never sent
    now = WINDOW_START + RATE_LIMIT_WINDOW_MS + 1_000;
    expect(limiter.hit('key:k')).toMatchObject({
      remaining: 9,
      allowed: true,
      resetAt: (WINDOW_START + 2 * RATE_LIMIT_WINDOW_MS) / 1000,
    });
    open();
    await spanning;
    expect(limiter.hit('key:k').remaining).toBe(8);
    counts.gate = null;
    await limiter.sync(counts);
    expect(counts.calls).toEqual([
      { windowStartMs: WINDOW_START, increments: { 'key:k': 4 } },
      { windowStartMs: WINDOW_START + RATE_LIMIT_WINDOW_MS, increments: { 'key:k': 2 } },
    ]);
  });

  it('counts on alone while the store fails, and sends every request it counted meanwhile once it answers', async () => {
    const counts = new MemoryCounts();
    const other = new RateLimiter(10, () => NOW);
    hits(other, 'key:k', 2);
    await other.sync(counts);

    const limiter = new RateLimiter(10, () => NOW);
    hits(limiter, 'key:k', 3);
    counts.failure = new Error('connection refused');
    await expect(limiter.sync(counts)).rejects.toThrow('connection refused');
    await expect(limiter.sync(counts)).rejects.toThrow('connection refused');
    expect(hits(limiter, 'key:k', 6)).toMatchObject({ remaining: 1, allowed: true });
    expect(limiter.hit('key:k')).toMatchObject({ remaining: 0, allowed: true });
    expect(limiter.hit('key:k')).toMatchObject({ remaining: 0, allowed: false });

    counts.failure = null;
    expect(await limiter.sync(counts)).toBe(true);
    expect(counts.calls.at(-1)?.increments).toEqual({ 'key:k': 11 });
    // Its 11 and the other replica's 2.
    expect(limiter.hit('key:k')).toMatchObject({ remaining: 0, allowed: false });
    expect(other.hit('key:k').remaining).toBe(7);
    await other.sync(counts);
    expect(other.hit('key:k')).toMatchObject({ remaining: 0, allowed: false });
  });

  it('forgets the requests of a failed sync whose window has ended', async () => {
    let now = NOW;
    const counts = new MemoryCounts();
    const limiter = new RateLimiter(10, () => now);
    hits(limiter, 'key:k', 5);
    let open = (): void => undefined;
    counts.gate = new Promise((resolve) => {
      open = resolve;
    });
    counts.failure = new Error('timeout');
    const failing = limiter.sync(counts);
    now += RATE_LIMIT_WINDOW_MS;
    limiter.hit('key:k');
    open();
    await expect(failing).rejects.toThrow('timeout');
    expect(limiter.hit('key:k').remaining).toBe(8);
  });
});
