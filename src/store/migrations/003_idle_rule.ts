import type { Kysely } from 'kysely';

/**
 * Idle rule: when the provider reports GPU utilisation, `idle_since` records since when a running VM's GPUs
 * have been (almost) unused, and `idle_action` what to do once that lasts `idle_minutes`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('vms').addColumn('idle_since', 'text').execute();
  await db.schema.alterTable('vms').addColumn('idle_action', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('vms').dropColumn('idle_action').execute();
  await db.schema.alterTable('vms').dropColumn('idle_since').execute();
}
