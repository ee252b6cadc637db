/**
 * Verda's documented limits: per project in fixed windows, 500 requests per minute for the project and 60
 * per (method, full path), with route overrides (120 for `GET /instances` and `GET /volumes`). The
 * endpoint key includes the full path, so each `GET /instances/{id}` has its own bucket.
 */
export interface RateLimitPolicy {
  windowSec: number;
  projectQuota: number;
  endpointQuota: number;
  /** Endpoint quota by `METHOD /v1/path`. */
  overrides: Record<string, number>;
}

export const VERDA_RATE_LIMITS: RateLimitPolicy = {
  windowSec: 60,
  projectQuota: 500,
  endpointQuota: 60,
  overrides: { 'GET /v1/instances': 120, 'GET /v1/volumes': 120 },
};

interface Bucket {
  startedAt: number;
  count: number;
}

export interface RateDecision {
  allowed: boolean;
  /** `RateLimit-Policy` and `RateLimit`, sent on every authenticated answer. */
  headers: Record<string, string>;
  retryAfterSec: number;
}

export class RateLimiter {
  private project: Bucket | null = null;
  private readonly endpoints = new Map<string, Bucket>();

  constructor(private readonly policy: RateLimitPolicy) {}

  /** Count one authenticated request to `endpointKey` (`GET /v1/instances/…`), or refuse it. */
  take(endpointKey: string): RateDecision {
    const now = Date.now();
    const windowMs = this.policy.windowSec * 1000;
    this.project = this.current(this.project, now, windowMs);
    const endpoint = this.current(this.endpoints.get(endpointKey) ?? null, now, windowMs);
    this.endpoints.set(endpointKey, endpoint);
    if (this.endpoints.size > 5_000) this.prune(now, windowMs);

    const endpointQuota = this.policy.overrides[endpointKey] ?? this.policy.endpointQuota;
    const resetSec = (bucket: Bucket) => Math.max(1, Math.ceil((bucket.startedAt + windowMs - now) / 1000));
    const allowed = this.project.count < this.policy.projectQuota && endpoint.count < endpointQuota;
    if (allowed) {
      this.project.count++;
      endpoint.count++;
    }
    const projectLeft = this.policy.projectQuota - this.project.count;
    const endpointLeft = endpointQuota - endpoint.count;
    const headers = {
      'RateLimit-Policy': `"project";q=${this.policy.projectQuota};w=${this.policy.windowSec}, "endpoint";q=${endpointQuota};w=${this.policy.windowSec}`,
      RateLimit: `"project";r=${Math.max(0, projectLeft)};t=${resetSec(this.project)}, "endpoint";r=${Math.max(0, endpointLeft)};t=${resetSec(endpoint)}`,
    };
    let retryAfterSec = 0;
    if (!allowed) {
      if (projectLeft <= 0) retryAfterSec = Math.max(retryAfterSec, resetSec(this.project));
      if (endpointLeft <= 0) retryAfterSec = Math.max(retryAfterSec, resetSec(endpoint));
    }
    return { allowed, headers, retryAfterSec };
  }

  private current(bucket: Bucket | null, now: number, windowMs: number): Bucket {
    return bucket && now < bucket.startedAt + windowMs ? bucket : { startedAt: now, count: 0 };
  }

  private prune(now: number, windowMs: number): void {
    for (const [key, bucket] of this.endpoints) if (now >= bucket.startedAt + windowMs) this.endpoints.delete(key);
  }
}
