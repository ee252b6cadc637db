/**
 * Read what a provider says about its remaining request budget, in any of the common spellings:
 * - IETF draft `RateLimit: "project";r=486;t=37, "endpoint";r=48;t=37` (Verda): the tightest item wins;
 * - `RateLimit-Remaining` / `RateLimit-Reset` (seconds until reset);
 * - `X-RateLimit-Remaining` / `X-RateLimit-Reset` (Unix seconds or seconds until reset).
 */
export function parseRateLimitHeaders(headers: Headers): { remaining: number; resetSec: number } | null {
  const structured = headers.get('ratelimit');
  if (structured) {
    let best: { remaining: number; resetSec: number } | null = null;
    for (const item of structured.split(',')) {
      const r = /;\s*r=(\d+)/.exec(item);
      const t = /;\s*t=(\d+)/.exec(item);
      if (!r) continue;
      const entry = { remaining: Number(r[1]), resetSec: t ? Number(t[1]) : 0 };
      if (!best || entry.remaining < best.remaining) best = entry;
    }
    if (best) return best;
  }
  for (const prefix of ['ratelimit-', 'x-ratelimit-']) {
    const remaining = headers.get(`${prefix}remaining`);
    if (remaining === null) continue;
    const resetRaw = Number(headers.get(`${prefix}reset`) ?? 0);
    const nowSec = Date.now() / 1000;
    // Large values are absolute Unix times; small ones are deltas.
    const resetSec = resetRaw > 1e9 ? Math.max(0, resetRaw - nowSec) : resetRaw;
    return { remaining: Number(remaining), resetSec };
  }
  return null;
}
