import type { Kysely } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ProviderCallObserver } from '../core/provider/provider.ts';
import type { Database } from '../store/schema.ts';

/** Route label of a request no route matched (any URL): one value, so probing random paths cannot add series. */
export const UNMATCHED_ROUTE = 'unmatched';

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const PROVIDER_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The Prometheus metrics of one gpufleet process, on a registry of its own (never prom-client's global one, so
 * several apps in one process keep separate counts). Counters are fed by hooks (HTTP requests, provider calls,
 * finished jobs, webhook deliveries); the fleet gauges are read from the store when scraped, so they are
 * shared truth across replicas and cost one aggregate query per scrape.
 */
export class AppMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly providerCalls: Counter<'provider' | 'route' | 'status'>;
  private readonly providerDuration: Histogram<'provider' | 'route'>;
  private readonly providerErrors: Counter<'provider' | 'kind'>;
  private readonly jobs: Counter<'operation' | 'outcome'>;
  private readonly webhookDeliveries: Counter<'outcome'>;

  constructor(db: Kysely<Database>) {
    const registers = [this.registry];
    // process_*, nodejs_* (heap, GC, handles) and nodejs_eventloop_lag_* (event-loop delay).
    collectDefaultMetrics({ register: this.registry });

    this.httpRequests = new Counter({
      name: 'gpufleet_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'gpufleet_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.providerCalls = new Counter({
      name: 'gpufleet_provider_calls_total',
      help: 'HTTP requests sent to provider APIs (each attempt), by provider, route template and status (or timeout, network_error)',
      labelNames: ['provider', 'route', 'status'],
      registers,
    });
    this.providerDuration = new Histogram({
      name: 'gpufleet_provider_call_duration_seconds',
      help: 'Duration of one request to a provider API, by provider and route template',
      labelNames: ['provider', 'route'],
      buckets: PROVIDER_BUCKETS,
      registers,
    });
    this.providerErrors = new Counter({
      name: 'gpufleet_provider_errors_total',
      help: 'Provider requests that failed, after retries, by provider and error kind (capacity, quota, auth, unavailable…)',
      labelNames: ['provider', 'kind'],
      registers,
    });
    this.jobs = new Counter({
      name: 'gpufleet_jobs_total',
      help: 'Jobs finished by this process, by operation (create, delete, start, stop, restart) and outcome',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'gpufleet_webhook_deliveries_total',
      help: 'Webhook delivery attempts, by outcome',
      labelNames: ['outcome'],
      registers,
    });

    new Gauge({
      name: 'gpufleet_vms',
      help: 'VMs in the store (not deleted), by provider (none: not placed yet) and status',
      labelNames: ['provider', 'status'],
      registers,
      async collect() {
        const rows = await db
          .selectFrom('vms')
          .select(['provider', 'status', db.fn.countAll<number | string>().as('n')])
          .where('deleted_at', 'is', null)
          .groupBy(['provider', 'status'])
          .execute();
        this.reset();
        for (const row of rows) this.set({ provider: row.provider ?? 'none', status: row.status }, Number(row.n));
      },
    });
    new Gauge({
      name: 'gpufleet_poll_lag_seconds',
      help: 'Age of the newest successful status sync of each enabled provider account (absent until its first sync)',
      labelNames: ['provider', 'account'],
      registers,
      async collect() {
        const rows = await db
          .selectFrom('provider_accounts')
          .select(['provider', 'name', 'last_synced_at'])
          .where('deleted_at', 'is', null)
          .where('enabled', '=', 1)
          .execute();
        this.reset();
        const now = Date.now();
        for (const row of rows) {
          const at = row.last_synced_at ? Date.parse(row.last_synced_at) : Number.NaN;
          if (Number.isFinite(at)) this.set({ provider: row.provider, account: row.name }, Math.max(0, (now - at) / 1000));
        }
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text of every metric (what `GET /metrics` answers). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** One answered HTTP request; `route` is the route pattern (`/v1/resource/gpu/:id`), never the raw URL. */
  httpRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    const labels = { method, route: route ?? UNMATCHED_ROUTE, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  /** Handed down to the provider adapters' HTTP client (they never see this module). */
  readonly providerObserver: ProviderCallObserver = {
    call: ({ provider, route, status, durationMs }) => {
      this.providerCalls.inc({ provider, route, status: String(status) });
      this.providerDuration.observe({ provider, route }, durationMs / 1000);
    },
    error: ({ provider, kind }) => {
      this.providerErrors.inc({ provider, kind });
    },
  };

  /** A job reached its end (the job worker's `onJobFinished`). */
  jobFinished(operation: string, outcome: string): void {
    this.jobs.inc({ operation, outcome });
  }

  /**
   * One webhook delivery attempt ended, for `gpufleet_webhook_deliveries_total{outcome}`. Called by the webhook
   * delivery worker; outcomes are a small fixed set it chooses (e.g. `delivered`, `retrying`, `failed`,
   * `disabled`) — never a URL, a webhook id or a response body, which would make one series per value.
   */
  webhookDelivery(outcome: string): void {
    this.webhookDeliveries.inc({ outcome });
  }
}
