/**
 * Listing pages answered from memory while nothing they show can have changed: an entry is used only
 * when the data version it was built from is still current, and never after `ttlMs` (accrued cost grows
 * with time, so even an unchanged page is rebuilt at least that often).
 */
export class ListingCache<T> {
  private readonly entries = new Map<string, { version: string; builtAt: number; value: T }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1_000,
  ) {}

  get(key: string, version: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.version !== version || Date.now() - entry.builtAt > this.ttlMs) return undefined;
    return entry.value;
  }

  set(key: string, version: string, value: T): void {
    if (this.entries.size >= this.maxEntries) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(key);
    this.entries.set(key, { version, builtAt: Date.now(), value });
  }
}
