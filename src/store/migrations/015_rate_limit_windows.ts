import type { Kysely } from 'kysely';

/**
 * API requests counted per rate-limit bucket (`key:<apiKeyId>` or `ip:<addr>`) and one-minute window,
 * shared by every replica: each adds what it counted since its last sync and reads the total back.
 * Rows of windows before the previous one are deleted as the minutes turn, so the table holds about
 * two minutes of callers.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rate_limit_windows')
    // The window's start, ISO-8601 UTC like every timestamp in the store (sortable, so old ones delete by range).
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('bucket', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limit_windows_pk', ['window_start', 'bucket'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limit_windows').execute();
}
