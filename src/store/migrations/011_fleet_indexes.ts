import type { Kysely } from 'kysely';

/**
 * Indexes for large fleets. Every status refresh reads one account's live VMs and counts those in
 * transition; the policy engine looks for VMs past their time-to-live or idle. Without these, each of those
 * reads walks every VM ever recorded (tens of milliseconds at 10,000 VMs, on the event loop with SQLite).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('vms_by_account').on('vms').columns(['account_id', 'deleted_at', 'status']).execute();
  await db.schema.createIndex('vms_by_ttl').on('vms').column('ttl_at').execute();
  await db.schema.createIndex('vms_by_idle').on('vms').column('idle_since').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of ['vms_by_idle', 'vms_by_ttl', 'vms_by_account']) await db.schema.dropIndex(name).execute();
}
