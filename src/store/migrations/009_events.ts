import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * The event log behind `/v1/events` and webhooks. `seq` is the store's order of events (what a
 * reconnecting SSE client resumes from); `id` is the uuid clients see and de-duplicate on.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Each dialect's own auto-increment: the one place the two stores need different DDL.
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('events')
    .addColumn('seq', isPostgres ? 'bigserial' : 'integer', (c) => (isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('data_json', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_entity_seq').on('events').columns(['entity_id', 'seq']).execute();
  await db.schema.createIndex('events_subject').on('events').columns(['subject_id', 'seq']).execute();
  await db.schema.createIndex('events_at').on('events').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('events').execute();
}
