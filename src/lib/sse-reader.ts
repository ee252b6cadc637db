/**
 * The one reader of `GET /v1/events` (Server-Sent Events), for the CLI (Node's fetch) and the dashboard
 * (the browser's): plain `fetch`, so the API key travels in a header and never in a URL (EventSource
 * cannot send headers). Frames are checked against the API's PlatformEvent schema, the last event id is
 * kept, and a lost stream is picked up again with `Last-Event-ID` after the server's retry hint, backing
 * off while the server stays away, so a reconnecting reader misses nothing the server still keeps.
 */
import { FormatRegistry, TypeRegistry } from '@sinclair/typebox';
import { Errors } from '@sinclair/typebox/errors';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { PlatformEvent } from '../contract/events.ts';
import { PlatformEventSchema } from '../contract/events.ts';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface StreamStateInfo {
  /** Connection attempts that failed in a row (0 while live, and on the first attempt). */
  failures: number;
  /** Why the stream is not live, when it is reconnecting or closed by a refusal. */
  error?: Error;
  /** When reconnecting: the wait before the next attempt. */
  retryInMs?: number;
}

export interface EventStreamOptions {
  /** Base address of the server (`http://host:port`); the path and query are added here. */
  baseUrl: string;
  /** Sent as `X-API-Key`; a function is asked at every (re)connect. */
  apiKey?: string | null | (() => string | null);
  /** Only these event types (sent as `types=`). */
  types?: readonly string[];
  /** Only events about this resource (sent as `subjectId=`). */
  subjectId?: string;
  /** Resume after this event (the first connection sends it as `Last-Event-ID`). */
  lastEventId?: string | null;
  signal?: AbortSignal;
  onEvent(event: PlatformEvent): void;
  onState?(state: StreamState, info: StreamStateInfo): void;
  /** A frame that is not a valid event (it is skipped), or an answer that was not a stream (it is retried). */
  onError?(error: Error): void;
  /** First wait before reconnecting when the server sent no `retry:` hint. */
  retryMs?: number;
  /** Longest wait between attempts while the server stays away. */
  maxRetryMs?: number;
  fetch?: typeof fetch;
}

/** A frame whose event does not match the schema; the message names the field. */
export class EventFrameError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly frameId: string | undefined,
  ) {
    super(message);
    this.name = 'EventFrameError';
  }
}

/** The server refused the stream for good (bad key, bad filter): reconnecting would only be refused again. */
export class EventStreamRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EventStreamRefused';
  }
}

export interface EventStream {
  readonly state: StreamState;
  /** Id of the last event handed to `onEvent` (what a reconnect resumes after). */
  readonly lastEventId: string | null;
  /** Settles when the stream is closed: resolves on abort, rejects with EventStreamRefused on a refusal. */
  readonly done: Promise<void>;
  close(): void;
}

const DEFAULT_RETRY_MS = 3_000;
const DEFAULT_MAX_RETRY_MS = 30_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i;

// TypeBox checks formats only through its registry; the server validates with Ajv, so these two are the reader's own.
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (value) => UUID.test(value));
if (!FormatRegistry.Has('date-time'))
  FormatRegistry.Set('date-time', (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));

// The API's enums are plain JSON Schema (`Type.Unsafe`, for Ajv and the OpenAPI document); TypeBox checks them
// through its registry of kinds: `enum` and `type` (also `[T, "null"]`) are all they use.
if (!TypeRegistry.Has('Unsafe'))
  TypeRegistry.Set<{ enum?: unknown[]; type?: string | string[] }>('Unsafe', (schema, value) =>
    plainSchemaAccepts(schema, value),
  );

function plainSchemaAccepts(schema: { enum?: unknown[]; type?: string | string[] }, value: unknown): boolean {
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return false;
  if (schema.type === undefined) return true;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.some((type) =>
    type === 'null'
      ? value === null
      : type === 'integer'
        ? Number.isInteger(value)
        : type === 'array'
          ? Array.isArray(value)
          : typeof value === type,
  );
}

/** The event of one SSE frame, or an EventFrameError naming the first field that is wrong. */
export function parseEventFrame(message: Pick<EventSourceMessage, 'id' | 'event' | 'data'>): PlatformEvent {
  let value: unknown;
  try {
    value = JSON.parse(message.data);
  } catch {
    throw new EventFrameError(`event frame ${message.id ?? '(no id)'}: data is not JSON`, 'data', message.id);
  }
  const first = Errors(PlatformEventSchema, value).First();
  if (first) {
    const field = first.path === '' ? 'data' : `data${first.path.replaceAll('/', '.')}`;
    const enumValues = (first.schema as { enum?: unknown[] }).enum;
    const why = Array.isArray(enumValues)
      ? `${JSON.stringify(first.value)} is not one of ${enumValues.join(', ')}`
      : first.message;
    throw new EventFrameError(`event frame ${message.id ?? '(no id)'}: ${field}: ${why}`, field, message.id);
  }
  const event = value as PlatformEvent;
  if (message.event !== undefined && message.event !== event.type) {
    throw new EventFrameError(
      `event frame ${message.id ?? '(no id)'}: event: "${message.event}" but data.type is "${event.type}"`,
      'event',
      message.id,
    );
  }
  return event;
}

export function openEventStream(options: EventStreamOptions): EventStream {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  if (options.signal?.aborted) stop.abort();
  else options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  let state: StreamState = 'connecting';
  let lastEventId = options.lastEventId ?? null;
  let retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  const maxRetryMs = options.maxRetryMs ?? DEFAULT_MAX_RETRY_MS;

  const setState = (next: StreamState, info: StreamStateInfo) => {
    state = next;
    options.onState?.(next, info);
  };

  const url = (): string => {
    const params = new URLSearchParams();
    if (options.types && options.types.length > 0) params.set('types', options.types.join(','));
    if (options.subjectId) params.set('subjectId', options.subjectId);
    const query = params.toString();
    return `${options.baseUrl.replace(/\/+$/, '')}/v1/events${query ? `?${query}` : ''}`;
  };

  /** One connection, read to its end. Resolves when the stream ends (or is aborted), true when it went live. */
  const connectOnce = async (): Promise<boolean> => {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    const key = typeof options.apiKey === 'function' ? options.apiKey() : options.apiKey;
    if (key) headers['x-api-key'] = key;
    if (lastEventId) headers['last-event-id'] = lastEventId;
    const response = await doFetch(url(), { headers, signal: stop.signal, cache: 'no-store' });
    if (!response.ok || !response.body) {
      const body = await response.text().catch(() => '');
      const { code, message } = errorOf(response.status, body);
      // 408, 429 and 5xx pass (an overloaded or restarting server); any other refusal would repeat itself.
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        throw new EventStreamRefused(response.status, code, message);
      }
      throw new Error(`the event stream answered HTTP ${response.status}: ${message} (${code})`);
    }
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
      await response.body.cancel().catch(() => {});
      throw new Error('the server did not answer /v1/events with an event stream');
    }
    setState('live', { failures: 0 });
    const parser = createParser({
      onEvent: (message) => {
        let event: PlatformEvent;
        try {
          event = parseEventFrame(message);
        } catch (error) {
          options.onError?.(error as Error);
          return;
        }
        lastEventId = event.id;
        options.onEvent(event);
      },
      onRetry: (ms) => {
        if (ms > 0) retryMs = ms;
      },
      // Heartbeats (`: heartbeat`) are comments: they only prove the connection is alive.
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
    } finally {
      reader.releaseLock();
    }
    return true;
  };

  const run = async (): Promise<void> => {
    let failures = 0;
    try {
      while (!stop.signal.aborted) {
        let error: Error | undefined;
        try {
          await connectOnce();
          failures = 0;
          error = new Error('the server ended the event stream');
        } catch (err) {
          if (stop.signal.aborted) break;
          if (err instanceof EventStreamRefused) throw err;
          error = err instanceof Error ? err : new Error(String(err));
          if (state !== 'live') failures++;
          else failures = 0;
        }
        if (stop.signal.aborted) break;
        // A stream that was live comes back after the hint; a server that keeps failing is asked less often.
        const base = Math.min(maxRetryMs, retryMs * 2 ** Math.max(0, failures - 1));
        const wait = Math.round(base * (0.8 + Math.random() * 0.4));
        setState('reconnecting', { failures, error, retryInMs: wait });
        await delay(wait, stop.signal);
      }
      setState('closed', { failures: 0 });
    } catch (error) {
      setState('closed', { failures, error: error as Error });
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', onOuterAbort);
    }
  };

  setState('connecting', { failures: 0 });
  const done = run();
  // Whoever does not await `done` still sees refusals through onState; no unhandled rejection.
  done.catch(() => {});
  return {
    get state() {
      return state;
    },
    get lastEventId() {
      return lastEventId;
    },
    done,
    close: () => stop.abort(),
  };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function errorOf(status: number, body: string): { code: string; message: string } {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    return {
      code: typeof parsed.error === 'string' ? parsed.error : `HTTP_${status}`,
      message: typeof parsed.message === 'string' ? parsed.message : `HTTP ${status}`,
    };
  } catch {
    return { code: `HTTP_${status}`, message: `HTTP ${status}` };
  }
}
