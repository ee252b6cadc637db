import type { Kysely } from 'kysely';

/**
 * What runs on a VM: a library of startup scripts, and on each VM the script it was ordered with (its text
 * is kept, so deleting a library script never changes a VM still being placed), its environment (secret
 * values sealed apart from the plain ones), the ports it exposes and where a provider reports them reachable.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('startup_scripts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('script', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  for (const column of [
    'startup_script_id',
    'startup_script_name',
    'startup_script',
    'env_json',
    'secret_env_enc',
    'ports_json',
    'endpoints_json',
  ]) {
    await db.schema.alterTable('vms').addColumn(column, 'text').execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of [
    'endpoints_json',
    'ports_json',
    'secret_env_enc',
    'env_json',
    'startup_script',
    'startup_script_name',
    'startup_script_id',
  ]) {
    await db.schema.alterTable('vms').dropColumn(column).execute();
  }
  await db.schema.dropTable('startup_scripts').execute();
}
