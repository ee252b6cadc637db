import { ProviderError } from '../../core/provider/errors.ts';
import type { ProviderCallObserver, ProviderDeps, ProviderLogger } from '../../core/provider/provider.ts';
import { retryAfterMs as parseRetryAfter } from '../../lib/retry-after.ts';
import { parseRateLimitHeaders } from './rate-limit-headers.ts';

/** What a provider's error mapper sees of a response that was not a success. */
export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON when it is JSON; undefined otherwise. */
  json: unknown;
  method: string;
  route: string;
}

export interface HttpAuth {
  /** Headers that authenticate one request (e.g. `Authorization: Bearer …`). */
  headers(): Promise<Record<string, string>>;
  /** The provider answered 401: drop the cached credential so the next `headers()` renews it. */
  onUnauthorized(): void;
}

export interface HttpClientOptions {
  provider: string;
  accountId: string;
  baseUrl: string;
  userAgent: string;
  auth?: HttpAuth;
  /** Turns a non-2xx response into the provider's typed error. */
  errorFromResponse: (response: RawResponse) => ProviderError;
  logger: ProviderLogger;
  onCall?: ProviderDeps['onProviderCall'];
  /** Metrics: every attempt with its duration, every typed failure this client throws. */
  observer?: ProviderCallObserver | undefined;
  /** Longest wait for one attempt of a request that must not be sent twice (a create). */
  timeoutMs?: number;
  /**
   * Longest wait for the first attempt of a retry-safe request (reads, idempotent actions); each further
   * attempt waits twice as long, up to `timeoutMs`. Repeating such a request does no harm, so a call
   * stalled by a network hiccup is sent again after a few seconds instead of holding its caller for the
   * whole `timeoutMs`, while a provider that is merely slow still gets the longer waits of later attempts.
   */
  retrySafeTimeoutMs?: number;
  /** Attempts for one request, counting the first. */
  maxAttempts?: number;
  /** Longest single wait for a `Retry-After` we accept before giving up with `rate_limited`. */
  maxRetryWaitMs?: number;
  /** Requests in flight at once for this account. */
  maxConcurrency?: number;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the base URL, e.g. `/instances/123`. */
  path: string;
  /** Path template for metrics, e.g. `/instances/{id}`; defaults to `path`. */
  route?: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body. */
  json?: unknown;
  /** Form-encoded body. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Send without the account's auth headers (token endpoints, public catalog). */
  anonymous?: boolean;
  /**
   * Repeating the request cannot do harm. Defaults to true for GET only: a create that timed out is
   * never sent twice, because the provider may have acted on it (the core finds it again by its tag).
   */
  retrySafe?: boolean;
  /** Base URL for this request only (providers with one URL per region). */
  baseUrl?: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The one HTTP client every adapter uses: timeouts, bounded retries only where safe, 429 and
 * `Retry-After` honoured, rate-limit headers respected before the provider has to say no, a cap on
 * requests in flight per account, a single re-auth on 401, and errors typed by the provider's mapper.
 */
export class HttpClient {
  private readonly timeoutMs: number;
  private readonly retrySafeTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxRetryWaitMs: number;
  private readonly maxConcurrency: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Until when the provider told us (through headers) that it has no budget left. */
  private pausedUntil = 0;

  constructor(private readonly options: HttpClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retrySafeTimeoutMs = Math.min(this.timeoutMs, options.retrySafeTimeoutMs ?? 6_000);
    this.maxAttempts = options.maxAttempts ?? 4;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 30_000;
    this.maxConcurrency = options.maxConcurrency ?? 8;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.attempt(req);
    } catch (error) {
      reportProviderError(this.options.observer, this.options.accountId, req.route ?? req.path, error);
      throw error;
    }
  }

  private async attempt(req: HttpRequest): Promise<HttpResponse> {
    const retrySafe = req.retrySafe ?? req.method === 'GET';
    const route = req.route ?? req.path;
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      const timeoutMs = retrySafe ? Math.min(this.timeoutMs, this.retrySafeTimeoutMs * 2 ** (attempt - 1)) : this.timeoutMs;
      const outcome = await this.withSlot(() => this.send(req, route, timeoutMs));
      if (outcome.kind === 'response' && outcome.response.status < 400) return outcome.response;

      if (outcome.kind === 'network') {
        if (retrySafe && attempt < this.maxAttempts) {
          await sleep(this.backoffMs(attempt));
          continue;
        }
        throw new ProviderError({
          provider: this.options.provider,
          kind: 'unavailable',
          message: `${req.method} ${route} ${outcome.timedOut ? `timed out after ${timeoutMs} ms` : `failed: ${outcome.error.message}`}${retrySafe ? '' : ' (the provider may or may not have acted on it)'}`,
          cause: outcome.error,
        });
      }

      const { response } = outcome;
      const raw: RawResponse = { ...response, method: req.method, route };
      if (response.status === 401 && this.options.auth && !req.anonymous && !reauthenticated) {
        reauthenticated = true;
        this.options.auth.onUnauthorized();
        continue;
      }
      const error = this.options.errorFromResponse(raw);
      if (response.status === 429 || error.kind === 'rate_limited') {
        // A 429 was not acted on, so it is safe to send again whatever the method.
        const waitMs = retryAfterMs(response.headers) ?? this.backoffMs(attempt);
        if (attempt < this.maxAttempts && waitMs <= this.maxRetryWaitMs) {
          this.options.logger.warn('provider rate limit hit; waiting', { provider: this.options.provider, route, waitMs });
          await sleep(waitMs);
          continue;
        }
        throw new ProviderError({
          provider: this.options.provider,
          kind: 'rate_limited',
          status: response.status,
          retryAfterMs: waitMs,
          message: `rate limited on ${req.method} ${route}; retry after ${Math.ceil(waitMs / 1000)} s`,
        });
      }
      if (retrySafe && error.kind === 'unavailable' && attempt < this.maxAttempts) {
        await sleep(this.backoffMs(attempt));
        continue;
      }
      throw error;
    }
  }

  private async send(
    req: HttpRequest,
    route: string,
    timeoutMs: number,
  ): Promise<{ kind: 'response'; response: HttpResponse } | { kind: 'network'; error: Error; timedOut: boolean }> {
    const wait = this.pausedUntil - Date.now();
    if (wait > 0) await sleep(Math.min(wait, this.maxRetryWaitMs));

    const url = new URL((req.baseUrl ?? this.options.baseUrl).replace(/\/+$/, '') + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { 'User-Agent': this.options.userAgent, Accept: 'application/json', ...req.headers };
    let body: string | undefined;
    if (req.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(req.form).toString();
    }
    // A failing token request surfaces its own typed error.
    if (this.options.auth && !req.anonymous) Object.assign(headers, await this.options.auth.headers());

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const started = performance.now();
    const observe = (status: number | 'timeout' | 'network_error') =>
      this.options.observer?.call({
        provider: this.options.provider,
        accountId: this.options.accountId,
        method: req.method,
        route,
        status,
        durationMs: performance.now() - started,
      });
    try {
      const res = await fetch(url, { method: req.method, headers, body, signal: controller.signal });
      const text = await res.text();
      observe(res.status);
      this.options.onCall?.({
        provider: this.options.provider,
        accountId: this.options.accountId,
        method: req.method,
        route,
        status: res.status,
      });
      this.notePacing(res.headers);
      return { kind: 'response', response: { status: res.status, headers: res.headers, text, json: tryJson(text) } };
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      observe(controller.signal.aborted ? 'timeout' : 'network_error');
      return { kind: 'network', error: err, timedOut: controller.signal.aborted };
    } finally {
      clearTimeout(timer);
    }
  }

  /** When the headers say the budget is spent, hold the next requests until the window resets. */
  private notePacing(headers: Headers): void {
    const limit = parseRateLimitHeaders(headers);
    if (limit && limit.remaining <= 0 && limit.resetSec > 0) {
      this.pausedUntil = Math.max(this.pausedUntil, Date.now() + limit.resetSec * 1000);
    }
  }

  private backoffMs(attempt: number): number {
    const base = Math.min(4_000, 200 * 2 ** (attempt - 1));
    return base / 2 + Math.random() * (base / 2);
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxConcurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

const reported = new WeakSet<object>();

/**
 * Tell the observer about a typed provider failure, once per error object: the HTTP client reports what it
 * throws, and an adapter that turns a 200 into an error (GraphQL errors, a body that fails its schema)
 * reports it the same way without counting the client's errors twice.
 */
export function reportProviderError(
  observer: ProviderCallObserver | undefined,
  accountId: string,
  route: string,
  error: unknown,
): void {
  if (!observer || !(error instanceof ProviderError) || reported.has(error)) return;
  reported.add(error);
  observer.error({ provider: error.provider, accountId, route, kind: error.kind });
}

function tryJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers): number | undefined {
  return parseRetryAfter(headers.get('retry-after')) ?? undefined;
}
