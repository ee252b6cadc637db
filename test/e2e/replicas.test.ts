import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, ephemeralSecretKey } from '../../src/app.ts';
import type { RunningSimulator } from '../../src/core/provider/provider.ts';
import { silentLogger } from '../../src/logger.ts';
import { verda } from '../../src/providers/verda/index.ts';
import { StorePollClaims } from '../../src/runtime/poll-claims.ts';
import type { Store } from '../../src/store/database.ts';
import { eventually } from '../support/app.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';

describe.each(STORE_KINDS)('several replicas on one %s store', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let sim: RunningSimulator;
  const replicas: App[] = [];
  let accountId: string;
  // Reads are never older than 2 s, so each replica on its own would poll about once a second.
  const maxStalenessMs = 2_000;
  const OFFER_REFRESH_MS = 2_000;

  beforeAll(async () => {
    ({ store, cleanup } = await openTestStore(kind));
    sim = await verda.simulator.start({ transitionMs: 50, seed: 5 });
    const secretKey = ephemeralSecretKey();
    for (let i = 0; i < 2; i++) {
      replicas.push(
        await createApp({
          store,
          secretKey,
          adminKey: 'gf_replica_test_admin_key_0000000',
          mode: 'production',
          logger: silentLogger,
          maxStalenessMs,
          timing: { workerTickMs: 50, offerRefreshMs: OFFER_REFRESH_MS },
        }),
      );
    }
    const account = await replicas[0]!.services.accounts.create({
      provider: 'verda',
      name: 'shared',
      baseUrl: sim.baseUrl,
      credentials: sim.account.credentials,
      settings: sim.account.settings,
    });
    accountId = account.id;
    // The second replica learns of the account from the store, as a separate process would.
    await eventually(
      async () => ((await replicas[1]!.runtime.pool.all()).some((a) => a.config.accountId === accountId) ? true : undefined),
      'second replica sees the account',
    );
  });
  const offerCalls = () => replicas.reduce((n, app) => n + app.runtime.offers.refreshCount, 0);
  afterAll(async () => {
    for (const app of replicas) await app.close();
    await sim?.close();
    await cleanup?.();
  });

  /**
   * What each replica did and when, on its own clock: every list call it made (start, end, success), every
   * offer snapshot it stored and every time it looked for another replica's snapshot. The assertions below
   * are about the order of these events, so a loaded machine that runs timers late cannot break them.
   */
  const record = async () => {
    const polls: { replica: number; start: number; end: number; ok: boolean }[] = [];
    const persisted: { replica: number; fetchedAt: number; doneAt: number }[] = [];
    const looked: { replica: number; at: number; adopted: boolean }[] = [];
    for (const [replica, app] of replicas.entries()) {
      const { provider } = await app.runtime.pool.get(accountId);
      const listInstances = provider.listInstances.bind(provider);
      provider.listInstances = async (...args) => {
        const start = Date.now();
        try {
          const result = await listInstances(...args);
          polls.push({ replica, start, end: Date.now(), ok: true });
          return result;
        } catch (error) {
          polls.push({ replica, start, end: Date.now(), ok: false });
          throw error;
        }
      };
      const cache = app.runtime.offers as unknown as {
        persist: (accountId: string, fetchedAt: number, ...rest: unknown[]) => Promise<void>;
        adoptStored: (...args: unknown[]) => Promise<boolean>;
      };
      const persist = cache.persist.bind(cache);
      cache.persist = async (id, fetchedAt, ...rest) => {
        await persist(id, fetchedAt, ...rest);
        // A failed refresh stores no snapshot another replica could take.
        if (rest[1] === null) persisted.push({ replica, fetchedAt, doneAt: Date.now() });
      };
      const adoptStored = cache.adoptStored.bind(cache);
      cache.adoptStored = async (...args) => {
        const at = Date.now();
        const adopted = await adoptStored(...args);
        looked.push({ replica, at, adopted });
        return adopted;
      };
    }
    return { polls, persisted, looked };
  };

  it('takes another replica reaching the account after its own polls failed as the account answering again', async () => {
    const [a, b] = [replicas[0]!, replicas[1]!];
    sim.control.setFaults({ errorRate: 1 });
    try {
      await a.runtime.refresher.refresh(accountId);
      expect(a.runtime.refresher.failure(accountId)).not.toBeNull();
    } finally {
      sim.control.setFaults({ errorRate: 0 });
    }
    await b.runtime.refresher.refresh(accountId);
    expect(b.runtime.refresher.failure(accountId)).toBeNull();
    // a's next look finds b's sync newer than its failure (it need not poll itself): no failure is left to wait on.
    await a.runtime.refresher.refresh(accountId, { maxAgeMs: 60_000 });
    expect(a.runtime.refresher.failure(accountId)).toBeNull();
  });

  it('polls each account about once per interval between them, and both stay fresh', async () => {
    const { polls, persisted, looked } = await record();
    const offersBefore = offerCalls();
    await new Promise((r) => setTimeout(r, 8_000));
    const slowIntervalMs = replicas[0]!.runtime.refresher.options.slowIntervalMs;

    // Status: a poll by either replica starts only once the last successful one is a whole interval old,
    // so two replicas poll no more often than one. Uncoordinated, they would poll within the interval.
    const sorted = [...polls].sort((a, b) => a.start - b.start);
    expect(sorted.length).toBeGreaterThan(1);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const next = sorted[i]!;
      if (!prev.ok) continue; // a failed poll records no sync: polling again at once is right
      expect(next.start - prev.end, `poll ${i} (replica ${next.replica}) after replica ${prev.replica}'s`).toBeGreaterThanOrEqual(
        slowIntervalMs,
      );
    }

    // Offers: a replica that looks for a snapshot while another replica's stored one is within the refresh
    // period takes it instead of asking the provider again.
    expect(offerCalls() - offersBefore).toBeGreaterThan(0);
    for (const look of looked) {
      const latest = persisted.filter((p) => p.doneAt < look.at).sort((a, b) => b.doneAt - a.doneAt)[0];
      if (!latest || latest.replica === look.replica || look.at - latest.fetchedAt >= OFFER_REFRESH_MS) continue;
      expect(look.adopted, `replica ${look.replica} at ${look.at}, snapshot of ${latest.fetchedAt}`).toBe(true);
    }

    for (const app of replicas) {
      const synced = app.runtime.refresher.lastSyncedAt(accountId) ?? 0;
      expect(Date.now() - synced).toBeLessThan(maxStalenessMs);
    }
  });
});

describe.each(STORE_KINDS)('poll claims on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await openTestStore(kind));
    const now = new Date().toISOString();
    await store.db
      .insertInto('provider_accounts')
      .values({
        id: 'acct-1',
        provider: 'verda',
        name: 'a',
        base_url: 'http://127.0.0.1:1',
        credentials_enc: 'x',
        settings_json: '{}',
        enabled: 1,
        is_sandbox: 0,
        health: 'unknown',
        last_error: null,
        last_synced_at: null,
        poll_claimed_by: null,
        poll_claimed_until: null,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      .execute();
  });
  afterAll(async () => cleanup?.());

  it('lets one replica at a time poll, takes a claim back from a replica that went silent, and honours a recent sync', async () => {
    const a = new StorePollClaims(store.db, 100);
    const b = new StorePollClaims(store.db, 100);
    expect(await a.claim('acct-1', 0)).toBe(true);
    expect(await b.claim('acct-1', 0)).toBe(false);
    // a never finishes: its claim runs out and b may poll.
    await new Promise((r) => setTimeout(r, 150));
    expect(await b.claim('acct-1', 0)).toBe(true);
    await store.db
      .updateTable('provider_accounts')
      .set({ last_synced_at: new Date().toISOString() })
      .where('id', '=', 'acct-1')
      .execute();
    await b.release('acct-1');
    // Synced a moment ago: nobody needs to poll for data up to 5 s old, but a poll that starts now may go.
    expect(await a.claim('acct-1', 5_000)).toBe(false);
    expect(await a.claim('acct-1', 0)).toBe(true);
    expect(await a.lastSynced('acct-1')).toBeGreaterThan(Date.now() - 5_000);
    expect(await a.lastSynced('nope')).toBeUndefined();
  });
});
