import type { Kysely } from 'kysely';

/** The first schema. Column types are ones SQLite and PostgreSQL both read the same way. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('suspended_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('last_used_at', 'text')
    .execute();

  await db.schema
    .createTable('provider_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('base_url', 'text', (c) => c.notNull())
    .addColumn('credentials_enc', 'text', (c) => c.notNull())
    .addColumn('settings_json', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('is_sandbox', 'integer', (c) => c.notNull())
    .addColumn('health', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('last_synced_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();

  await db.schema
    .createTable('ssh_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('algorithm_display_name', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();

  await db.schema
    .createTable('resource_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('budget_monthly_amount', 'double precision')
    .addColumn('budget_currency', 'text')
    .addColumn('budget_warn_percent', 'integer')
    .addColumn('budget_action', 'text')
    .addColumn('budget_warned_month', 'text')
    .addColumn('budget_enforced_month', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();

  await db.schema
    .createTable('vms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('created_by_key_id', 'text')
    .addColumn('account_id', 'text')
    .addColumn('provider', 'text')
    .addColumn('provider_instance_id', 'text')
    .addColumn('provider_sku_id', 'text')
    .addColumn('location_code', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('provider_status', 'text')
    .addColumn('status_reason', 'text')
    .addColumn('desired_state', 'text', (c) => c.notNull())
    .addColumn('series_id', 'text', (c) => c.notNull())
    .addColumn('series_code', 'text', (c) => c.notNull())
    .addColumn('series_name', 'text', (c) => c.notNull())
    .addColumn('gpu_count', 'integer', (c) => c.notNull())
    .addColumn('cpu', 'integer', (c) => c.notNull())
    .addColumn('ram_gib', 'integer', (c) => c.notNull())
    .addColumn('disk_gb', 'integer', (c) => c.notNull())
    .addColumn('sku_id', 'text')
    .addColumn('sku_code', 'text')
    .addColumn('datacenter_id', 'text', (c) => c.notNull())
    .addColumn('datacenter_code', 'text', (c) => c.notNull())
    .addColumn('datacenter_name', 'text', (c) => c.notNull())
    .addColumn('datacenter_region', 'text', (c) => c.notNull())
    .addColumn('datacenter_country', 'text', (c) => c.notNull())
    .addColumn('datacenter_country_abbr', 'text', (c) => c.notNull())
    .addColumn('image', 'text', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('ip_is_private', 'integer', (c) => c.notNull())
    .addColumn('ssh_port', 'integer')
    .addColumn('jupyter_url', 'text')
    .addColumn('ssh_key_id', 'text')
    .addColumn('resource_group_id', 'text')
    .addColumn('spot', 'integer', (c) => c.notNull())
    .addColumn('machine_kind', 'text', (c) => c.notNull())
    .addColumn('price_amount', 'double precision')
    .addColumn('price_currency', 'text')
    .addColumn('bills_while_stopped', 'integer', (c) => c.notNull())
    .addColumn('has_stored_credentials', 'integer', (c) => c.notNull())
    .addColumn('stored_private_key_enc', 'text')
    .addColumn('ttl_at', 'text')
    .addColumn('ttl_action', 'text')
    .addColumn('idle_minutes', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .addColumn('synced_at', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('vms_account_instance').on('vms').columns(['account_id', 'provider_instance_id']).execute();
  await db.schema.createIndex('vms_listing').on('vms').columns(['deleted_at', 'created_at']).execute();
  await db.schema.createIndex('vms_resource_group').on('vms').column('resource_group_id').execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vm_id', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('progress', 'integer', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('attempts_json', 'text', (c) => c.notNull())
    .addColumn('payload_json', 'text', (c) => c.notNull())
    .addColumn('can_retry', 'integer', (c) => c.notNull())
    .addColumn('api_key_id', 'text')
    .addColumn('run_after', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('deadline_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute();
  await db.schema.createIndex('jobs_runnable').on('jobs').columns(['state', 'run_after']).execute();
  await db.schema.createIndex('jobs_vm').on('jobs').column('vm_id').execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('api_key_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('vm_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['api_key_id', 'key'])
    .execute();

  await db.schema
    .createTable('vm_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vm_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('data_json', 'text')
    .execute();
  await db.schema.createIndex('vm_events_vm').on('vm_events').columns(['vm_id', 'at']).execute();

  await db.schema
    .createTable('foreign_instances')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('provider_instance_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('provider_status', 'text', (c) => c.notNull())
    .addColumn('gpufleet_id', 'text')
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('info_json', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('foreign_instances_pk', ['account_id', 'provider_instance_id'])
    .execute();

  await db.schema
    .createTable('billing_segments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vm_id', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .addColumn('price_amount', 'double precision', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('billing_segments_vm').on('billing_segments').columns(['vm_id', 'started_at']).execute();

  await db.schema
    .createTable('offer_snapshots')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('fetched_at', 'text', (c) => c.notNull())
    .addColumn('offers_json', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'offer_snapshots',
    'billing_segments',
    'foreign_instances',
    'vm_events',
    'idempotency_keys',
    'jobs',
    'vms',
    'resource_groups',
    'ssh_keys',
    'provider_accounts',
    'api_keys',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
