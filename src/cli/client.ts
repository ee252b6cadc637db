import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PageMeta } from '../contract/common.ts';
import { retryAfterMs } from '../lib/retry-after.ts';
import { adminKeyPath, type CliConfig } from './config.ts';
import { ApiError, ConnectionError } from './errors.ts';

export type QueryValue = string | number | boolean | readonly string[] | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One unwrapped success envelope. */
export interface ApiResult<T> {
  data: T;
  meta: PageMeta | null;
  message: string;
  status: number;
}

const REQUEST_TIMEOUT_MS = 30_000;
const MAX_ATTEMPTS = 3;
const MAX_RETRY_AFTER_SEC = 10;
/** Connection failures where the request cannot have reached the server: retrying them only delays the answer. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The CLI's only way to the server. Retries a request only when repeating it cannot do anything twice:
 * reads, and writes that carry an `Idempotency-Key` (the server answers the replay with the first result).
 */
export class ApiClient {
  constructor(readonly config: Pick<CliConfig, 'url' | 'apiKey' | 'apiKeySource'>) {}

  get<T>(path: string, query?: RequestOptions['query']): Promise<ApiResult<T>> {
    return this.request<T>('GET', path, { query });
  }

  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResult<T>> {
    return this.request<T>('POST', path, { body, headers });
  }

  put<T>(path: string, body: unknown): Promise<ApiResult<T>> {
    return this.request<T>('PUT', path, { body });
  }

  delete<T>(path: string): Promise<ApiResult<T>> {
    return this.request<T>('DELETE', path, {});
  }

  async request<T>(method: string, path: string, options: RequestOptions): Promise<ApiResult<T>> {
    const url = this.config.url + path + queryString(options.query);
    const repeatable = method === 'GET' || options.headers?.['Idempotency-Key'] !== undefined;
    for (let attempt = 1; ; attempt++) {
      let response: HttpAnswer;
      try {
        response = await send(
          method,
          url,
          this.headers(options),
          options.body === undefined ? undefined : JSON.stringify(options.body),
        );
      } catch (err) {
        const reason = networkReason(err);
        if (repeatable && attempt < MAX_ATTEMPTS && !NEVER_SENT.has(reason)) continue;
        throw new ConnectionError(this.config.url, reason);
      }
      // A 429 was refused before anything happened, so it is safe to repeat whatever the method.
      if (response.status === 429 && attempt < MAX_ATTEMPTS) {
        await sleep(waitBeforeRetryMs(header(response.headers, 'retry-after')));
        continue;
      }
      return this.unwrap<T>(response, url);
    }
  }

  private headers(options: RequestOptions): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (this.config.apiKey) headers['x-api-key'] = this.config.apiKey;
    return headers;
  }

  private unwrap<T>(response: HttpAnswer, url: string): ApiResult<T> {
    const text = response.body;
    let body: unknown = null;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        throw new ApiError(
          response.status,
          'BAD_RESPONSE',
          `${url} answered HTTP ${response.status} with a body that is not JSON`,
        );
      }
    }
    if (response.status < 200 || response.status > 299) throw this.errorFrom(response.status, body);
    // Every gpufleet route answers an envelope: anything else (an empty 204 included) means --url points at
    // something that is not a gpufleet server.
    if (!isRecord(body) || body.success !== true) {
      throw new ApiError(response.status, 'BAD_RESPONSE', `${url} did not answer with a gpufleet API envelope; is --url right?`);
    }
    return {
      data: (body.data ?? null) as T,
      meta: (body.meta ?? null) as PageMeta | null,
      message: typeof body.message === 'string' ? body.message : '',
      status: response.status,
    };
  }

  private errorFrom(status: number, body: unknown): ApiError {
    const record = isRecord(body) ? body : {};
    const code = pickString(record.error) ?? pickString(record.code) ?? `HTTP_${status}`;
    let message = pickString(record.message) ?? `the server answered HTTP ${status}`;
    if (status === 401 && this.config.apiKeySource === 'none') {
      message += `; no API key was sent: run \`gpufleet login --url <url> --key <key>\`, set GPUFLEET_API_KEY, pass --api-key, or run the local sandbox so ${adminKeyPath()} exists`;
    }
    return new ApiError(status, code, message, record.details);
  }
}

export function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(key, value.join(','));
    } else {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP exchange on node:http(s), the whole answer read. Not `fetch`: for a command that makes a call or
 * two and exits, loading fetch's HTTP client and letting it wind down costs more than the call itself.
 */
function send(method: string, url: string, headers: Record<string, string>, body: string | undefined): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', fail);
    });
    function fail(err: Error) {
      clearTimeout(timer);
      reject(err);
    }
    // The whole exchange, answer included, within the limit.
    const timer = setTimeout(() => {
      const timeout = new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000}s`);
      timeout.name = 'TimeoutError';
      request.destroy(timeout);
    }, REQUEST_TIMEOUT_MS);
    request.on('error', fail);
    request.end(body);
  });
}

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

/** How long to wait before asking again: the server's `Retry-After`, bounded; a second when it gave none. */
function waitBeforeRetryMs(header: string | null): number {
  const ms = retryAfterMs(header);
  return ms !== null && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_SEC * 1000) : 1000;
}

/** The most telling name for a failed exchange: the socket error's code when there is one (also under `cause`). */
function networkReason(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000}s`;
  }
  let current: unknown = err;
  let deepest = err instanceof Error ? err.message : String(err);
  while (current instanceof Error) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    deepest = current.message;
    current = current.cause;
  }
  return deepest;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pickString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
