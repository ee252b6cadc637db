import { describe, expect, it } from 'vitest';
import { ReadCache } from '../../src/services/vms/read-cache.ts';

const v = (data: string, sync = 's1') => ({ data, sync });
const settle = () => new Promise((r) => setTimeout(r, 20));

function counter() {
  let builds = 0;
  return {
    build: (label: string) => async () => {
      builds++;
      return `${label}#${builds}`;
    },
    get count() {
      return builds;
    },
  };
}

describe('read cache', () => {
  it('answers from memory while the version is unchanged and the entry is young', async () => {
    const cache = new ReadCache<string>({ ttlMs: 60_000, staleMs: 120_000, maxEntries: 10 });
    const c = counter();
    expect(await cache.getOrBuild('p1', v('d1'), c.build('a'))).toBe('a#1');
    expect(await cache.getOrBuild('p1', v('d1'), c.build('a'))).toBe('a#1');
    expect(c.count).toBe(1);
  });

  it('rebuilds on the request path when a stored row changed', async () => {
    const cache = new ReadCache<string>({ ttlMs: 60_000, staleMs: 120_000, maxEntries: 10 });
    const c = counter();
    await cache.getOrBuild('p1', v('d1'), c.build('a'));
    expect(await cache.getOrBuild('p1', v('d2'), c.build('a'))).toBe('a#2');
  });

  it('serves the last entry when only a provider sync moved on, and rebuilds it in the background', async () => {
    const cache = new ReadCache<string>({ ttlMs: 60_000, staleMs: 120_000, maxEntries: 10 });
    const c = counter();
    await cache.getOrBuild('p1', v('d1', 's1'), c.build('a'));
    expect(await cache.getOrBuild('p1', v('d1', 's2'), c.build('a'))).toBe('a#1');
    await settle();
    expect(c.count).toBe(2);
    expect(await cache.getOrBuild('p1', v('d1', 's2'), c.build('a'))).toBe('a#2');
    expect(c.count).toBe(2);
  });

  it('builds on the request path once an entry is older than the stale limit', async () => {
    const cache = new ReadCache<string>({ ttlMs: 0, staleMs: 0, maxEntries: 10 });
    const c = counter();
    await cache.getOrBuild('p1', v('d1'), c.build('a'));
    await settle();
    expect(await cache.getOrBuild('p1', v('d1'), c.build('a'))).toBe('a#2');
  });

  it('shares one build among concurrent readers of the same key and version', async () => {
    const cache = new ReadCache<string>({ ttlMs: 60_000, staleMs: 120_000, maxEntries: 10 });
    const c = counter();
    const results = await Promise.all(Array.from({ length: 5 }, () => cache.getOrBuild('p1', v('d1'), c.build('a'))));
    expect(new Set(results)).toEqual(new Set(['a#1']));
    expect(c.count).toBe(1);
  });

  it('does not keep a failed build, and the next reader tries again', async () => {
    const cache = new ReadCache<string>({ ttlMs: 60_000, staleMs: 120_000, maxEntries: 10 });
    await expect(
      cache.getOrBuild('p1', v('d1'), async () => {
        throw new Error('database away');
      }),
    ).rejects.toThrow('database away');
    expect(await cache.getOrBuild('p1', v('d1'), async () => 'ok')).toBe('ok');
  });

  it('drops the oldest entry beyond its size bound', async () => {
    const cache = new ReadCache<string>({ ttlMs: 60_000, staleMs: 120_000, maxEntries: 2 });
    const c = counter();
    await cache.getOrBuild('a', v('d1'), c.build('a'));
    await cache.getOrBuild('b', v('d1'), c.build('b'));
    await cache.getOrBuild('c', v('d1'), c.build('c'));
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.peek('c')).toBe('c#3');
  });
});
