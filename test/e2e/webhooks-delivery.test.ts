import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp, ephemeralSecretKey } from '../../src/app.ts';
import type { WebhookDelivery } from '../../src/contract/webhooks.ts';
import type { PlatformEvent } from '../../src/core/domain/events.ts';
import { DEFAULT_ENTITY_ID } from '../../src/core/domain/types.ts';
import { retryAfterMs } from '../../src/lib/retry-after.ts';
import { silentLogger } from '../../src/logger.ts';
import { pinnedLookup, postJson } from '../../src/runtime/webhook-post.ts';
import { openStore, type Store } from '../../src/store/database.ts';
import { eventually, startTestApp, type TestApp } from '../support/app.ts';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';
import { flatHeaders, Receiver } from '../support/webhook-receiver.ts';
import { newSshKey, waitForJob, waitForStatus } from './helpers.ts';

/** Retries after 150, 600 and 1,200 ms: growing like the default schedule, in a test's time. */
const SCHEDULE_MS = [150, 600, 1_200];

describe.each(STORE_KINDS)('webhook delivery, on %s', (store) => {
  let t: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    t = await startTestApp({ store, web: false, webhooks: { retryScheduleMs: SCHEDULE_MS, tickMs: 25, timeoutMs: 2_000 } });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  /** A webhook at `path` of the receiver (sandbox mode lets it be on loopback). */
  const hook = async (path: string, events: string[]) => {
    const res = await t.call('POST', '/v1/webhooks', { url: `${receiver.url}${path}`, events, description: path });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.data as { id: string; secret: string };
  };
  const delivery = async (webhookId: string, deliveryId: string): Promise<WebhookDelivery> =>
    (await t.call('GET', `/v1/webhooks/${webhookId}/deliveries/${deliveryId}`)).body.data;
  const deliveries = async (webhookId: string) =>
    (await t.call('GET', `/v1/webhooks/${webhookId}/deliveries?limit=100`)).body.data as WebhookDelivery[];
  const storedEvent = async (id: string, type: string): Promise<PlatformEvent | undefined> =>
    ((await t.call('GET', `/v1/events?format=json&types=${type}&limit=100`)).body.data as PlatformEvent[]).find(
      (e) => e.id === id,
    );

  it('delivers a spot preemption, signed so that the Standard Webhooks library verifies it', { timeout: 60_000 }, async () => {
    const receiverHook = await hook('/preempted', ['vm.preempted', 'vm.status_changed']);
    const offers = (await t.call('GET', '/v1/offers?gpuCount=1&availableOnly=true&spot=only')).body.data.offers as {
      machineKind: string;
      provider: string;
      series: { id: string };
      datacenter: { id: string };
    }[];
    const offer = offers.find((o) => o.machineKind === 'vm');
    if (!offer) throw new Error('no spot VM offer in the sandbox');
    const order = await t.call('POST', '/v1/resource/gpu', {
      name: 'hooked-spot',
      seriesId: offer.series.id,
      datacenterId: offer.datacenter.id,
      gpuCount: 1,
      sshKeyId: await newSshKey(t, 'hook-spot-key'),
      constraints: { providers: [offer.provider], spot: 'only' },
    });
    expect(order.status, JSON.stringify(order.body)).toBe(202);
    const vmId = order.body.data.resourceId as string;
    await waitForJob(t, order.body.data.jobId);
    await waitForStatus(t, vmId, 'Running');
    const row = await t.app.store.db
      .selectFrom('vms')
      .select(['provider_instance_id', 'account_id'])
      .where('id', '=', vmId)
      .executeTakeFirstOrThrow();
    t.app
      .sandbox!.clouds.find((c) => c.definition.id === offer.provider)!
      .simulator.control.preempt(row.provider_instance_id as string);
    // Look at once: a simulated evicted instance lingers in the listing only briefly, and once it is gone the
    // VM reads as vanished rather than preempted.
    await t.app.runtime.refresher.refresh(row.account_id as string);

    const parsed = () => receiver.on('/preempted').map((r) => ({ ...r, event: JSON.parse(r.body) as PlatformEvent }));
    const preempted = await eventually(async () => parsed().find((r) => r.event.type === 'vm.preempted'), 'vm.preempted');
    expect(preempted.event).toMatchObject({ subject: { kind: 'vm', id: vmId }, data: { name: 'hooked-spot' } });
    const change = await eventually(
      async () => parsed().find((r) => r.event.type === 'vm.status_changed' && r.event.data.reason === 'preempted'),
      'vm.status_changed (preempted)',
    );
    expect(change.event.data).toMatchObject({ from: 'Running' });
    // Every status change of the VM came, and nothing it did not subscribe to.
    expect(parsed().some((r) => r.event.type === 'vm.status_changed' && r.event.data.to === 'Running')).toBe(true);
    expect(parsed().every((r) => ['vm.preempted', 'vm.status_changed'].includes(r.event.type))).toBe(true);

    const verifier = new Webhook(receiverHook.secret);
    for (const received of [preempted, change]) {
      expect(verifier.verify(received.body, flatHeaders(received.headers))).toEqual(received.event);
      expect(received.headers['content-type']).toBe('application/json');
      expect(received.headers['user-agent']).toMatch(/^gpufleet-webhooks\/\d+\.\d+\.\d+/);
      expect(received.headers['webhook-id']).toBe(received.event.id);
      expect(Math.abs(Number(received.headers['webhook-timestamp']) - received.at / 1000)).toBeLessThan(10);
      expect(received.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    }
    // The body is the event exactly as /v1/events serialises it.
    expect(JSON.parse(preempted.body)).toEqual(await storedEvent(preempted.event.id, 'vm.preempted'));
    const tampered = preempted.body.replace('hooked-spot', 'hooked-spoT');
    expect(() => verifier.verify(tampered, flatHeaders(preempted.headers))).toThrow();
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(preempted.body, flatHeaders(preempted.headers)),
    ).toThrow();

    const listed = await deliveries(receiverHook.id);
    expect(listed.length).toBe(parsed().length);
    expect(listed.every((d) => d.status === 'delivered' && d.attempts === 1 && d.responseCode === 200)).toBe(true);
    expect((await t.call('GET', `/v1/webhooks/${receiverHook.id}`)).body.data.lastDeliveryAt).not.toBeNull();
    await t.call('DELETE', `/v1/webhooks/${receiverHook.id}`);
  });

  it('retries a failing receiver with growing delays, then fails the delivery and disables the webhook', {
    timeout: 30_000,
  }, async () => {
    receiver.answer('/failing', () => ({ status: 500 }));
    const failing = await hook('/failing', ['ssh_key.created', 'webhook.disabled']);
    const watcher = await hook('/watcher', ['webhook.disabled']);
    const keyId = await newSshKey(t, 'hook-failing-key');
    const queued = (await deliveries(failing.id))[0]!;
    expect(queued).toMatchObject({ eventType: 'ssh_key.created' });

    const failed = await eventually(async () => {
      const d = await delivery(failing.id, queued.id);
      return d.status === 'failed' ? d : undefined;
    }, 'the delivery to fail');
    expect(failed).toMatchObject({ attempts: SCHEDULE_MS.length + 1, responseCode: 500, nextAttemptAt: null, deliveredAt: null });
    expect(failed.lastError).toMatch(/500/);
    expect(failed.attemptLog).toHaveLength(SCHEDULE_MS.length + 1);
    expect(failed.attemptLog.every((a) => a.responseCode === 500 && a.error === null)).toBe(true);
    const times = failed.attemptLog.map((a) => Date.parse(a.at));
    const gaps = times.slice(1).map((at, i) => at - times[i]!);
    for (const [i, gap] of gaps.entries()) {
      expect(gap, `gap ${i + 1}`).toBeGreaterThanOrEqual(SCHEDULE_MS[i]! * 0.9);
      if (i > 0) expect(gap, `gap ${i + 1} grows`).toBeGreaterThan(gaps[i - 1]!);
    }
    const requests = receiver.on('/failing');
    expect(requests).toHaveLength(SCHEDULE_MS.length + 1);
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([queued.eventId]));

    const disabled = (await t.call('GET', `/v1/webhooks/${failing.id}`)).body.data;
    expect(disabled).toMatchObject({ status: 'disabled', consecutiveFailures: 1 });
    expect(disabled.disabledReason).toMatch(/ssh_key\.created.*500/);
    const events = (await t.call('GET', `/v1/events?format=json&types=webhook.disabled&subjectId=${failing.id}`)).body.data;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ subject: { kind: 'webhook', id: failing.id }, data: { reason: disabled.disabledReason } });
    // Another webhook of the entity hears of it; the disabled one itself is not sent its own obituary.
    const told = await eventually(async () => receiver.on('/watcher')[0], 'webhook.disabled at the watcher');
    expect(JSON.parse(told.body)).toMatchObject({ type: 'webhook.disabled', subject: { id: failing.id } });
    expect((await deliveries(failing.id)).map((d) => d.eventType)).toEqual(['ssh_key.created']);

    // Nothing more is sent to it while disabled.
    await newSshKey(t, 'hook-failing-key-2');
    expect(await deliveries(failing.id)).toHaveLength(1);

    const metrics = parsePrometheusText(await (await fetch(`${t.url}/metrics`, { headers: { 'X-API-Key': t.adminKey } })).text());
    const count = (outcome: string) => sampleValue(metrics, 'gpufleet_webhook_deliveries_total', { outcome }) ?? 0;
    expect(count('retrying')).toBeGreaterThanOrEqual(SCHEDULE_MS.length);
    expect(count('failed')).toBeGreaterThanOrEqual(1);
    expect(count('disabled')).toBeGreaterThanOrEqual(1);
    expect(count('delivered')).toBeGreaterThanOrEqual(1);

    // Redeliver: refused while disabled; once re-enabled and the receiver is back, it goes through.
    expect((await t.call('POST', `/v1/webhooks/${failing.id}/deliveries/${queued.id}/retry`)).body.error).toBe(
      'WEBHOOK_DISABLED',
    );
    const enabled = await t.call('PUT', `/v1/webhooks/${failing.id}`, { status: 'active' });
    expect(enabled.body.data).toMatchObject({ status: 'active', consecutiveFailures: 0, disabledReason: null });
    receiver.answer('/failing', () => ({ status: 204 }));
    const retried = await t.call('POST', `/v1/webhooks/${failing.id}/deliveries/${queued.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body.data).toMatchObject({ id: queued.id, status: 'pending' });
    const redelivered = await eventually(async () => {
      const d = await delivery(failing.id, queued.id);
      return d.status === 'delivered' ? d : undefined;
    }, 'the redelivery');
    expect(redelivered).toMatchObject({ attempts: SCHEDULE_MS.length + 2, responseCode: 204, lastError: null });
    expect(redelivered.attemptLog.at(-1)).toMatchObject({ responseCode: 204, error: null });
    // A delivered one can be sent again: one more attempt, same webhook-id.
    await t.call('POST', `/v1/webhooks/${failing.id}/deliveries/${queued.id}/retry`);
    await eventually(
      async () => ((await delivery(failing.id, queued.id)).attempts === SCHEDULE_MS.length + 3 ? true : undefined),
      'resend',
    );
    expect(receiver.on('/failing').at(-1)!.headers['webhook-id']).toBe(queued.eventId);
    expect((await delivery(failing.id, queued.id)).status).toBe('delivered');
    expect((await t.call('GET', `/v1/webhooks/${failing.id}`)).body.data.lastDeliveryAt).not.toBeNull();

    await t.call('DELETE', `/v1/resource/ssh-keys/${keyId}`);
    await t.call('DELETE', `/v1/webhooks/${failing.id}`);
    await t.call('DELETE', `/v1/webhooks/${watcher.id}`);
  });

  it('fails at once on 410 Gone, waits as long as a 429 Retry-After asks, and gives up on a silent receiver', {
    timeout: 20_000,
  }, async () => {
    receiver.answer('/silent', (n) => (n === 1 ? 'hang' : { status: 200 }));
    const silent = await hook('/silent', ['webhook.test']);
    const silentDelivery = (await t.call('POST', `/v1/webhooks/${silent.id}/test`)).body.data;
    receiver.answer('/gone', () => ({ status: 410 }));
    receiver.answer('/busy', (n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const gone = await hook('/gone', ['webhook.test']);
    const busy = await hook('/busy', ['webhook.test']);
    const goneDelivery = (await t.call('POST', `/v1/webhooks/${gone.id}/test`)).body.data;
    const busyDelivery = (await t.call('POST', `/v1/webhooks/${busy.id}/test`)).body.data;
    const ended = await eventually(async () => {
      const d = await delivery(gone.id, goneDelivery.id);
      return d.status === 'failed' ? d : undefined;
    }, '410 to fail the delivery');
    expect(ended).toMatchObject({ attempts: 1, responseCode: 410 });
    expect((await t.call('GET', `/v1/webhooks/${gone.id}`)).body.data.status).toBe('disabled');

    const done = await eventually(async () => {
      const d = await delivery(busy.id, busyDelivery.id);
      return d.status === 'delivered' ? d : undefined;
    }, 'the 429 to be retried');
    expect(done.attemptLog.map((a) => a.responseCode)).toEqual([429, 200]);
    const gap = Date.parse(done.attemptLog[1]!.at) - Date.parse(done.attemptLog[0]!.at);
    expect(gap).toBeGreaterThanOrEqual(950);

    const answered = await eventually(async () => {
      const d = await delivery(silent.id, silentDelivery.id);
      return d.status === 'delivered' ? d : undefined;
    }, 'the silent receiver to be retried');
    expect(answered.attemptLog[0]).toMatchObject({ responseCode: null, error: 'timed out after 2000 ms' });
    expect(answered.attemptLog[0]!.durationMs).toBeGreaterThanOrEqual(1_900);
    expect(answered.attemptLog[1]).toMatchObject({ responseCode: 200, error: null });
    for (const id of [gone.id, busy.id, silent.id]) await t.call('DELETE', `/v1/webhooks/${id}`);
  });

  it('sends a test event to the tested webhook only, and signs with both secrets after a rotation', {
    timeout: 20_000,
  }, async () => {
    // A test event goes to the tested webhook whatever it subscribes to, and to no other.
    const a = await hook('/test-a', ['ssh_key.created']);
    const b = await hook('/test-b', ['webhook.test', 'ssh_key.created']);
    const sent = await t.call('POST', `/v1/webhooks/${a.id}/test`);
    expect(sent.status).toBe(202);
    expect(sent.body.data).toMatchObject({ webhookId: a.id, eventType: 'webhook.test', status: 'pending', attempts: 0 });
    const first = await eventually(async () => receiver.on('/test-a')[0], 'the test event');
    const event = JSON.parse(first.body) as PlatformEvent;
    expect(event).toMatchObject({ type: 'webhook.test', subject: { kind: 'webhook', id: a.id } });
    expect(event.id).toBe(sent.body.data.eventId);
    expect(new Webhook(a.secret).verify(first.body, flatHeaders(first.headers))).toEqual(event);
    await eventually(
      async () => ((await delivery(a.id, sent.body.data.id)).status === 'delivered' ? true : undefined),
      'delivered',
    );
    expect(await deliveries(b.id)).toEqual([]);
    expect(receiver.on('/test-b')).toEqual([]);

    const rotated = (await t.call('POST', `/v1/webhooks/${a.id}/rotate-secret`)).body.data;
    await t.call('POST', `/v1/webhooks/${a.id}/test`);
    const second = await eventually(async () => receiver.on('/test-a')[1], 'the test event after the rotation');
    const signatures = String(second.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => s.startsWith('v1,'))).toBe(true);
    const headers = flatHeaders(second.headers);
    expect(new Webhook(rotated.secret).verify(second.body, headers)).toMatchObject({ type: 'webhook.test' });
    expect(new Webhook(a.secret).verify(second.body, headers)).toMatchObject({ type: 'webhook.test' });
    // Each signature on its own verifies with its own secret.
    expect(() =>
      new Webhook(rotated.secret).verify(second.body, { ...headers, 'webhook-signature': signatures[0]! }),
    ).not.toThrow();
    expect(() => new Webhook(a.secret).verify(second.body, { ...headers, 'webhook-signature': signatures[1]! })).not.toThrow();
    expect(() => new Webhook(b.secret).verify(second.body, headers)).toThrow();
    await t.call('DELETE', `/v1/webhooks/${a.id}`);
    await t.call('DELETE', `/v1/webhooks/${b.id}`);
  });
});

describe.each(STORE_KINDS)('webhook deliveries across a restart and between replicas, on %s', (kind) => {
  const principal = { apiKeyId: 'webhook-tests', name: 'webhook tests', role: 'admin' as const, entityId: DEFAULT_ENTITY_ID };
  const secretKey = ephemeralSecretKey();
  let receiver: Receiver;
  let dir: string;
  let shared: { store: Store; cleanup: () => Promise<void> } | null = null;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    dir = mkdtempSync(join(tmpdir(), 'gpufleet-webhooks-'));
    if (kind === 'postgres') shared = await openTestStore('postgres');
  });
  afterAll(async () => {
    await receiver?.close();
    await shared?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The store as a restarted server finds it: the same SQLite file, or the same PostgreSQL schema. */
  const openStoreAgain = async (): Promise<Store> =>
    shared ? { ...shared.store, close: async () => {} } : openStore({ url: join(dir, 'gpufleet.db') });
  const start = (store: Store) =>
    createApp({
      store,
      secretKey,
      adminKey: 'gf_webhook_test_admin_key_000000',
      mode: 'production',
      logger: silentLogger,
      timing: { workerTickMs: 50 },
      webhooks: { allowPrivateAddresses: true, retryScheduleMs: [200, 400], tickMs: 25, timeoutMs: 5_000 },
    });

  it('sends a delivery left pending at shutdown after the restart', { timeout: 20_000 }, async () => {
    let store = await openStoreAgain();
    let app: App = await start(store);
    const hook = await app.services.webhooks.create({ url: `${receiver.url}/restart`, events: ['webhook.test'] }, principal);
    receiver.answer('/restart', (n) => (n === 1 ? 'hang' : { status: 200 }));
    const queued = await app.services.webhooks.sendTest(hook.id, principal);
    await eventually(async () => (receiver.on('/restart').length === 1 ? true : undefined), 'the first attempt to arrive');
    // Shut down mid-attempt: the attempt is abandoned, its lease given back, the delivery still pending.
    await app.close();
    await store.close();
    const left = await openStoreAgain();
    const row = await left.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', queued.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'pending', lease_owner: null, lease_until: null });
    expect(Number(row.attempts)).toBe(0);

    store = left;
    app = await start(store);
    try {
      const delivered = await eventually(async () => {
        const d = await app.services.webhooks.getDelivery(hook.id, queued.id, principal);
        return d.status === 'delivered' ? d : undefined;
      }, 'the delivery after the restart');
      expect(delivered).toMatchObject({ attempts: 1, responseCode: 200 });
      const [first, second] = receiver.on('/restart');
      expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
      expect(new Webhook(hook.secret).verify(second!.body, flatHeaders(second!.headers))).toMatchObject({ type: 'webhook.test' });
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('ends a delivery whose event was pruned, without holding it against the webhook', { timeout: 20_000 }, async () => {
    const store = await openStoreAgain();
    const app = await start(store);
    try {
      const hook = await app.services.webhooks.create({ url: `${receiver.url}/pruned`, events: ['webhook.test'] }, principal);
      const queued = await app.services.webhooks.sendTest(hook.id, principal);
      const delivered = async () => {
        const d = await app.services.webhooks.getDelivery(hook.id, queued.id, principal);
        return d.status !== 'pending' ? d : undefined;
      };
      expect((await eventually(delivered, 'the first delivery')).status).toBe('delivered');
      await store.db.deleteFrom('events').where('id', '=', queued.eventId).execute();
      await app.services.webhooks.redeliver(hook.id, queued.id, principal);
      const ended = await eventually(delivered, 'the redelivery to end');
      expect(ended).toMatchObject({ status: 'failed', lastError: expect.stringContaining('no longer stored'), attempts: 2 });
      expect(await app.services.webhooks.get(hook.id, principal)).toMatchObject({ status: 'active', consecutiveFailures: 0 });
      expect(receiver.on('/pruned')).toHaveLength(1);
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('never sends the same attempt from two replicas', { timeout: 20_000 }, async () => {
    const store = await openStoreAgain();
    const replicas = [await start(store), await start(store)];
    try {
      receiver.answer('/replicas', () => ({ status: 200, delayMs: 30 }));
      const hook = await replicas[0]!.services.webhooks.create(
        { url: `${receiver.url}/replicas`, events: ['webhook.test'] },
        principal,
      );
      const sent: string[] = [];
      for (let i = 0; i < 12; i++) sent.push((await replicas[i % 2]!.services.webhooks.sendTest(hook.id, principal)).eventId);
      await eventually(async () => {
        const page = await replicas[1]!.services.webhooks.listDeliveries(
          hook.id,
          { page: 1, limit: 100, sort: [], status: 'delivered' },
          principal,
        );
        return page.meta.total === sent.length ? true : undefined;
      }, 'every test event delivered');
      const ids = receiver.on('/replicas').map((r) => r.headers['webhook-id']);
      expect(ids.sort()).toEqual([...sent].sort());
    } finally {
      for (const app of replicas) await app.close();
      await store.close();
    }
  });
});

describe('a delivery connects where the guard looked', () => {
  it('sends to the pinned address whatever the name would resolve to, keeping the name in Host', async () => {
    const receiver = await new Receiver().start();
    try {
      const port = new URL(receiver.url).port;
      const result = await postJson(new URL(`http://receiver.invalid:${port}/pinned`), '{"ok":true}', {
        headers: { 'user-agent': 'test' },
        timeoutMs: 2_000,
        signal: new AbortController().signal,
        lookup: pinnedLookup({ address: '127.0.0.1', family: 4 }),
      });
      expect(result).toEqual({ status: 200, error: null, retryAfterMs: null, final: false });
      const [received] = receiver.on('/pinned');
      expect(received?.headers.host).toBe(`receiver.invalid:${port}`);
      expect(received?.body).toBe('{"ok":true}');
      // Without the pin the name does not resolve at all.
      const unpinned = await postJson(new URL(`http://receiver.invalid:${port}/pinned`), '{}', {
        headers: {},
        timeoutMs: 2_000,
        signal: new AbortController().signal,
      });
      expect(unpinned.status).toBeNull();
      expect(unpinned.error).toMatch(/ENOTFOUND|EAI_AGAIN/);
    } finally {
      await receiver.close();
    }
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-03-10T12:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Tue, 10 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(undefined, now)).toBeNull();
  });
});
