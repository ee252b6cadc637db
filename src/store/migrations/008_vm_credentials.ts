import type { Kysely } from 'kysely';

/**
 * Credentials generated for one VM and the container template it starts from. The private key of a pair
 * generated at order time lives, sealed, in the existing `stored_private_key_enc` (with
 * `has_stored_credentials`); `generated_public_key` keeps its public half, installed on the machine beside
 * the order's library key. Both are cleared once the VM is destroyed. `template_id` is a provider template
 * (RunPod) for container machines.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('vms').addColumn('generated_public_key', 'text').execute();
  await db.schema.alterTable('vms').addColumn('template_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('vms').dropColumn('template_id').execute();
  await db.schema.alterTable('vms').dropColumn('generated_public_key').execute();
}
