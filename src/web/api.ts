import type { PageMeta } from '../contract/common.ts';
import type { Job } from '../contract/gpu-vm.ts';

/** An error answer of the API (`{success:false, error, message}`) or a failure to reach it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiResult<T> {
  data: T;
  meta: PageMeta | null;
  message: string;
  status: number;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Overrides the stored key: the login form checks a key before keeping it. */
  key?: string;
}

export interface ApiClientOptions {
  key(): string | null;
  /** Called when the server refuses the stored key, so the app can ask for another one. */
  onUnauthorized?(error: ApiError): void;
}

/** The dashboard's only way to the server: same origin, JSON in and out, the API key in `X-API-Key`. */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<ApiResult<T>> {
    return this.request<T>('GET', path, { query, signal });
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
    const key = options.key ?? this.options.key();
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (key) headers['x-api-key'] = key;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path + queryString(options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
        cache: 'no-store',
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new ApiError(0, 'NETWORK_ERROR', 'Could not reach the gpufleet server. Check that it is running and try again.');
    }
    const body = await readJson(response);
    if (!response.ok) {
      const error = errorFrom(response, body);
      // Only the stored key is forgotten on a 401; a key typed into the login form is just reported.
      if (response.status === 401 && options.key === undefined) this.options.onUnauthorized?.(error);
      throw error;
    }
    const envelope = isRecord(body) ? body : {};
    return {
      data: (envelope.data ?? null) as T,
      meta: (isRecord(envelope.meta) ? envelope.meta : null) as PageMeta | null,
      message: typeof envelope.message === 'string' ? envelope.message : '',
      status: response.status,
    };
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    if (!response.ok) return null;
    throw new ApiError(
      response.status,
      'BAD_RESPONSE',
      `The server answered HTTP ${response.status} with a body that is not JSON.`,
    );
  }
}

function errorFrom(response: Response, body: unknown): ApiError {
  const record = isRecord(body) ? body : {};
  const code = typeof record.error === 'string' ? record.error : `HTTP_${response.status}`;
  const message =
    typeof record.message === 'string' && record.message !== ''
      ? record.message
      : `The server answered HTTP ${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, code, message, record.details);
}

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `POST /v1/resource/jobs` answers `{jobs: [...]}`; a bare array is accepted too. */
export function jobsFrom(data: unknown): Job[] {
  if (Array.isArray(data)) return data as Job[];
  if (isRecord(data) && Array.isArray(data.jobs)) return data.jobs as Job[];
  return [];
}

/** Fetches every page of a list endpoint (the API caps `limit` at 100). */
export async function listAll<T>(api: ApiClient, path: string, query: Query = {}, signal?: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; ; page++) {
    const result = await api.get<T[]>(path, { ...query, page, limit: 100 }, signal);
    items.push(...(result.data ?? []));
    if (!result.meta?.hasNextPage || page >= 50) return items;
  }
}
