import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

/** Rows per statement: well under PostgreSQL's 65,535 and SQLite's 32,766 bound parameters (3 a row). */
const ROWS_PER_STATEMENT = 1_000;

/**
 * Every replica's rate-limit counts, in the store (`rate_limit_windows`, migration 015). Each sync adds a
 * replica's increments with one upsert per batch that returns the new totals, so a sync costs one round
 * trip. Rows of windows before the previous one are deleted once per window (the previous stays for a
 * replica whose clock is a little behind); every replica does it, and a delete of rows already gone is a
 * no-op, so they need no coordination.
 */
export class StoreRateCounts {
  /** Rows of windows that started before this are already deleted. */
  private prunedBefore = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly windowMs: number,
  ) {}

  async add(windowStartMs: number, increments: ReadonlyMap<string, number>): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    if (increments.size === 0) return totals;
    // Before the upsert: a failure here fails the sync before anything is counted, so nothing is counted twice.
    await this.prune(windowStartMs - this.windowMs);
    const windowStart = new Date(windowStartMs).toISOString();
    // Always in the same order, so two replicas' upserts lock shared rows in the same order and cannot deadlock.
    const rows = [...increments]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([bucket, count]) => ({ window_start: windowStart, bucket, count }));
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const added = await this.db
        .insertInto('rate_limit_windows')
        .values(rows.slice(i, i + ROWS_PER_STATEMENT))
        .onConflict((oc) =>
          oc
            .columns(['window_start', 'bucket'])
            .doUpdateSet((eb) => ({ count: eb('rate_limit_windows.count', '+', eb.ref('excluded.count')) })),
        )
        .returning(['bucket', 'count'])
        .execute();
      for (const row of added) totals.set(row.bucket, Number(row.count));
    }
    return totals;
  }

  private async prune(beforeMs: number): Promise<void> {
    if (beforeMs <= this.prunedBefore) return;
    await this.db.deleteFrom('rate_limit_windows').where('window_start', '<', new Date(beforeMs).toISOString()).execute();
    this.prunedBefore = beforeMs;
  }
}
