import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store/database.ts';
import type { Database } from '../store/schema.ts';

/**
 * Serialise, inside a transaction, the writers that check-then-write one kind of record (unique names,
 * a single default key), so two concurrent requests cannot both pass the check. PostgreSQL takes a
 * transaction-scoped advisory lock; SQLite needs nothing, as its writers already run one at a time.
 */
export async function lockForWrite(trx: Kysely<Database>, dialect: Dialect, scope: string): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(hashtext(${scope}))`.execute(trx);
}
