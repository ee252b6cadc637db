import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { retryAfterMs } from '../lib/retry-after.ts';

/** What one POST to a receiver came to. */
export interface PostResult {
  /** The HTTP status answered; null when there was no answer (timeout, refused connection, refused address). */
  status: number | null;
  error: string | null;
  /** `Retry-After` of a 429 or 503, in ms. */
  retryAfterMs: number | null;
  /** No point retrying (410 Gone: the receiver says the endpoint is gone for good). */
  final: boolean;
  /** False when the failure says nothing about the receiver (it then never counts towards disabling it). */
  receiverAtFault?: boolean;
}

/** Enough of an answer to be sure it came; the rest is dropped unread, so a huge body costs nothing. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * POST a JSON body once: no redirects followed (a 3xx is a failure — a redirect could lead past the address
 * checks), one deadline for the whole exchange, the answer's body discarded.
 */
export function postJson(
  url: URL,
  body: string,
  options: { headers: Record<string, string>; timeoutMs: number; signal: AbortSignal; lookup?: LookupFunction },
): Promise<PostResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(result);
    };
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: 'POST',
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      },
      signal: options.signal,
      agent: false,
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
    const deadline = setTimeout(() => {
      request.destroy();
      finish({ status: null, error: `timed out after ${options.timeoutMs} ms`, retryAfterMs: null, final: false });
    }, options.timeoutMs);
    deadline.unref();
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_BODY_BYTES) response.destroy();
      });
      const done = () =>
        finish({
          status,
          error:
            status >= 300 && status < 400 ? `redirect to ${response.headers.location ?? '(no location)'} not followed` : null,
          retryAfterMs: status === 429 || status === 503 ? retryAfterMs(response.headers['retry-after']) : null,
          final: status === 410,
        });
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const reason = options.signal.aborted ? 'abandoned at shutdown' : error.message || error.code || String(error);
      finish({ status: null, error: reason, retryAfterMs: null, final: false });
    });
    request.end(body);
  });
}

/** A resolver that answers one address whatever the name: the connection goes where the guard looked. */
export function pinnedLookup(address: { address: string; family: 4 | 6 }): LookupFunction {
  return (_host, options, callback) => {
    if (options.all) callback(null, [address]);
    else callback(null, address.address, address.family);
  };
}
