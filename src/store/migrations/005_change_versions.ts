import type { Kysely } from 'kysely';

/**
 * A counter per kind of record whose change every replica must see at once (API keys: a suspended,
 * rotated or revoked key must stop working everywhere). A replica compares one row instead of re-reading
 * what it caches.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('change_versions')
    .addColumn('scope', 'text', (c) => c.primaryKey())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('change_versions').execute();
}
