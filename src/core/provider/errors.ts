/**
 * Typed provider failures. The core's decisions depend only on `kind`:
 * - `capacity`        no machine right now: try the next offer.
 * - `quota`           an account limit: stop and tell the user.
 * - `payment_required` the provider account has no funds: stop and tell the user.
 * - `rate_limited`    slow down; `retryAfterMs` says how long.
 * - `unavailable`     provider down or timing out: retry later, never conclude anything.
 * - `retry_later`     the provider refuses this action for now (e.g. delete while provisioning).
 * - `not_found`       the thing does not exist (on delete: the goal is reached).
 * - `conflict`        wrong state for the action (stop a stopped instance).
 * - `invalid_request` our bug or the user's: never retry.
 * - `auth`            credentials rejected: stop, flag the account.
 * - `bad_response`    the provider answered with a shape we do not understand.
 */
export type ProviderErrorKind =
  | 'capacity'
  | 'quota'
  | 'payment_required'
  | 'rate_limited'
  | 'unavailable'
  | 'retry_later'
  | 'not_found'
  | 'conflict'
  | 'invalid_request'
  | 'auth'
  | 'bad_response';

const RETRYABLE: ReadonlySet<ProviderErrorKind> = new Set(['rate_limited', 'unavailable', 'retry_later']);

export interface ProviderErrorInit {
  provider: string;
  kind: ProviderErrorKind;
  message: string;
  /** HTTP status the provider answered with, when there was one. */
  status?: number;
  /** The provider's own error code (`no_capacity`, `invalid_request`, a GraphQL extension code). */
  providerCode?: string;
  retryAfterMs?: number;
  /** For `bad_response`: the JSON path of the offending field. */
  field?: string;
  cause?: unknown;
}

export class ProviderError extends Error {
  readonly provider: string;
  readonly kind: ProviderErrorKind;
  readonly status: number | undefined;
  readonly providerCode: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly field: string | undefined;

  constructor(init: ProviderErrorInit) {
    super(`${init.provider}: ${init.message}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ProviderError';
    this.provider = init.provider;
    this.kind = init.kind;
    this.status = init.status;
    this.providerCode = init.providerCode;
    this.retryAfterMs = init.retryAfterMs;
    this.field = init.field;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

export function isProviderError(error: unknown, kind?: ProviderErrorKind): error is ProviderError {
  return error instanceof ProviderError && (kind === undefined || error.kind === kind);
}
