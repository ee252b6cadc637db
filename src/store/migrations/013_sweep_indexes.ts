import type { Kysely } from 'kysely';

/**
 * Indexes the 10,000-VM bench showed missing (SQLite reads run on the event loop, so a slow one stalls
 * every request meanwhile):
 * - an account's live VMs are read in slices ordered by id; with only (account, deleted, status) each slice
 *   sorted all of the account's VMs again (12 ms a slice at 3,334 VMs);
 * - the TTL and idle sweeps filter on "not deleted" plus a range; with the range column alone the planner
 *   took the listing index and walked every live VM (10 ms a sweep).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('vms_live_by_account').on('vms').columns(['account_id', 'deleted_at', 'id']).execute();
  await db.schema.dropIndex('vms_by_ttl').execute();
  await db.schema.createIndex('vms_live_by_ttl').on('vms').columns(['deleted_at', 'ttl_at']).execute();
  await db.schema.dropIndex('vms_by_idle').execute();
  await db.schema.createIndex('vms_live_by_idle').on('vms').columns(['deleted_at', 'status', 'idle_since']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('vms_live_by_idle').execute();
  await db.schema.createIndex('vms_by_idle').on('vms').column('idle_since').execute();
  await db.schema.dropIndex('vms_live_by_ttl').execute();
  await db.schema.createIndex('vms_by_ttl').on('vms').column('ttl_at').execute();
  await db.schema.dropIndex('vms_live_by_account').execute();
}
