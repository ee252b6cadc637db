import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Replicas, startPgReplicas } from '../support/replicas.ts';

const LIMIT = 20;
const SYNC_MS = 200;
/** The gap between one answer and the next request, so the replicas' syncs have a known rate to keep up with. */
const PACE_MS = 100;
const REQUESTS = 50;
/**
 * How long after the limit is reached a replica may still allow a request: it has seen the other replica's
 * requests only up to the other's last sync before its own, so up to two sync intervals, plus the syncs' own
 * round trips and timers running late on a loaded machine. Over the limit by at most what is sent meanwhile.
 */
const SLACK_MS = 2 * SYNC_MS + 500;
const MAX_ALLOWED = LIMIT + Math.ceil(SLACK_MS / PACE_MS);

interface Answer {
  replica: number;
  sentAt: number;
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

describe('the API rate limit across two replicas on one PostgreSQL store', () => {
  let cluster: Replicas;
  let replicas: Replicas['replicas'];
  const adminKey = 'gf_rate_limit_replicas_admin_key_00';

  beforeAll(async () => {
    cluster = await startPgReplicas(2, { adminKey, rateLimitPerMinute: LIMIT, timing: { rateLimitSyncMs: SYNC_MS } });
    replicas = cluster.replicas;
  });
  afterAll(async () => cluster?.close());

  it(`refuses one key's requests spread over both after about ${LIMIT} in total, in GPCN's error envelope`, async () => {
    // The whole run in one window: a minute that turns midway would start the count over.
    const runMs = REQUESTS * (PACE_MS + 50) + 2_000;
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 60_000 - runMs) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));

    const answers: Answer[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const replica = i % 2;
      const sentAt = Date.now();
      const res = await fetch(`${replicas[replica]!.url}/v1/resource/ssh-keys`, { headers: { 'X-API-Key': adminKey } });
      answers.push({ replica, sentAt, status: res.status, headers: res.headers, body: await res.json() });
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
    expect(new Set(answers.map((a) => a.headers.get('x-ratelimit-reset'))).size, 'all in one window').toBe(1);

    // Never refused under the limit: the shared totals only ever hold requests that were made.
    expect(answers.slice(0, LIMIT).map((a) => a.status)).toEqual(Array(LIMIT).fill(200));
    // Each replica alone would allow LIMIT, 2 × LIMIT together; shared, the overshoot is what the slack allows.
    const allowed = answers.filter((a) => a.status === 200);
    expect(allowed.length).toBeLessThanOrEqual(MAX_ALLOWED);
    const limitReachedAt = answers[LIMIT - 1]!.sentAt;
    for (const late of allowed.slice(LIMIT)) expect(late.sentAt - limitReachedAt).toBeLessThan(SLACK_MS);
    const afterSlack = answers.filter((a) => a.sentAt - limitReachedAt >= SLACK_MS);
    expect(new Set(afterSlack.map((a) => a.replica))).toEqual(new Set([0, 1]));
    expect(afterSlack.map((a) => a.status)).toEqual(Array(afterSlack.length).fill(429));

    for (const refused of answers.filter((a) => a.status === 429)) {
      expect(refused.body).toEqual({ success: false, error: 'RATE_LIMITED', message: expect.any(String) });
      expect(refused.headers.get('x-ratelimit-limit')).toBe(String(LIMIT));
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`).toBe(true);
      const secondsLeft = Number(refused.headers.get('x-ratelimit-reset')) - refused.sentAt / 1000;
      expect(Math.abs(retryAfter - secondsLeft)).toBeLessThanOrEqual(1);
    }
  });
});
