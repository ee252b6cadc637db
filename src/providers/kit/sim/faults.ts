/**
 * The fault and inspection state every simulator shares. A simulator calls `admit()` at the start of each
 * request and renders the decision in its own provider's wire format (Verda's `{code,message}`,
 * RunPod's GraphQL `errors`, Fluidstack's `{message}`).
 */
import { ListingVisibility } from './listing-visibility.ts';

export type Admission = { kind: 'ok' } | { kind: 'error' } | { kind: 'rate_limited'; retryAfterSec: number };

export class FaultState {
  errorRate = 0;
  latencyMs = 0;
  private rateLimitRemaining = 0;
  private rateLimitRetryAfterSec = 1;
  private malformRemaining = 0;
  private readonly counts = new Map<string, number>();
  /** Instances left out of listings for a while (see `SimulatorControl.hideFromListing`). */
  readonly listing = new ListingVisibility();

  constructor(private readonly random: () => number = Math.random) {}

  setFaults(faults: { errorRate?: number; latencyMs?: number }): void {
    if (faults.errorRate !== undefined) this.errorRate = Math.min(1, Math.max(0, faults.errorRate));
    if (faults.latencyMs !== undefined) this.latencyMs = Math.max(0, faults.latencyMs);
  }

  rateLimitNext(count: number, retryAfterSec = 1): void {
    this.rateLimitRemaining = Math.max(0, count);
    this.rateLimitRetryAfterSec = retryAfterSec;
  }

  malformNext(count: number): void {
    this.malformRemaining = Math.max(0, count);
  }

  pending(): { rateLimited: number; malformed: number } {
    return { rateLimited: this.rateLimitRemaining, malformed: this.malformRemaining };
  }

  /** True once for each response that must be corrupted. */
  takeMalformed(): boolean {
    if (this.malformRemaining <= 0) return false;
    this.malformRemaining--;
    return true;
  }

  reset(): void {
    this.errorRate = 0;
    this.latencyMs = 0;
    this.rateLimitRemaining = 0;
    this.malformRemaining = 0;
    this.listing.reset();
  }

  /** Count the request, wait the injected latency, then say whether to serve it. */
  async admit(routeKey: string): Promise<Admission> {
    this.counts.set(routeKey, (this.counts.get(routeKey) ?? 0) + 1);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (this.rateLimitRemaining > 0) {
      this.rateLimitRemaining--;
      return { kind: 'rate_limited', retryAfterSec: this.rateLimitRetryAfterSec };
    }
    if (this.errorRate > 0 && this.random() < this.errorRate) return { kind: 'error' };
    return { kind: 'ok' };
  }

  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
