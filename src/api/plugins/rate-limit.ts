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

const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows aligned to the clock, one counter per bucket (an API key, or a client IP
 * for unauthenticated requests). Aligned windows let the whole table be dropped when the minute
 * turns, so memory stays bounded by the callers of one minute.
 */
export class RateLimiter {
  private window = -1;
  private readonly counts = new Map<string, number>();

  constructor(
    readonly limitPerMinute: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (!Number.isInteger(limitPerMinute) || limitPerMinute < 1) throw new Error('rateLimitPerMinute must be a positive integer');
  }

  hit(bucket: string): RateLimitVerdict {
    const now = this.now();
    const window = Math.floor(now / WINDOW_MS);
    if (window !== this.window) {
      this.window = window;
      this.counts.clear();
    }
    const used = (this.counts.get(bucket) ?? 0) + 1;
    this.counts.set(bucket, used);
    const resetAt = (window + 1) * (WINDOW_MS / 1000);
    return {
      limit: this.limitPerMinute,
      remaining: Math.max(0, this.limitPerMinute - used),
      resetAt,
      retryAfter: Math.max(1, Math.ceil(resetAt - now / 1000)),
      allowed: used <= this.limitPerMinute,
    };
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
