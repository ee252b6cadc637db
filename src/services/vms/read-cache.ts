/**
 * What a cached read was built from. `data` changes when a stored row it shows changes (a status, a name);
 * `sync` changes when a provider account merely confirmed its VMs again, which moves only `syncedAt`.
 */
export interface ReadVersion {
  data: string;
  sync: string;
}

interface Entry<T> {
  version: ReadVersion;
  builtAt: number;
  value: T;
}

/**
 * Read results (listing pages, single VMs) answered from memory while nothing they show can have changed.
 *
 * - Fresh: built from the current data and sync version, less than `ttlMs` ago (accrued cost grows with
 *   time, so even an unchanged entry is rebuilt that often).
 * - Stale but servable: the stored rows are unchanged and only time or a provider confirmation moved on,
 *   within `staleMs` of the build. The entry is served at once and rebuilt in the background, because every
 *   account sync would otherwise make every cached page rebuild on the request path at the same moment.
 * - Anything else is built on the request path; concurrent readers of one key and version share one build.
 */
export class ReadCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly building = new Map<string, { version: ReadVersion; promise: Promise<T> }>();
  private readonly refreshQueue = new Map<string, { version: ReadVersion; build: () => Promise<T> }>();
  private draining = false;

  constructor(private readonly options: { ttlMs: number; staleMs: number; maxEntries: number }) {}

  async getOrBuild(key: string, version: ReadVersion, build: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && entry.version.data === version.data) {
      const age = Date.now() - entry.builtAt;
      if (entry.version.sync === version.sync && age <= this.options.ttlMs) return entry.value;
      if (age <= this.options.staleMs) {
        this.refreshLater(key, version, build);
        return entry.value;
      }
    }
    const inFlight = this.building.get(key);
    if (inFlight && sameVersion(inFlight.version, version)) return inFlight.promise;
    return this.buildNow(key, version, build);
  }

  /** The last value built for a key, whatever its version or age. */
  peek(key: string): T | undefined {
    return this.entries.get(key)?.value;
  }

  private async buildNow(key: string, version: ReadVersion, build: () => Promise<T>): Promise<T> {
    const promise = build();
    this.building.set(key, { version, promise });
    try {
      const value = await promise;
      this.set(key, version, value);
      return value;
    } finally {
      if (this.building.get(key)?.promise === promise) this.building.delete(key);
    }
  }

  private set(key: string, version: ReadVersion, value: T): void {
    if (this.entries.size >= this.options.maxEntries) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(key);
    this.entries.set(key, { version, builtAt: Date.now(), value });
  }

  /**
   * Background rebuilds run one per turn of the event loop, so requests waiting in between are answered
   * between two rebuilds instead of after all of them.
   */
  private refreshLater(key: string, version: ReadVersion, build: () => Promise<T>): void {
    this.refreshQueue.set(key, { version, build });
    if (this.draining) return;
    this.draining = true;
    const next = (): void => {
      const first = this.refreshQueue.entries().next();
      if (first.done) {
        this.draining = false;
        return;
      }
      const [queuedKey, job] = first.value;
      this.refreshQueue.delete(queuedKey);
      const current = this.entries.get(queuedKey);
      const inFlight = this.building.get(queuedKey);
      const needed =
        !(current && sameVersion(current.version, job.version) && Date.now() - current.builtAt <= this.options.ttlMs) &&
        !(inFlight && sameVersion(inFlight.version, job.version));
      const done = needed ? this.buildNow(queuedKey, job.version, job.build) : Promise.resolve();
      // A failed background rebuild leaves the entry to age out; the next reader builds it on its path.
      done.catch(() => undefined).finally(() => setImmediate(next));
    };
    setImmediate(next);
  }
}

function sameVersion(a: ReadVersion, b: ReadVersion): boolean {
  return a.data === b.data && a.sync === b.sync;
}
