import { randomBytes } from 'node:crypto';
import { type App, type AppOptions, createApp, ephemeralSecretKey } from '../../src/app.ts';
import { silentLogger } from '../../src/logger.ts';
import { registerWeb } from '../../src/web/plugin.ts';
import { openTestStore, type StoreKind } from './stores.ts';

export interface TestApp {
  url: string;
  adminKey: string;
  app: App;
  /** Call the API as the admin: returns status and parsed body. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * gpufleet as a user runs it — real HTTP server, real store, the three simulated clouds over HTTP, the
 * job worker and refreshers — with short simulator transitions and polls so tests run in seconds.
 */
export async function startTestApp(
  options: {
    store?: StoreKind;
    transitionMs?: number;
    maxStalenessMs?: number;
    web?: boolean;
    offerRefreshMs?: number;
    placeDeadlineMs?: number;
    actionDeadlineMs?: number;
    eventHeartbeatMs?: number;
    /** `production` starts no simulators (sandbox accounts stay disabled). */
    mode?: AppOptions['mode'];
    metrics?: AppOptions['metrics'];
    rateLimitPerMinute?: number;
    listingGraceMs?: Record<string, number>;
    /** Webhook delivery: retry schedule, tick and timeout (short ones keep tests fast), URL rules. */
    webhooks?: AppOptions['webhooks'];
  } = {},
): Promise<TestApp> {
  const { store, cleanup } = await openTestStore(options.store ?? 'sqlite');
  const adminKey = `gf_test_${randomBytes(12).toString('hex')}`;
  const app = await createApp({
    store,
    secretKey: ephemeralSecretKey(),
    adminKey,
    mode: options.mode ?? 'sandbox',
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.rateLimitPerMinute ? { rateLimitPerMinute: options.rateLimitPerMinute } : {}),
    sandbox: { stateDir: null, transitionMs: options.transitionMs ?? 150, seed: 7 },
    logger: silentLogger,
    maxStalenessMs: options.maxStalenessMs ?? 1_000,
    timing: {
      pollMs: 100,
      workerTickMs: 50,
      policyIntervalMs: 200,
      // An idle rule's minute lasts 100 ms here, so a 5-minute rule fires within a second.
      idleMinuteMs: 100,
      offerRefreshMs: options.offerRefreshMs ?? 2_000,
      bootDeadlineMs: 20_000,
      placeDeadlineMs: options.placeDeadlineMs ?? 20_000,
      actionDeadlineMs: options.actionDeadlineMs ?? 20_000,
      eventHeartbeatMs: options.eventHeartbeatMs ?? 15_000,
    },
    ...(options.listingGraceMs ? { listingGraceMs: options.listingGraceMs } : {}),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    ...(options.web === false ? {} : { web: registerWeb }),
  });
  await app.api.listen({ host: '127.0.0.1', port: 0 });
  const address = app.api.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    adminKey,
    app,
    call: async (method, path, body, headers = {}) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { 'X-API-Key': adminKey, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
    },
    close: async () => {
      await app.close();
      await cleanup();
    },
  };
}

/** Poll until `check` returns a value (not undefined), or fail with the last value seen. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
