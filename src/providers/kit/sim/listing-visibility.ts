/**
 * Real clouds list a new instance late (and some answer 404 to a direct read for a moment too). A simulator
 * asks `listed(id)` for each instance of a listing and `lookable(id)` on a direct read, so a test can make a
 * cloud that lags behind its own creates.
 */
export class ListingVisibility {
  private readonly hidden = new Map<string, { until: number; lookups: boolean }>();
  private next: { ms: number; lookups: boolean; known: Set<string> } | null = null;

  /** Leave one instance out of listings for `ms` (and out of direct reads with `lookups`). */
  hide(id: string, ms: number, options: { lookups?: boolean } = {}): void {
    this.hidden.set(id, { until: Date.now() + ms, lookups: options.lookups ?? false });
  }

  /** The same for the next instance created: the first id not among `known` that a listing or read meets. */
  hideNext(ms: number, known: Iterable<string>, options: { lookups?: boolean } = {}): void {
    this.next = { ms, lookups: options.lookups ?? false, known: new Set(known) };
  }

  listed(id: string): boolean {
    return !this.current(id);
  }

  lookable(id: string): boolean {
    return !this.current(id)?.lookups;
  }

  reset(): void {
    this.hidden.clear();
    this.next = null;
  }

  private current(id: string): { until: number; lookups: boolean } | undefined {
    if (this.next && !this.next.known.has(id)) {
      this.hide(id, this.next.ms, { lookups: this.next.lookups });
      this.next = null;
    }
    const entry = this.hidden.get(id);
    if (entry && entry.until <= Date.now()) {
      this.hidden.delete(id);
      return undefined;
    }
    return entry;
  }
}
