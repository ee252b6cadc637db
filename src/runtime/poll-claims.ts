import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

/**
 * Which replica polls an account's provider. Every replica shares the store, so one list call per account
 * per interval serves them all: the claimant polls and records the sync, the others take the time of that
 * sync from the store (the reconciled rows are there already).
 */
export interface PollClaims {
  /**
   * Claim the next poll of an account. Refused while another replica holds an unexpired claim, or when some
   * replica synced it less than `maxAgeMs` ago.
   */
  claim(accountId: string, maxAgeMs: number): Promise<boolean>;
  /** Keep a claim this replica holds while its poll runs (a heartbeat, every `renewEveryMs`). */
  renew(accountId: string): Promise<void>;
  readonly renewEveryMs: number;
  /** End a claim without a sync (the poll failed). */
  release(accountId: string): Promise<void>;
  /** When any replica last synced the account, in ms since the epoch; undefined when there is no such account. */
  lastSynced(accountId: string): Promise<number | null | undefined>;
}

export class StorePollClaims implements PollClaims {
  readonly renewEveryMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    /**
     * How long a claim holds without a heartbeat. Renewed while the poll runs, so it can be short: a replica that
     * died mid-poll holds the account's polls up for seconds, not for the length of the longest list call.
     */
    private readonly claimMs = 6_000,
    /**
     * This replica, as named in the store. A stable one (per data directory) lets a restarted process take back
     * at once a claim it held when it died.
     */
    readonly replicaId: string = randomUUID(),
  ) {
    this.renewEveryMs = Math.max(20, Math.floor(claimMs / 3));
  }

  async claim(accountId: string, maxAgeMs: number): Promise<boolean> {
    const now = Date.now();
    const nowIso = new Date(now).toISOString();
    // One conditional update: atomic on SQLite and PostgreSQL alike, so two replicas never both win.
    const result = await this.db
      .updateTable('provider_accounts')
      .set({ poll_claimed_by: this.replicaId, poll_claimed_until: new Date(now + this.claimMs).toISOString() })
      .where('id', '=', accountId)
      .where((eb) =>
        eb.or([
          eb('poll_claimed_until', 'is', null),
          eb('poll_claimed_until', '<', nowIso),
          eb('poll_claimed_by', '=', this.replicaId),
        ]),
      )
      .where((eb) =>
        eb.or([eb('last_synced_at', 'is', null), eb('last_synced_at', '<=', new Date(now - maxAgeMs).toISOString())]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async renew(accountId: string): Promise<void> {
    await this.db
      .updateTable('provider_accounts')
      .set({ poll_claimed_until: new Date(Date.now() + this.claimMs).toISOString() })
      .where('id', '=', accountId)
      .where('poll_claimed_by', '=', this.replicaId)
      .execute();
  }

  async release(accountId: string): Promise<void> {
    await this.db
      .updateTable('provider_accounts')
      .set({ poll_claimed_by: null, poll_claimed_until: null })
      .where('id', '=', accountId)
      .where('poll_claimed_by', '=', this.replicaId)
      .execute();
  }

  async lastSynced(accountId: string): Promise<number | null | undefined> {
    const row = await this.db
      .selectFrom('provider_accounts')
      .select('last_synced_at')
      .where('id', '=', accountId)
      .executeTakeFirst();
    if (!row) return undefined;
    return row.last_synced_at ? Date.parse(row.last_synced_at) : null;
  }
}
