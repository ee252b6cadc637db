import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi } from './api/app.ts';
import { buildMetricsServer } from './api/plugins/metrics.ts';
import { RATE_LIMIT_WINDOW_MS, RateLimiter } from './api/plugins/rate-limit.ts';
import type { HealthReport } from './contract/health.ts';
import type { ProviderDeps } from './core/provider/provider.ts';
import type { Logger } from './logger.ts';
import { findProvider, providerRegistry } from './providers/registry.ts';
import { EventHub } from './runtime/event-hub.ts';
import { EventRetention } from './runtime/event-retention.ts';
import { ImageCache } from './runtime/image-cache.ts';
import { JobWorker } from './runtime/job-worker.ts';
import type { JobTiming } from './runtime/jobs/context.ts';
import { AppMetrics } from './runtime/metrics.ts';
import { OfferCache } from './runtime/offer-cache.ts';
import { PolicyEngine } from './runtime/policies.ts';
import { StorePollClaims } from './runtime/poll-claims.ts';
import { ProviderPool } from './runtime/provider-pool.ts';
import { StoreRateCounts } from './runtime/rate-limit-counts.ts';
import { RateLimitSync } from './runtime/rate-limit-sync.ts';
import { checkReadiness } from './runtime/readiness.ts';
import { Reconciler } from './runtime/reconcile.ts';
import { StatusRefresher } from './runtime/status-refresher.ts';
import { VolumeReconciler } from './runtime/volume-reconcile.ts';
import { DEFAULT_RETRY_SCHEDULE_MS, WebhookDeliveryWorker } from './runtime/webhook-delivery.ts';
import { type Sandbox, startSandbox } from './sandbox.ts';
import { redactor } from './services/accounts/provider-failures.ts';
import { ProviderAccountService } from './services/accounts/service.ts';
import { bootstrapAdminKey } from './services/api-keys/bootstrap.ts';
import { ApiKeyService } from './services/api-keys/service.ts';
import { CatalogServiceImpl } from './services/catalog/service.ts';
import { CostServiceImpl } from './services/costs/service.ts';
import { EventPublisher } from './services/events/publisher.ts';
import { DEFAULT_EVENT_RETENTION_DAYS, EventRepository } from './services/events/repository.ts';
import { ImageServiceImpl } from './services/images/service.ts';
import { JobRepository } from './services/jobs/repository.ts';
import { ResourceGroupService } from './services/resource-groups/service.ts';
import type { RuntimeHooks } from './services/runtime-hooks.ts';
import { SecretBox } from './services/secrets.ts';
import { SshKeyService } from './services/ssh-keys/service.ts';
import { StartupScriptService } from './services/startup-scripts/service.ts';
import type { Services } from './services/types.ts';
import { BudgetGuard } from './services/vms/budget-guard.ts';
import { VmRepository } from './services/vms/repository.ts';
import { VmServiceImpl } from './services/vms/service.ts';
import { VolumeServiceImpl } from './services/volumes/service.ts';
import { queueDeliveries } from './services/webhooks/repository.ts';
import { WebhookService } from './services/webhooks/service.ts';
import { UrlGuard } from './services/webhooks/url-guard.ts';
import type { Store } from './store/database.ts';
import { VERSION } from './version.ts';

export { VERSION } from './version.ts';

export interface AppOptions {
  store: Store;
  /** 32-byte master key sealing provider credentials. */
  secretKey: Buffer;
  /** The admin API key to make sure of (printed by the server). */
  adminKey: string;
  /** `sandbox` starts the simulated clouds and points one account per provider at them. */
  mode: 'sandbox' | 'production';
  /** Sandbox simulators: where their state lives (null: memory) and how fast they change state. */
  sandbox?: { stateDir: string | null; transitionMs: number; seed?: number };
  logger: Logger;
  maxStalenessMs?: number;
  /** Longest a read waits for a provider refresh before answering from the store. */
  readWaitMs?: number;
  rateLimitPerMinute?: number;
  timing?: Partial<JobTiming> & {
    workerTickMs?: number;
    policyIntervalMs?: number;
    idleMinuteMs?: number;
    offerRefreshMs?: number;
    leaseMs?: number;
    /** `GET /v1/events` heartbeat (default 15 s). */
    eventHeartbeatMs?: number;
    /** How often the event hub reads the store without a wake-up (default 1 s). */
    eventPollMs?: number;
    /** How often the API rate limiter shares its counts with the other replicas (default 500 ms; PostgreSQL only). */
    rateLimitSyncMs?: number;
  };
  /** Per provider id, overrides of the listing grace each provider declares (tests of a late listing). */
  listingGraceMs?: Record<string, number>;
  /** Stored events older than this are pruned (default 7). */
  eventRetentionDays?: number;
  /** Stable job-worker identity (per data directory), so a restart resumes its own jobs at once. */
  workerId?: string;
  /** Register the web dashboard at `/`. */
  web?: (app: FastifyInstance) => Promise<void> | void;
  /** Counts provider calls (benchmarks). */
  onProviderCall?: ProviderDeps['onProviderCall'];
  /**
   * Who may scrape `GET /metrics`. In sandbox mode the admin API key may, on the main port; `token` (a bearer
   * token) may on the main port in any mode; `port` adds a listener of its own (the token is required there too
   * when set). In production with neither, `/metrics` answers 404.
   */
  metrics?: { token?: string | null; port?: number | null; host?: string };
  webhooks?: WebhookOptions;
}

export interface WebhookOptions {
  /** Hosts webhook URLs may name (exact, or `*.example.com`); null or empty: any host. */
  allowedHosts?: string[] | null;
  /** Let webhooks reach private, loopback and link-local addresses. Default: yes in sandbox mode, no in production. */
  allowPrivateAddresses?: boolean;
  /** Delays before each retry (default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). */
  retryScheduleMs?: number[];
  /** How often the delivery worker looks for due deliveries without a wake-up (default 1 s). */
  tickMs?: number;
  /** Longest one delivery attempt may take (default 10 s). */
  timeoutMs?: number;
  /** Attempts in flight at once (default 8). */
  concurrency?: number;
  /** Failed deliveries in a row after which a webhook is disabled (default 1). */
  disableAfterFailures?: number;
  /** The longest `Retry-After` honoured (default 1 h). */
  maxRetryAfterMs?: number;
}

export interface App {
  api: FastifyInstance;
  store: Store;
  services: Services;
  runtime: {
    pool: ProviderPool;
    refresher: StatusRefresher;
    offers: OfferCache;
    worker: JobWorker;
    policies: PolicyEngine;
    events: EventHub;
    metrics: AppMetrics;
    webhooks: WebhookDeliveryWorker;
  };
  /** `http://host:port` of the separate metrics listener, when one was asked for. */
  metricsUrl: string | null;
  /** The one publisher of this process: everything that records an event goes through it (webhooks add fan-outs). */
  events: EventPublisher;
  sandbox: Sandbox | null;
  close(): Promise<void>;
}

/**
 * Wire gpufleet together: store → services → background runtime (status refresher, offer cache, job
 * worker, policy engine) → HTTP API. Used by the server and, unchanged, by the end-to-end tests.
 */
export async function createApp(options: AppOptions): Promise<App> {
  const { store, logger } = options;
  const db = store.db;
  const timing: JobTiming = {
    pollMs: options.timing?.pollMs ?? 1_000,
    placeDeadlineMs: options.timing?.placeDeadlineMs ?? 5 * 60_000,
    bootDeadlineMs: options.timing?.bootDeadlineMs ?? 10 * 60_000,
    containerBootDeadlineMs: options.timing?.containerBootDeadlineMs ?? 20 * 60_000,
    actionDeadlineMs: options.timing?.actionDeadlineMs ?? 10 * 60_000,
  };
  const maxStalenessMs = options.maxStalenessMs ?? 10_000;
  const metrics = new AppMetrics(db);
  const providerDeps: ProviderDeps = {
    logger,
    observer: metrics.providerObserver,
    ...(options.onProviderCall ? { onProviderCall: options.onProviderCall } : {}),
  };

  // The pool needs the accounts service and the accounts service needs runtime hooks: tie the knot lazily.
  let runtimeHooks: RuntimeHooks | null = null;
  const hooks: RuntimeHooks = {
    providerFor: (id) => (runtimeHooks as RuntimeHooks).providerFor(id),
    accountsChanged: (id) => runtimeHooks?.accountsChanged(id),
  };
  const secrets = new SecretBox(options.secretKey);
  const accounts = new ProviderAccountService({
    store,
    secrets,
    providers: providerRegistry,
    hooks,
    logger,
    ...(options.onProviderCall ? { onProviderCall: options.onProviderCall } : {}),
    providerObserver: metrics.providerObserver,
  });
  const pool = new ProviderPool(accounts, providerDeps);
  const publisher = new EventPublisher(db, store.dialect);
  // Deliveries are queued in the event's own transaction: a stored event never lacks them. The worker is
  // woken only when one was queued (most events concern no webhook); its tick covers a queue that rolled back.
  let deliveriesQueued = false;
  publisher.addFanout(async (trx, event) => {
    if ((await queueDeliveries(trx, event)) > 0) deliveriesQueued = true;
  });
  const eventLog = new EventRepository(db);
  const eventHub = new EventHub(eventLog, publisher, logger, {
    pollMs: options.timing?.eventPollMs ?? 1_000,
    gapWindowMs: 3_000,
    ...(store.pgUrl ? { pgUrl: store.pgUrl } : {}),
  });
  const eventRetention = new EventRetention(eventLog, options.eventRetentionDays ?? DEFAULT_EVENT_RETENTION_DAYS, logger);
  const reconciler = new Reconciler(
    db,
    logger,
    { ...Object.fromEntries(providerRegistry.map((p) => [p.id, p.listingGraceMs])), ...options.listingGraceMs },
    publisher,
  );
  const refresher = new StatusRefresher(
    pool,
    reconciler,
    accounts,
    new StorePollClaims(db, undefined, options.workerId ? `${options.workerId}-polls` : undefined),
    logger,
    {
      maxStalenessMs,
      fastIntervalMs: Math.min(2_000, maxStalenessMs),
      // Half the bound: a refresh that takes a while still lands before any read would have to wait for it.
      slowIntervalMs: Math.max(500, Math.floor(maxStalenessMs / 2)),
      // A read never waits on a slow provider longer than this: it answers from the store, marked stale.
      readWaitMs: options.readWaitMs ?? 1_000,
    },
    new VolumeReconciler(db, logger, publisher),
  );
  const offers = new OfferCache(pool, db, logger, {
    refreshEveryMs: options.timing?.offerRefreshMs ?? 30_000,
    firstLoadWaitMs: 8_000,
  });
  const imageCache = new ImageCache(pool, logger, { refreshEveryMs: 10 * 60_000, firstLoadWaitMs: 8_000 });
  runtimeHooks = {
    providerFor: async (id) => (await pool.get(id)).provider,
    accountsChanged: (id) => {
      void (async () => {
        await pool.invalidate(id);
        offers.forget(id);
        imageCache.forget(id);
        const config = await accounts.loadAccountConfig(id);
        if (config?.enabled) await Promise.allSettled([offers.refresh(id), refresher.refresh(id)]);
      })().catch((error) => logger.warn('account reload failed', { accountId: id, error: String(error) }));
    },
  };

  const catalog = new CatalogServiceImpl(offers);
  const images = new ImageServiceImpl(() => imageCache.snapshot());
  const vms = new VmServiceImpl({
    db,
    events: publisher,
    dialect: store.dialect,
    refresher,
    catalog,
    images,
    budgets: new BudgetGuard(db),
    secrets,
    providerInfo: (id) => {
      const definition = findProvider(id);
      if (!definition) return undefined;
      const { stopStart, gpuUtilization, workload, volumes } = definition.capabilities;
      return { displayName: definition.displayName, stopStart, gpuUtilization: gpuUtilization === true, workload, volumes };
    },
  });
  const apiKeys = new ApiKeyService({ store });
  await bootstrapAdminKey(store, options.adminKey);

  // Sandbox accounts point at simulators that only run in sandbox mode.
  await db
    .updateTable('provider_accounts')
    .set({ enabled: options.mode === 'sandbox' ? 1 : 0 })
    .where('is_sandbox', '=', 1)
    .execute();
  let sandbox: Sandbox | null = null;
  if (options.mode === 'sandbox') {
    sandbox = await startSandbox({
      dataDir: options.sandbox?.stateDir ?? null,
      transitionMs: options.sandbox?.transitionMs ?? 2_500,
      ...(options.sandbox?.seed !== undefined ? { seed: options.sandbox.seed } : {}),
    });
    for (const { definition, simulator } of sandbox.clouds) {
      await accounts.upsertSandboxAccount({
        provider: definition.id,
        name: `${definition.displayName} (sandbox)`,
        baseUrl: simulator.baseUrl,
        credentials: simulator.account.credentials,
        settings: simulator.account.settings,
      });
    }
  }

  const webhookGuard = new UrlGuard({
    allowedHosts: options.webhooks?.allowedHosts ?? null,
    allowPrivateAddresses: options.webhooks?.allowPrivateAddresses ?? options.mode === 'sandbox',
  });
  const webhookWorker = new WebhookDeliveryWorker(
    { db, secrets, events: publisher, guard: webhookGuard, logger },
    {
      retryScheduleMs: options.webhooks?.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS,
      tickMs: options.webhooks?.tickMs ?? 1_000,
      timeoutMs: options.webhooks?.timeoutMs ?? 10_000,
      concurrency: options.webhooks?.concurrency ?? 8,
      disableAfterFailures: options.webhooks?.disableAfterFailures ?? 1,
      maxRetryAfterMs: options.webhooks?.maxRetryAfterMs ?? 3_600_000,
      userAgent: `gpufleet-webhooks/${VERSION}`,
      ...(options.workerId ? { workerId: `${options.workerId}-webhooks` } : {}),
      onDelivery: (outcome) => metrics.webhookDelivery(outcome),
    },
  );
  // A new event queued deliveries: send them now rather than at the next tick.
  publisher.onPublished(() => {
    if (!deliveriesQueued) return;
    deliveriesQueued = false;
    webhookWorker.nudge();
  });

  const services: Services = {
    vms,
    catalog,
    images,
    sshKeys: new SshKeyService({ store, events: publisher }),
    startupScripts: new StartupScriptService(store),
    volumes: new VolumeServiceImpl(
      store,
      catalog,
      {
        connect: async (accountId) => {
          const { provider, definition, config } = await pool.get(accountId);
          return { provider, displayName: definition.displayName, redact: redactor(config.credentials) };
        },
        capabilities: (provider) => findProvider(provider)?.capabilities.volumes ?? null,
        nudge: (accountId) => refresher.nudge(accountId),
      },
      publisher,
    ),
    resourceGroups: new ResourceGroupService({ store }),
    accounts,
    apiKeys,
    costs: new CostServiceImpl(db),
    events: eventHub,
    webhooks: new WebhookService({
      store,
      secrets,
      events: publisher,
      guard: webhookGuard,
      nudge: () => webhookWorker.nudge(),
    }),
    readiness: () => checkReadiness(db, refresher),
    health: async (): Promise<HealthReport> => {
      const list = await accounts.list();
      return {
        status: list.every((a) => !a.enabled || a.health === 'ok' || a.health === 'unknown') ? 'ok' : 'degraded',
        version: VERSION,
        mode: options.mode,
        database: store.dialect,
        accounts: list.map((a) => ({
          id: a.id,
          provider: a.provider,
          name: a.name,
          health: a.health,
          lastSyncedAt: a.lastSyncedAt,
        })),
      };
    },
  };

  const jobs = new JobRepository(db);
  const worker = new JobWorker(
    {
      db,
      vms: new VmRepository(db),
      jobs,
      pool,
      refresher,
      offers,
      reconciler,
      logger,
      timing,
      secrets,
      events: publisher,
    },
    {
      concurrency: 16,
      perAccountConcurrency: 4,
      leaseMs: options.timing?.leaseMs ?? 6_000,
      tickMs: options.timing?.workerTickMs ?? 250,
      ...(options.workerId ? { workerId: options.workerId } : {}),
      onJobFinished: (job) => metrics.jobFinished(job.operation, job.outcome),
    },
  );
  refresher.onAnsweringAgain((accountId) => {
    jobs
      .wakeWaitingOnAccount(accountId, new Date().toISOString())
      .then((woken) => {
        if (woken > 0) logger.info('provider answers again; resuming waiting jobs', { accountId, jobs: woken });
      })
      .catch((error) => logger.warn('waking jobs failed', { accountId, error: String(error) }));
  });
  const policies = new PolicyEngine(
    db,
    vms,
    logger,
    publisher,
    options.timing?.policyIntervalMs ?? 15_000,
    options.timing?.idleMinuteMs,
  );

  const rateLimiter = new RateLimiter(options.rateLimitPerMinute ?? 1_000);
  // Replicas share a PostgreSQL store. SQLite serves one process, whose own count is already the whole count,
  // and runs its queries on the event loop: syncing there would only add work beside the requests.
  const rateLimitCounts = store.dialect === 'postgres' ? new StoreRateCounts(db, RATE_LIMIT_WINDOW_MS) : null;
  const rateLimitSync = rateLimitCounts
    ? new RateLimitSync(() => rateLimiter.sync(rateLimitCounts), options.timing?.rateLimitSyncMs ?? 500, logger)
    : null;

  await eventHub.start();
  eventRetention.start();
  await offers.loadSnapshots();
  offers.start();
  refresher.start();
  worker.start();
  policies.start();
  webhookWorker.start();
  rateLimitSync?.start();

  const api = await buildApi({
    services,
    version: VERSION,
    rateLimiter,
    errorLog: logger,
    eventStream: { heartbeatMs: options.timing?.eventHeartbeatMs ?? 15_000, retryMs: 3_000 },
    ...(options.web ? { webRoot: options.web } : {}),
    metrics: {
      source: metrics,
      access: { adminKey: options.mode === 'sandbox', token: options.metrics?.token ?? null },
    },
  });

  let metricsServer: FastifyInstance | null = null;
  let metricsUrl: string | null = null;
  if (options.metrics?.port !== undefined && options.metrics.port !== null) {
    const host = options.metrics.host ?? '127.0.0.1';
    metricsServer = await buildMetricsServer(metrics, options.metrics.token ?? null);
    try {
      await metricsServer.listen({ host, port: options.metrics.port });
    } catch (error) {
      await Promise.all([
        policies.stop(),
        offers.stop(),
        refresher.stop(),
        worker.stop(),
        webhookWorker.stop(),
        rateLimitSync?.stop(),
      ]);
      await Promise.all([api.close(), eventRetention.stop(), eventHub.stop(), pool.close(), sandbox?.close()]);
      throw new Error(`the metrics listener cannot listen on ${host}:${options.metrics.port}: ${(error as Error).message}`);
    }
    const address = metricsServer.server.address();
    const port = typeof address === 'object' && address ? address.port : options.metrics.port;
    metricsUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  let closed = false;
  return {
    api,
    store,
    services,
    runtime: { pool, refresher, offers, worker, policies, events: eventHub, metrics, webhooks: webhookWorker },
    metricsUrl,
    events: publisher,
    sandbox,
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all([policies.stop(), offers.stop(), refresher.stop(), webhookWorker.stop(), rateLimitSync?.stop()]);
      await worker.stop();
      await Promise.all([api.close(), metricsServer?.close()]);
      await Promise.all([eventRetention.stop(), eventHub.stop()]);
      await pool.close();
      await sandbox?.close();
    },
  };
}

/** The job worker's identity for one data directory, made once and kept in `<dir>/worker-id`. */
export function loadOrCreateWorkerId(dataDir: string): string {
  const path = join(dataDir, 'worker-id');
  if (existsSync(path)) {
    const id = readFileSync(path, 'utf8').trim();
    if (id) return id;
  }
  mkdirSync(dataDir, { recursive: true });
  const id = `worker-${randomUUID()}`;
  writeFileSync(path, `${id}\n`, { mode: 0o600 });
  return id;
}

/** A random 32-byte key for runs that keep nothing (tests). */
export function ephemeralSecretKey(): Buffer {
  return randomBytes(32);
}
