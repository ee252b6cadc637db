import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMIT_WINDOW_MS, RateLimiter } from '../../src/api/plugins/rate-limit.ts';
import { StoreRateCounts } from '../../src/runtime/rate-limit-counts.ts';
import { RateLimitSync } from '../../src/runtime/rate-limit-sync.ts';
import type { Store } from '../../src/store/database.ts';
import { eventually } from '../support/app.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';

const MINUTE = Date.parse('2026-01-05T10:00:00.000Z');

describe.each(STORE_KINDS)('rate-limit counts in the %s store', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await openTestStore(kind));
  });
  afterAll(() => cleanup?.());

  const windows = async () =>
    (await store.db.selectFrom('rate_limit_windows').select('window_start').distinct().orderBy('window_start').execute()).map(
      (row) => row.window_start,
    );

  it('adds every replica’s increments and answers with the totals', async () => {
    const first = new StoreRateCounts(store.db, RATE_LIMIT_WINDOW_MS);
    const second = new StoreRateCounts(store.db, RATE_LIMIT_WINDOW_MS);
    expect(
      await first.add(
        MINUTE,
        new Map([
          ['key:a', 2],
          ['ip:192.0.2.1', 1],
        ]),
      ),
    ).toEqual(
      new Map([
        ['key:a', 2],
        ['ip:192.0.2.1', 1],
      ]),
    );
    expect(await second.add(MINUTE, new Map([['key:a', 5]]))).toEqual(new Map([['key:a', 7]]));
    expect(
      await first.add(
        MINUTE,
        new Map([
          ['key:a', 1],
          ['key:b', 1],
        ]),
      ),
    ).toEqual(
      new Map([
        ['key:a', 8],
        ['key:b', 1],
      ]),
    );
    // The next minute counts from nothing.
    expect(await second.add(MINUTE + RATE_LIMIT_WINDOW_MS, new Map([['key:a', 1]]))).toEqual(new Map([['key:a', 1]]));
  });

  it('keeps the current and the previous window only', async () => {
    const counts = new StoreRateCounts(store.db, RATE_LIMIT_WINDOW_MS);
    const minute = (n: number) => MINUTE + (20 + n) * RATE_LIMIT_WINDOW_MS;
    await counts.add(minute(0), new Map([['key:a', 1]]));
    await counts.add(minute(1), new Map([['key:a', 1]]));
    expect(await windows()).toContain(new Date(minute(0)).toISOString());
    await counts.add(minute(2), new Map([['key:a', 1]]));
    expect(await windows()).toEqual([new Date(minute(1)).toISOString(), new Date(minute(2)).toISOString()]);
  });

  it('sends thousands of buckets in one sync', async () => {
    const counts = new StoreRateCounts(store.db, RATE_LIMIT_WINDOW_MS);
    const increments = new Map(Array.from({ length: 2_500 }, (_, i) => [`ip:10.0.${i >> 8}.${i & 255}`, (i % 3) + 1]));
    const totals = await counts.add(MINUTE + 3 * RATE_LIMIT_WINDOW_MS, increments);
    expect(totals).toEqual(increments);
  });

  it('lets limiters on one store refuse together', async () => {
    const now = () => MINUTE + 10 * RATE_LIMIT_WINDOW_MS;
    const counts = new StoreRateCounts(store.db, RATE_LIMIT_WINDOW_MS);
    const replicas = [new RateLimiter(4, now), new RateLimiter(4, now)];
    for (const limiter of replicas) limiter.hit('key:shared');
    for (const limiter of replicas) limiter.hit('key:shared');
    for (const limiter of replicas) await limiter.sync(counts);
    // The second synced last and knows all four; the first learns of the second's two with its next sync.
    expect(replicas[1]!.hit('key:shared')).toMatchObject({ remaining: 0, allowed: false });
    expect(replicas[0]!.hit('key:shared')).toMatchObject({ remaining: 1, allowed: true });
    await replicas[0]!.sync(counts);
    expect(replicas[0]!.hit('key:shared')).toMatchObject({ remaining: 0, allowed: false });
  });
});

describe('RateLimitSync', () => {
  it('reports a failing store once, and once more when it answers again', async () => {
    const outcomes: ('sent' | 'idle' | Error)[] = [
      new Error('down'),
      new Error('down'),
      'idle',
      new Error('down'),
      'sent',
      'sent',
    ];
    const lines: string[] = [];
    const logger = { info: (msg: string) => lines.push(`info ${msg}`), warn: (msg: string) => lines.push(`warn ${msg}`) };
    const sync = new RateLimitSync(
      async () => {
        const outcome = outcomes.shift() ?? 'idle';
        if (outcome instanceof Error) throw outcome;
        return outcome === 'sent';
      },
      5,
      logger,
    );
    sync.start();
    await eventually(async () => (outcomes.length === 0 ? true : undefined), 'every outcome');
    await sync.stop();
    expect(lines).toEqual([
      'warn sharing rate-limit counts through the store failed; this replica counts on its own until it works again',
      'info rate-limit counts are shared through the store again',
    ]);
  });
});
