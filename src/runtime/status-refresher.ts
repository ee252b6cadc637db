import { isProviderError } from '../core/provider/errors.ts';
import type { Provider } from '../core/provider/provider.ts';
import type { Logger } from '../logger.ts';
import { SingleFlight } from '../providers/kit/single-flight.ts';
import { PeriodicTask } from './periodic.ts';
import type { PollClaims } from './poll-claims.ts';
import type { ProviderPool } from './provider-pool.ts';
import type { Reconciler } from './reconcile.ts';
import type { VolumeReconciler } from './volume-reconcile.ts';

export interface RefresherOptions {
  /** A read is never served from data older than this (GPCN's "real-time from provider"). */
  maxStalenessMs: number;
  /** Poll period while a VM of the account is changing state. */
  fastIntervalMs: number;
  /** Poll period otherwise; below `maxStalenessMs` so reads rarely have to wait. */
  slowIntervalMs: number;
  /** Longest a read waits for a refresh before answering with what it has. */
  readWaitMs: number;
}

export interface AccountHealthSink {
  markHealth(accountId: string, health: 'ok' | 'auth_failed' | 'unreachable', lastError: string | null): Promise<void>;
  markSynced(accountId: string, at: string): Promise<void>;
}

/**
 * How often the volumes of an account where nothing is changing are listed anyway: to notice a volume deleted
 * or attached outside gpufleet, and unmanaged ones. Changes gpufleet makes are followed on every poll.
 */
const VOLUME_SETTLED_INTERVAL_MS = 60_000;

/** How often a replica waiting on another's poll looks for its result. */
const CLAIM_RETRY_MS = 100;

interface AccountState {
  lastSyncedAt: number;
  /** Health was recorded as ok since the last failure. */
  healthy?: boolean;
  transitional: boolean;
  lastError: string | null;
  /** When the account's polls started failing (null while they succeed). */
  failingSince?: number | null;
  /** When the account's volumes were last listed, and whether one of them is changing. */
  volumesSyncedAt?: number;
  volumesTransitional?: boolean;
}

/**
 * Keeps every account's VM statuses current with ONE list call per account per refresh, whoever asks:
 * the background loop and every concurrent reader share the same in-flight call, and with several
 * replicas on one store only the replica holding the account's poll claim calls the provider.
 */
export class StatusRefresher {
  private readonly state = new Map<string, AccountState>();
  private readonly flights = new SingleFlight<void>();
  private readonly loop: PeriodicTask;
  private known: string[] = [];
  /** Provider list calls made so far (for the benchmark's figures). */
  listCalls = 0;
  private answeringAgain: ((accountId: string) => void) | null = null;

  constructor(
    private readonly pool: ProviderPool,
    private readonly reconciler: Reconciler,
    private readonly health: AccountHealthSink,
    private readonly claims: PollClaims,
    private readonly logger: Logger,
    readonly options: RefresherOptions,
    private readonly volumes: VolumeReconciler | null = null,
  ) {
    this.loop = new PeriodicTask(
      () => this.refreshDue(),
      Math.min(500, options.fastIntervalMs),
      (error) => logger.error('status refresh round failed', { error: String(error) }),
    );
  }

  /** Accounts the poller saw on its last round: what a listing must keep fresh, without a store read per request. */
  knownAccountIds(): string[] {
    return this.known;
  }

  lastSyncedAt(accountId: string): number | null {
    return this.state.get(accountId)?.lastSyncedAt || null;
  }

  /** Why and since when this replica's polls of an account have been failing, or null while they succeed. */
  failure(accountId: string): { message: string; since: number } | null {
    const s = this.state.get(accountId);
    return s?.lastError && s.failingSince ? { message: s.lastError, since: s.failingSince } : null;
  }

  /**
   * Called when an account whose polls were failing answers again: work that backed off while it was
   * down (jobs waiting to retry) can go on at once instead of sleeping out its backoff.
   */
  onAnsweringAgain(listener: (accountId: string) => void): void {
    this.answeringAgain = listener;
  }

  /** Mark an account as having a VM in transition: it is polled fast until things settle. */
  nudge(accountId: string): void {
    const s = this.state.get(accountId) ?? { lastSyncedAt: 0, transitional: true, lastError: null };
    s.transitional = true;
    s.volumesTransitional = true;
    this.state.set(accountId, s);
  }

  /** Wait (bounded) until each account's data is at most `maxAgeMs` old. */
  async ensureFresh(accountIds: string[], maxAgeMs = this.options.maxStalenessMs): Promise<void> {
    const now = Date.now();
    const stale = accountIds.filter((id) => now - (this.state.get(id)?.lastSyncedAt ?? 0) > maxAgeMs);
    if (stale.length === 0) return;
    await Promise.race([
      Promise.allSettled(stale.map((id) => this.refresh(id, { maxAgeMs }))),
      new Promise((resolve) => setTimeout(resolve, this.options.readWaitMs)),
    ]);
  }

  /**
   * Bring one account up to date. The replica that wins the account's poll claim calls the provider; any
   * other takes the sync that replica records, waiting for it (bounded) when `wait` is set. `maxAgeMs`: a
   * sync by any replica at most this old is good enough (0: a poll that starts now).
   */
  refresh(accountId: string, { maxAgeMs = 0, wait = true }: { maxAgeMs?: number; wait?: boolean } = {}): Promise<void> {
    return this.flights.run(accountId, async () => {
      const state = this.stateOf(accountId);
      const deadline = Date.now() + this.options.readWaitMs;
      for (;;) {
        if (await this.claims.claim(accountId, maxAgeMs)) return this.poll(accountId, state);
        const shared = await this.claims.lastSynced(accountId);
        if (shared === undefined) return; // the account was removed meanwhile
        if (shared !== null && shared > state.lastSyncedAt) {
          state.lastSyncedAt = shared;
          // Another replica reached the account after this one's polls failed: it answers again, for us too.
          if (state.failingSince && shared > state.failingSince) {
            state.lastError = null;
            state.failingSince = null;
            this.answeringAgain?.(accountId);
          }
        }
        if (Date.now() - state.lastSyncedAt <= maxAgeMs || !wait || Date.now() >= deadline) return;
        // Another replica is polling this account right now: its result lands in the store shortly.
        await new Promise((resolve) => setTimeout(resolve, CLAIM_RETRY_MS));
      }
    });
  }

  private stateOf(accountId: string): AccountState {
    let state = this.state.get(accountId);
    if (!state) {
      state = { lastSyncedAt: 0, transitional: false, lastError: null };
      this.state.set(accountId, state);
    }
    return state;
  }

  /** One list call and the reconciliation of its answer, under this replica's claim. */
  private async poll(accountId: string, state: AccountState): Promise<void> {
    const heartbeat = setInterval(() => {
      this.claims.renew(accountId).catch(() => undefined);
    }, this.claims.renewEveryMs);
    try {
      const { provider, config } = await this.pool.get(accountId);
      try {
        this.listCalls++;
        const instances = await provider.listInstances();
        const { transitional } = await this.reconciler.reconcile(accountId, provider, instances);
        // Volumes follow their machines: while a VM of the account changes (or just did), its volumes may too.
        const volumesChanging = await this.syncVolumes(accountId, provider, state, state.transitional || transitional);
        state.lastSyncedAt = Date.now();
        state.transitional = transitional || volumesChanging;
        if (state.lastError !== null || !state.healthy) await this.health.markHealth(accountId, 'ok', null);
        if (state.lastError !== null) this.answeringAgain?.(accountId);
        state.healthy = true;
        state.lastError = null;
        state.failingSince = null;
        await this.health.markSynced(accountId, new Date(state.lastSyncedAt).toISOString());
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const health = isProviderError(error, 'auth') ? 'auth_failed' : 'unreachable';
        if (state.lastError !== message) {
          this.logger.warn('status refresh failed', { accountId, account: config.name, error: message });
          await this.health.markHealth(accountId, health, message).catch(() => undefined);
        }
        state.lastError = message;
        state.failingSince ??= Date.now();
        state.healthy = false;
      }
    } finally {
      clearInterval(heartbeat);
      await this.claims.release(accountId).catch(() => undefined);
    }
  }

  /**
   * List the account's volumes when due: on every poll while one of them or a VM is changing, otherwise once a minute
   * (a second list call per account, never more). A failure is logged and leaves the VM sync standing.
   */
  private async syncVolumes(
    accountId: string,
    provider: Provider,
    state: AccountState,
    machinesChanging: boolean,
  ): Promise<boolean> {
    if (!this.volumes || !provider.listVolumes) return false;
    const settledPeriod = Math.max(this.options.slowIntervalMs, VOLUME_SETTLED_INTERVAL_MS);
    const due = machinesChanging || state.volumesTransitional || Date.now() - (state.volumesSyncedAt ?? 0) >= settledPeriod;
    if (!due) return false;
    try {
      const listed = await provider.listVolumes();
      const { transitional } = await this.volumes.reconcile(accountId, listed);
      state.volumesSyncedAt = Date.now();
      state.volumesTransitional = transitional;
      return transitional;
    } catch (error) {
      this.logger.warn('volume refresh failed', { accountId, error: error instanceof Error ? error.message : String(error) });
      return state.volumesTransitional === true;
    }
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Refresh each account whose data is older than its poll period (fast while VMs change state). */
  private async refreshDue(): Promise<void> {
    const accounts = await this.pool.all().catch(() => []);
    this.known = accounts.map((a) => a.config.accountId);
    const now = Date.now();
    await Promise.allSettled(
      accounts
        .filter((a) => {
          const s = this.state.get(a.config.accountId);
          const interval = s?.transitional ? this.options.fastIntervalMs : this.options.slowIntervalMs;
          return now - (s?.lastSyncedAt ?? 0) >= interval;
        })
        // The loop never waits on another replica's poll: it looks again next round.
        .map((a) =>
          this.refresh(a.config.accountId, {
            maxAgeMs: this.state.get(a.config.accountId)?.transitional
              ? this.options.fastIntervalMs
              : this.options.slowIntervalMs,
            wait: false,
          }),
        ),
    );
  }
}
