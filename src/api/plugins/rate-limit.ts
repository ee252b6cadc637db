import type { FastifyReply } from 'fastify';
import { AppError } from '../../services/errors.ts';

export interface RateLimitVerdict {
  limit: number;
  remaining: number;
  /** Unix seconds at which the current window ends. */
  resetAt: number;
  /** Seconds until the window ends, at least 1 (the `Retry-After` of a refused request). */
  retryAfter: number;
  allowed: boolean;
}

export const RATE_LIMIT_WINDOW_MS = 60_000;

/** Where replicas add up what each of them counted (the store: `runtime/rate-limit-counts.ts`). */
export interface SharedRateCounts {
  /**
   * Add `increments` (requests per bucket counted by one replica since its last sync) to the window that
   * starts at `windowStartMs`, and return those buckets' totals over every replica, these increments included.
   */
  add(windowStartMs: number, increments: ReadonlyMap<string, number>): Promise<ReadonlyMap<string, number>>;
}

/**
 * Fixed one-minute windows aligned to the clock, one counter per bucket (an API key, or a client IP
 * for unauthenticated requests). Aligned windows let the whole table be dropped when the minute
 * turns, so memory stays bounded by the callers of one minute — and let replicas agree on the window
 * without talking to each other.
 *
 * Replicas share the limit through `sync`, run in the background: a request is decided here, at once,
 * from every replica's total as of the last sync plus what this process counted since. The store is
 * never waited on per request (the request path is benchmarked), at the price of a bounded overshoot:
 * another replica's requests are seen only once it has synced and this one has synced after it, up to two
 * sync intervals late (a burst that reaches every replica at once can get the limit from each meanwhile).
 * A sync brings back the totals of the buckets it sends only: a bucket this process is not counting needs
 * none, and the first sync after it is counted again brings its total. Without syncs — or while the store
 * fails — every request is still counted here, so the limit holds per process as it always did.
 */
export class RateLimiter {
  private window = -1;
  /** Every replica's total per bucket at the last sync, this process's requests sent with it included. */
  private readonly shared = new Map<string, number>();
  /** Requests a sync in progress is adding to the shared counts. */
  private sending: ReadonlyMap<string, number> = new Map();
  /** Requests counted here that no sync has taken yet. */
  private readonly unsent = new Map<string, number>();
  private syncing = false;

  constructor(
    readonly limitPerMinute: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (!Number.isInteger(limitPerMinute) || limitPerMinute < 1) throw new Error('rateLimitPerMinute must be a positive integer');
  }

  hit(bucket: string): RateLimitVerdict {
    const now = this.now();
    const window = this.enterWindow(now);
    const unsent = (this.unsent.get(bucket) ?? 0) + 1;
    this.unsent.set(bucket, unsent);
    const used = (this.shared.get(bucket) ?? 0) + (this.sending.get(bucket) ?? 0) + unsent;
    const resetAt = (window + 1) * (RATE_LIMIT_WINDOW_MS / 1000);
    return {
      limit: this.limitPerMinute,
      remaining: Math.max(0, this.limitPerMinute - used),
      resetAt,
      retryAfter: Math.max(1, Math.ceil(resetAt - now / 1000)),
      allowed: used <= this.limitPerMinute,
    };
  }

  /**
   * Add the requests counted here since the last sync to `counts` and take every replica's totals back.
   * Returns false, without calling `counts`, when there is nothing to add (an idle replica costs the store
   * nothing) or a sync is already in progress. When `counts` fails the requests are kept for the next sync,
   * so none is lost, and the error is thrown; counting goes on here meanwhile.
   */
  async sync(counts: SharedRateCounts): Promise<boolean> {
    if (this.syncing) return false;
    const window = this.enterWindow(this.now());
    if (this.unsent.size === 0) return false;
    const sending = new Map(this.unsent);
    this.unsent.clear();
    this.sending = sending;
    this.syncing = true;
    try {
      const totals = await counts.add(window * RATE_LIMIT_WINDOW_MS, sending);
      // The minute turned meanwhile: these totals are of a window no request is decided in any more.
      if (this.window !== window) return true;
      for (const [bucket, sent] of sending) {
        // A total missing from the answer would be a store fault: keep what is known rather than forget `sent`.
        this.shared.set(bucket, totals.get(bucket) ?? (this.shared.get(bucket) ?? 0) + sent);
      }
      return true;
    } catch (error) {
      // Sent again with the next sync. Should the store have counted them before failing to answer, they
      // are counted twice: a limiter errs on the side of refusing.
      if (this.window === window) {
        for (const [bucket, sent] of sending) this.unsent.set(bucket, (this.unsent.get(bucket) ?? 0) + sent);
      }
      throw error;
    } finally {
      if (this.sending === sending) this.sending = new Map();
      this.syncing = false;
    }
  }

  /** The window of `now`; a new one starts every bucket from nothing. */
  private enterWindow(now: number): number {
    const window = Math.floor(now / RATE_LIMIT_WINDOW_MS);
    if (window !== this.window) {
      this.window = window;
      this.shared.clear();
      this.sending = new Map();
      this.unsent.clear();
    }
    return window;
  }
}

export function applyRateLimitHeaders(reply: FastifyReply, verdict: RateLimitVerdict): void {
  reply.header('x-ratelimit-limit', verdict.limit);
  reply.header('x-ratelimit-remaining', verdict.remaining);
  reply.header('x-ratelimit-reset', verdict.resetAt);
  if (!verdict.allowed) reply.header('retry-after', verdict.retryAfter);
}

export function rateLimitedError(verdict: RateLimitVerdict): AppError {
  return new AppError(
    429,
    'RATE_LIMITED',
    `Rate limit of ${verdict.limit} requests per minute exceeded; retry after the window resets`,
  );
}
