import type { Kysely } from 'kysely';

/**
 * Several replicas share one store: the replica that claims an account polls its provider, the others read
 * the result from the store. `poll_claimed_until` bounds a claim, so a replica that dies mid-poll blocks
 * nobody for long.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('provider_accounts').addColumn('poll_claimed_by', 'text').execute();
  await db.schema.alterTable('provider_accounts').addColumn('poll_claimed_until', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('provider_accounts').dropColumn('poll_claimed_until').execute();
  await db.schema.alterTable('provider_accounts').dropColumn('poll_claimed_by').execute();
}
