import { ProviderError, type ProviderErrorKind } from '../../core/provider/errors.ts';
import type { RawResponse } from '../kit/http.ts';
import type { GraphqlError } from './wire.ts';

export const PROVIDER_ID = 'runpod';

/**
 * RunPod documents no error codes for its GraphQL resolvers: every SDK reads `errors[0].message`. These
 * are the messages seen in the field, matched loosely (RunPod has shipped several wordings of each).
 */
const MESSAGE_RULES: { test: RegExp; kind: ProviderErrorKind; explain?: (message: string) => string }[] = [
  // Network volumes. "You must remove this network volume from all pods before deleting it." (dstack PR #3781).
  {
    test: /remove this network volume from all pods/i,
    kind: 'conflict',
    explain: (m) =>
      `RunPod deletes a network volume only once no pod has it, stopped pods included: terminate those pods first (${m})`,
  },
  // "Failed to find data center, please try again." (dstack#2993), e.g. for a Community Cloud country code.
  {
    test: /failed to find data ?center/i,
    kind: 'invalid_request',
    explain: (m) =>
      `RunPod knows no such data center for a network volume; volumes live in Secure Cloud data centers such as EU-RO-1 (${m})`,
  },
  // RunPod's wording for these is not on record; the simulator's is matched along with likely variants.
  { test: /network volume.*(not found|does not exist)|could not find (the )?network volume/i, kind: 'not_found' },
  {
    test: /size can only be increased|cannot (be )?(decrease|reduce|shrink)/i,
    kind: 'invalid_request',
    explain: (m) => `RunPod network volumes can only grow (${m})`,
  },
  {
    test: /template.*(not found|does not exist)|could not find (the )?template/i,
    kind: 'invalid_request',
    explain: (m) => `RunPod has no pod template by that id that this account may use (${m})`,
  },
  { test: /serverless template/i, kind: 'invalid_request' },
  // "There are no longer any instances available with the requested specifications. …" (and variants).
  { test: /no longer any instances available/i, kind: 'capacity' },
  {
    test: /not enough free gpus on the host/i,
    kind: 'capacity',
    explain: (m) =>
      `a stopped pod can only resume on the machine it was created on, and that machine has no free GPUs right now (${m}); try again later or create a new pod elsewhere`,
  },
  { test: /pod not found|could not find pod|pod .* does not exist/i, kind: 'not_found' },
  {
    test: /\bbid\b.*(too low|below|minimum)|(too low|below|minimum).*\bbid\b/i,
    kind: 'invalid_request',
    explain: (m) => `RunPod rejected the spot bid: ${m}`,
  },
  { test: /cannot resume a spot pod as an on demand pod/i, kind: 'invalid_request' },
  { test: /already running|not running|already (stopped|exited)|is locked|currently locked/i, kind: 'conflict' },
  {
    test: /insufficient (funds|balance)|not enough (funds|credits|balance)|add credits|balance is too low/i,
    kind: 'payment_required',
  },
  { test: /too many requests|rate limit/i, kind: 'rate_limited' },
  { test: /something went wrong|try again later|internal server error/i, kind: 'unavailable' },
];

/**
 * Codes that decide on their own. `INTERNAL_SERVER_ERROR` is not one: the GraphQL server stamps it on any
 * resolver error, capacity and bad input alike, so only the message tells those apart.
 */
const CODE_KINDS: Record<string, ProviderErrorKind> = {
  UNAUTHENTICATED: 'auth',
  FORBIDDEN: 'auth',
  GRAPHQL_VALIDATION_FAILED: 'invalid_request',
  GRAPHQL_PARSE_FAILED: 'invalid_request',
  BAD_USER_INPUT: 'invalid_request',
};

/** A resolver error (HTTP 200 + `errors[]`) as a typed error. */
export function errorFromGraphql(error: GraphqlError, operation: string, status = 200): ProviderError {
  const code = error.extensions?.code ?? undefined;
  const rule = MESSAGE_RULES.find((r) => r.test.test(error.message));
  const kind = rule?.kind ?? (code ? CODE_KINDS[code] : undefined);
  if (kind) {
    return new ProviderError({
      provider: PROVIDER_ID,
      kind,
      status,
      providerCode: code,
      message: `${operation}: ${rule?.explain ? rule.explain(error.message) : error.message}`,
    });
  }
  // A rejection RunPod has never been seen to send: most resolver errors refuse the input, so retrying the
  // same request would only fail again. The message is passed on untouched for the user to read.
  return new ProviderError({
    provider: PROVIDER_ID,
    kind: 'invalid_request',
    status,
    providerCode: code,
    message: `RunPod refused ${operation} with an error gpufleet does not recognise: "${error.message}"${code ? ` (${code})` : ''}`,
  });
}

/** A non-2xx HTTP answer: 400 for schema/variable validation, 401/403 for the key, 429, 5xx. */
export function errorFromResponse(response: RawResponse): ProviderError {
  const operation = response.route.split('#')[1] ?? 'request';
  const first = firstGraphqlMessage(response.json);
  const detail = first ?? (response.text.slice(0, 200) || `HTTP ${response.status}`);
  const base = { provider: PROVIDER_ID, status: response.status };
  if (response.status === 401 || response.status === 403) {
    return new ProviderError({
      ...base,
      kind: 'auth',
      message: `${operation}: the API key was rejected (HTTP ${response.status})`,
    });
  }
  if (response.status === 429) {
    return new ProviderError({ ...base, kind: 'rate_limited', message: `${operation}: too many requests` });
  }
  if (response.status === 402) {
    return new ProviderError({ ...base, kind: 'payment_required', message: `${operation}: ${detail}` });
  }
  if (response.status >= 500) {
    return new ProviderError({ ...base, kind: 'unavailable', message: `${operation}: HTTP ${response.status}: ${detail}` });
  }
  if (response.status === 400 && first !== undefined) {
    // Validation errors name the field ("Field \"x\" is not defined by type …"): our bug, never retried.
    return new ProviderError({ ...base, kind: 'invalid_request', message: `${operation}: ${first}` });
  }
  return new ProviderError({ ...base, kind: 'invalid_request', message: `${operation}: HTTP ${response.status}: ${detail}` });
}

function firstGraphqlMessage(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const errors = (json as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const message = (errors[0] as { message?: unknown }).message;
  return typeof message === 'string' ? message : undefined;
}
