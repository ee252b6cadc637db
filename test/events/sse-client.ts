import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** A Server-Sent Events reader over fetch, as a client would write one, recording frames and comments. */
export interface SseConnection {
  status: number;
  headers: Headers;
  messages: EventSourceMessage[];
  comments: string[];
  retry: number | null;
  /** Resolves with the first `count` messages (matching `where`), or rejects after `timeoutMs`. */
  waitFor(count: number, where?: (m: EventSourceMessage) => boolean, timeoutMs?: number): Promise<EventSourceMessage[]>;
  close(): void;
  /** Body of a non-stream answer (an error). */
  body: unknown;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const connection: SseConnection = {
    status: res.status,
    headers: res.headers,
    messages: [],
    comments: [],
    retry: null,
    body: null,
    close: () => abort.abort(),
    waitFor: async (count, where = () => true, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = connection.messages.filter(where);
        if (found.length >= count) return found.slice(0, count);
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${count} events; saw ${connection.messages.map((m) => m.event).join(', ')}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    connection.body = await res.json();
    return connection;
  }
  const parser = createParser({
    onEvent: (m) => connection.messages.push(m),
    onComment: (c) => connection.comments.push(c),
    onRetry: (r) => {
      connection.retry = r;
    },
  });
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
        parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // Aborted by close().
    }
  })();
  return connection;
}
