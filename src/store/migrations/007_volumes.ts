import type { Kysely } from 'kysely';

/**
 * Volumes: persistent storage at a provider that outlives the VMs it is attached to. A row is written before
 * the provider is asked to create the volume (the intent), so a crash in between leaves a row that the next
 * listing adopts by its tag, never a volume nobody knows about. `vm_volumes` keeps which VM a volume was
 * attached to and when; a row whose `detached_at` is null is a current attachment.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('volumes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('created_by_key_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('location_code', 'text', (c) => c.notNull())
    .addColumn('datacenter_id', 'text', (c) => c.notNull())
    .addColumn('datacenter_code', 'text', (c) => c.notNull())
    .addColumn('datacenter_name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('size_gb', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('provider_status', 'text')
    .addColumn('provider_volume_id', 'text')
    .addColumn('price_per_gb_month', 'double precision')
    .addColumn('price_currency', 'text')
    .addColumn('resource_group_id', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('delete_requested_at', 'text')
    .addColumn('deleted_at', 'text')
    .addColumn('synced_at', 'text')
    .execute();
  await db.schema.createIndex('volumes_by_account').on('volumes').columns(['account_id', 'deleted_at']).execute();
  await db.schema.createIndex('volumes_by_created').on('volumes').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('vm_volumes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vm_id', 'text', (c) => c.notNull())
    .addColumn('volume_id', 'text', (c) => c.notNull())
    .addColumn('attached_at', 'text', (c) => c.notNull())
    .addColumn('detached_at', 'text')
    .execute();
  await db.schema.createIndex('vm_volumes_by_vm').on('vm_volumes').columns(['vm_id', 'detached_at']).execute();
  await db.schema.createIndex('vm_volumes_by_volume').on('vm_volumes').columns(['volume_id', 'detached_at']).execute();

  await db.schema
    .createTable('foreign_volumes')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('provider_volume_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('provider_status', 'text', (c) => c.notNull())
    .addColumn('gpufleet_id', 'text')
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('info_json', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('foreign_volumes_pk', ['account_id', 'provider_volume_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('foreign_volumes').execute();
  await db.schema.dropTable('vm_volumes').execute();
  await db.schema.dropTable('volumes').execute();
}
