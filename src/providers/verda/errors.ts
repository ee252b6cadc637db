import { ProviderError, type ProviderErrorKind } from '../../core/provider/errors.ts';
import { type RawResponse, retryAfterMs } from '../kit/http.ts';

export const VERDA = 'verda';

/** Instance states in which Verda refuses an action only for now (it will accept it once the state settles). */
const SETTLING_STATES = new Set(['new', 'ordered', 'validating', 'pending', 'provisioning', 'restoring', 'starting_hibernation']);

/** What Verda's error body says, read defensively: a 429 body may not be the usual JSON (its example is 11 bytes). */
export function readVerdaError(response: Pick<RawResponse, 'json' | 'text'>): { code: string | undefined; message: string } {
  const body = response.json;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const { code, message } = body as { code?: unknown; message?: unknown };
    return {
      code: typeof code === 'string' ? code : undefined,
      message: typeof message === 'string' ? message : response.text.trim(),
    };
  }
  return { code: undefined, message: response.text.trim() };
}

/**
 * The kind of a Verda error from its status, code and message. Verda signals several conditions only in
 * the message text, so those are matched first (the same strings the official SDKs and other
 * production adapters rely on):
 * - "Invalid instance id" (400 or 404): the instance does not exist; "Invalid volume id" likewise for a volume.
 * - "Can't discontinue a discontinued instance": already deleted, so the goal is reached.
 * - "Can't <action> a provisioning instance": refused for now, accepted once the state settles.
 * - "Not enough resources…" (503 `service_unavailable` on create): no capacity.
 * - "One or more of the specified instances is not shut down" (403, volumes): wrong instance state, a conflict.
 * The seed's code enum has `conflict` but not `rate_limit_exceeded`, while its error table has the
 * opposite; both are handled.
 */
export function verdaErrorKind(status: number, code: string | undefined, message: string, method = 'GET'): ProviderErrorKind {
  const text = message.toLowerCase();
  if (text.includes('invalid instance id') || text.includes('invalid volume id')) return 'not_found';
  const refused = /can't \w+ an? ([a-z_]+) instance/.exec(text);
  if (refused?.[1] === 'discontinued' || refused?.[1] === 'notfound') return 'not_found';
  if (refused?.[1] && SETTLING_STATES.has(refused[1])) return 'retry_later';
  if (refused) return 'conflict';
  if (text.includes('not enough resources') || code === 'no_capacity') return 'capacity';
  if (text.includes('insufficient scope')) return 'auth';
  if (/quota|limit exceeded|maximum number/.test(text) && status !== 429) return 'quota';

  if (status === 401 || code === 'unauthorized_request') return 'auth';
  if (status === 402 || code === 'insufficient_funds') return 'payment_required';
  if (status === 429 || code === 'rate_limit_exceeded') return 'rate_limited';
  if (status === 404 || code === 'not_found') return 'not_found';
  if (status === 409 || code === 'conflict') return 'conflict';
  // `forbidden_action`: "Can't perform the current action", i.e. not in this state.
  if (status === 403 || code === 'forbidden_action') return 'conflict';
  // Verda documents `service_unavailable` as "Not enough resources"; on a create that is capacity, while a
  // 503 on a read (or one without Verda's body, from a proxy) is an outage.
  if (status === 503 && code === 'service_unavailable' && method === 'POST') return 'capacity';
  if (status >= 500) return 'unavailable';
  return 'invalid_request';
}

/** The `errorFromResponse` of Verda's HTTP client. */
export function verdaErrorFromResponse(response: RawResponse): ProviderError {
  const { code, message } = readVerdaError(response);
  const kind = verdaErrorKind(response.status, code, message, response.method);
  return new ProviderError({
    provider: VERDA,
    kind,
    status: response.status,
    providerCode: code,
    retryAfterMs: kind === 'rate_limited' ? retryAfterMs(response.headers) : undefined,
    message: `${response.method} ${response.route} answered ${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`,
  });
}

/** The token endpoint answers 400 and 401 for bad credentials or a dead refresh token: both mean auth. */
export function verdaTokenErrorFromResponse(response: RawResponse): ProviderError {
  const error = verdaErrorFromResponse(response);
  if (response.status !== 400 && response.status !== 401) return error;
  return new ProviderError({
    provider: VERDA,
    kind: 'auth',
    status: response.status,
    providerCode: error.providerCode,
    message: `token request refused (${response.status}): ${readVerdaError(response).message || 'no reason given'}`,
  });
}
