import type { Kysely } from 'kysely';

/**
 * The VM listing sorts by a column and breaks ties by id in the same direction; with the id in the index
 * the database walks the index instead of sorting every row. `updated_at` gives the listing cache its
 * cheap "has anything changed" probe.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('vms_listing_created').on('vms').columns(['deleted_at', 'created_at', 'id']).execute();
  await db.schema.createIndex('vms_updated').on('vms').column('updated_at').execute();
  await db.schema.dropIndex('vms_listing').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('vms_listing').on('vms').columns(['deleted_at', 'created_at']).execute();
  await db.schema.dropIndex('vms_updated').execute();
  await db.schema.dropIndex('vms_listing_created').execute();
}
