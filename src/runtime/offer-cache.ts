import type { Kysely, Selectable } from 'kysely';
import type { AccountOffers } from '../catalog/catalog.ts';
import type { ProviderOffer } from '../core/provider/provider.ts';
import type { Logger } from '../logger.ts';
import { SingleFlight } from '../providers/kit/single-flight.ts';
import type { Database, OfferSnapshotTable } from '../store/schema.ts';
import { PeriodicTask } from './periodic.ts';
import type { ProviderPool } from './provider-pool.ts';

interface Entry {
  offers: AccountOffers | null;
  fetchedAt: number;
  error: string | null;
  /** When the account's refreshes started failing (null while they succeed). */
  failingSince: number | null;
}

export interface OfferSnapshot {
  accounts: AccountOffers[];
  /** Age of the oldest account data used, seconds. */
  ageSeconds: number;
  /** Accounts whose last refresh failed (their last good offers, if any, are still used). */
  errors: { accountId: string; provider: string; message: string; since: string | null; hidden: boolean }[];
  /** The cache generation this snapshot was taken at. */
  generation: number;
}

/**
 * Offers and availability of every account, refreshed in the background and answered from memory:
 * requests never wait on a provider except the very first time an account is seen. Snapshots are kept
 * in the store so a restart (or another replica) starts with data.
 */
export class OfferCache {
  private readonly entries = new Map<string, Entry>();
  private readonly flights = new SingleFlight<void>();
  private readonly loop = new PeriodicTask(
    () => this.refreshDue(),
    1_000,
    (error) => this.logger.error('offer refresh round failed', { error: String(error) }),
  );
  /** Provider offer refreshes done so far (for the benchmark's figures). */
  refreshCount = 0;

  constructor(
    private readonly pool: ProviderPool,
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    private readonly options: { refreshEveryMs: number; firstLoadWaitMs: number; failingBoundMs?: number },
  ) {}

  /**
   * Past this, a failing account's last good offers are no longer shown or used as available: twice the
   * refresh period, at most two minutes.
   */
  get failingBoundMs(): number {
    return this.options.failingBoundMs ?? Math.min(2 * this.options.refreshEveryMs, 120_000);
  }

  /** Since when an account's offer refreshes have been failing, or null when they succeed. */
  failingSince(accountId: string): number | null {
    return this.entries.get(accountId)?.failingSince ?? null;
  }

  /** Bumped on every change to the cached offers, so derived views (the catalog) can be reused until then. */
  generation = 0;

  private touch(): void {
    this.generation++;
  }

  async snapshot(): Promise<OfferSnapshot> {
    const accounts = await this.pool.all();
    const missing = accounts.filter((a) => !this.entries.get(a.config.accountId)?.offers);
    if (missing.length > 0) {
      await Promise.race([
        Promise.allSettled(missing.map((a) => this.refresh(a.config.accountId))),
        new Promise((resolve) => setTimeout(resolve, this.options.firstLoadWaitMs)),
      ]);
    }
    const now = Date.now();
    let oldest = now;
    const result: OfferSnapshot = { accounts: [], ageSeconds: 0, errors: [], generation: this.generation };
    for (const account of accounts) {
      const entry = this.entries.get(account.config.accountId);
      const hidden = entry?.failingSince != null && now - entry.failingSince > this.failingBoundMs;
      if (entry?.offers) {
        // A provider that has been failing for a while may have nothing left: its offers stay listed, never available.
        result.accounts.push(
          hidden ? { ...entry.offers, offers: entry.offers.offers.map((o) => ({ ...o, available: false })) } : entry.offers,
        );
        oldest = Math.min(oldest, entry.fetchedAt);
      }
      if (!entry?.offers || entry.error) {
        result.errors.push({
          accountId: account.config.accountId,
          provider: account.definition.id,
          message: entry?.error ?? `${account.definition.displayName} has not answered yet`,
          since: entry?.failingSince ? new Date(entry.failingSince).toISOString() : null,
          hidden,
        });
      }
    }
    result.ageSeconds = Math.round((now - oldest) / 1000);
    return result;
  }

  refresh(accountId: string): Promise<void> {
    return this.flights.run(accountId, async () => {
      const { provider, definition, config } = await this.pool.get(accountId);
      try {
        const offers: ProviderOffer[] = await provider.listOffers();
        this.refreshCount++;
        const data: AccountOffers = {
          accountId,
          provider: definition.id,
          providerDisplayName: definition.displayName,
          capabilities: definition.capabilities,
          offers,
        };
        const fetchedAt = Date.now();
        this.touch();
        this.entries.set(accountId, { offers: data, fetchedAt, error: null, failingSince: null });
        await this.persist(accountId, fetchedAt, offers, null);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const prev = this.entries.get(accountId);
        this.touch();
        this.entries.set(accountId, {
          offers: prev?.offers ?? null,
          fetchedAt: prev?.fetchedAt ?? 0,
          error: message,
          failingSince: prev?.failingSince ?? Date.now(),
        });
        this.logger.warn('offer refresh failed', { accountId, account: config.name, error: message });
      }
    });
  }

  /** Mark one offer unavailable right away after a provider said it has no capacity. */
  markUnavailable(accountId: string, providerSkuId: string, locationCode: string, spot: boolean): void {
    const entry = this.entries.get(accountId);
    for (const offer of entry?.offers?.offers ?? []) {
      if (offer.providerSkuId === providerSkuId && offer.location.code === locationCode && offer.spot === spot)
        offer.available = false;
      this.touch();
    }
  }

  forget(accountId: string): void {
    this.touch();
    this.entries.delete(accountId);
  }

  async loadSnapshots(): Promise<void> {
    const rows = await this.db.selectFrom('offer_snapshots').selectAll().execute();
    const accounts = await this.pool.all().catch(() => []);
    for (const row of rows) {
      const account = accounts.find((a) => a.config.accountId === row.account_id);
      if (!account) continue;
      this.touch();
      this.entries.set(row.account_id, entryFromRow(account, row));
    }
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * Refresh every account whose offers are older than the refresh period, unless another replica already
   * did: its snapshot in the store is taken instead of calling the provider again.
   */
  private async refreshDue(): Promise<void> {
    const accounts = await this.pool.all().catch(() => []);
    const now = Date.now();
    await Promise.allSettled(
      accounts
        .filter((a) => now - (this.entries.get(a.config.accountId)?.fetchedAt ?? 0) >= this.options.refreshEveryMs)
        .map(async (a) => {
          if (!(await this.adoptStored(a, now))) await this.refresh(a.config.accountId);
        }),
    );
  }

  /** Take the stored snapshot of an account when it is fresher than ours and within the refresh period. */
  private async adoptStored(account: PooledAccount, now: number): Promise<boolean> {
    const accountId = account.config.accountId;
    const row = await this.db.selectFrom('offer_snapshots').selectAll().where('account_id', '=', accountId).executeTakeFirst();
    if (!row || row.error) return false;
    const fetchedAt = Date.parse(row.fetched_at);
    if (now - fetchedAt >= this.options.refreshEveryMs || fetchedAt <= (this.entries.get(accountId)?.fetchedAt ?? 0))
      return false;
    this.touch();
    this.entries.set(accountId, entryFromRow(account, row));
    return true;
  }

  private async persist(accountId: string, fetchedAt: number, offers: ProviderOffer[], error: string | null): Promise<void> {
    const values = {
      account_id: accountId,
      fetched_at: new Date(fetchedAt).toISOString(),
      offers_json: JSON.stringify(offers),
      error,
    };
    await this.db
      .insertInto('offer_snapshots')
      .values(values)
      .onConflict((oc) =>
        oc.column('account_id').doUpdateSet({ fetched_at: values.fetched_at, offers_json: values.offers_json, error }),
      )
      .execute();
  }
}

type PooledAccount = Awaited<ReturnType<ProviderPool['all']>>[number];

function entryFromRow(account: PooledAccount, row: Selectable<OfferSnapshotTable>): Entry {
  return {
    offers: {
      accountId: account.config.accountId,
      provider: account.definition.id,
      providerDisplayName: account.definition.displayName,
      capabilities: account.definition.capabilities,
      offers: JSON.parse(row.offers_json) as ProviderOffer[],
    },
    fetchedAt: Date.parse(row.fetched_at),
    error: row.error,
    failingSince: row.error ? Date.parse(row.fetched_at) : null,
  };
}
