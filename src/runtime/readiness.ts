import { type Kysely, sql } from 'kysely';
import type { ReadinessReport, ReadinessStatus } from '../contract/health.ts';
import type { Database } from '../store/schema.ts';

/** A store that takes longer than this for `SELECT 1` is as good as down for a load balancer. */
const STORE_TIMEOUT_MS = 2_000;

/** What the status refresher knows of its own polls (this replica), beside what the store records for all. */
export interface SyncFailures {
  failure(accountId: string): { message: string; since: number } | null;
}

/**
 * Readiness from what gpufleet already knows, never a provider call per probe: one trivial store query
 * (bounded by a timeout) and each enabled account's last sync as recorded by whichever replica polled it.
 * An account that was never synced is `pending` and does not make the replica unready (a fresh start must
 * not flap); one whose last sync failed is `failing`.
 */
export async function checkReadiness(db: Kysely<Database>, polls: SyncFailures): Promise<ReadinessReport> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const rows = await Promise.race([
      (async () => {
        await sql`select 1`.execute(db);
        return db
          .selectFrom('provider_accounts')
          .select(['id', 'name', 'provider', 'health', 'last_synced_at'])
          .where('deleted_at', 'is', null)
          .where('enabled', '=', 1)
          .orderBy('provider')
          .orderBy('name')
          .execute();
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('store timed out')), STORE_TIMEOUT_MS);
      }),
    ]);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const accounts = rows.map((row) => ({
      name: row.name,
      provider: row.provider,
      status: accountStatus(row.health, row.last_synced_at, polls.failure(row.id)),
      health: row.health,
      lastSyncedAt: row.last_synced_at,
    }));
    return { ready: accounts.every((a) => a.status !== 'failing'), store: { status: 'ok', latencyMs }, accounts };
  } catch {
    return { ready: false, store: { status: 'failing', latencyMs: Math.round(performance.now() - started) }, accounts: [] };
  } finally {
    clearTimeout(timer);
  }
}

function accountStatus(health: string, lastSyncedAt: string | null, failure: { since: number } | null): ReadinessStatus {
  if (health === 'auth_failed' || health === 'unreachable') return 'failing';
  // This replica's polls fail, and no replica has synced the account since they started failing.
  if (failure && (!lastSyncedAt || Date.parse(lastSyncedAt) < failure.since)) return 'failing';
  return lastSyncedAt ? 'ok' : 'pending';
}
