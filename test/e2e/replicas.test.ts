import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, ephemeralSecretKey } from '../../src/app.ts';
import type { RunningSimulator } from '../../src/core/provider/provider.ts';
import { silentLogger } from '../../src/logger.ts';
import { verda } from '../../src/providers/verda/index.ts';
import { StorePollClaims } from '../../src/runtime/poll-claims.ts';
import type { Store } from '../../src/store/database.ts';
import { eventually } from '../support/app.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';

const listCalls = (sim: RunningSimulator) =>
  Object.entries(sim.control.requestCounts())
    .filter(([route]) => /^GET \/(v1\/)?instances$/.test(route))
    .reduce((n, [, c]) => n + c, 0);

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

  it('polls each account about once per interval between them, and both stay fresh', async () => {
    await new Promise((r) => setTimeout(r, 1_500));
    const before = listCalls(sim);
    const offersBefore = offerCalls();
    const windowMs = 8_000;
    const started = Date.now();
    await new Promise((r) => setTimeout(r, windowMs));
    // Count against the time that actually elapsed: on a loaded machine timers fire late.
    const elapsedMs = Date.now() - started;
    const calls = listCalls(sim) - before;
    const offerRefreshes = offerCalls() - offersBefore;
    const slowIntervalMs = replicas[0]!.runtime.refresher.options.slowIntervalMs;
    // One replica polls about windowMs / interval times; two uncoordinated ones would make twice as many.
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(Math.ceil(elapsedMs / slowIntervalMs) + 1);
    // Offers: a replica takes a snapshot another stored within the refresh period instead of asking again.
    expect(offerRefreshes).toBeGreaterThan(0);
    // Two uncoordinated replicas would make at least twice ceil(elapsed / period); one shared snapshot allows
    // one per period plus a refresh each replica may start at the window's edges.
    expect(offerRefreshes).toBeLessThanOrEqual(Math.ceil(elapsedMs / OFFER_REFRESH_MS) + 3);
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
