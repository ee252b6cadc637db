/**
 * One value fetched at most once per `ttlMs`, with callers arriving during a fetch sharing it. For catalog
 * data that changes rarely (instance types, locations, images), never for availability or instances.
 */
export class Cached<T> {
  private value: { data: T; expiresAt: number } | null = null;
  private pending: Promise<T> | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly load: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    if (this.value && Date.now() < this.value.expiresAt) return Promise.resolve(this.value.data);
    if (!this.pending) {
      this.pending = this.load()
        .then((data) => {
          this.value = { data, expiresAt: Date.now() + this.ttlMs };
          return data;
        })
        .finally(() => {
          this.pending = null;
        });
    }
    return this.pending;
  }

  clear(): void {
    this.value = null;
  }
}
