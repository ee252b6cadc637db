import { isProviderError, type ProviderErrorKind } from '../../core/provider/errors.ts';
import { AppError } from '../errors.ts';

const UNAVAILABLE: ReadonlySet<ProviderErrorKind> = new Set(['unavailable', 'rate_limited', 'retry_later', 'bad_response']);

/**
 * What a user is told when a provider call made on their behalf fails. Provider messages pass through
 * `redact` first: a provider could echo part of a credential back. Anything that is not a ProviderError is
 * a bug and is rethrown as is.
 */
export function providerFailure(error: unknown, providerName: string, redact: (text: string) => string): never {
  if (error instanceof AppError || !isProviderError(error)) throw error;
  const detail = redact(error.message);
  if (error.kind === 'auth') {
    throw new AppError(400, 'INVALID_CREDENTIALS', `${providerName} rejected the account's credentials`);
  }
  if (UNAVAILABLE.has(error.kind)) {
    throw new AppError(503, 'GPU_PROVIDER_UNAVAILABLE', `${providerName} is unavailable right now (${detail})`);
  }
  switch (error.kind) {
    case 'quota':
      throw new AppError(409, 'QUOTA_EXCEEDED', `${providerName} refused: account quota reached (${detail})`);
    case 'payment_required':
      throw new AppError(402, 'PAYMENT_REQUIRED', `${providerName} refused: the provider account needs funds (${detail})`);
    case 'capacity':
      throw new AppError(409, 'CAPACITY_UNAVAILABLE', `${providerName} has no capacity for this (${detail})`);
    case 'conflict':
      throw new AppError(409, 'PROVIDER_CONFLICT', `${providerName} refused in the current state (${detail})`);
    default:
      throw new AppError(400, 'PROVIDER_REJECTED', `${providerName} rejected the request (${detail})`);
  }
}

/** Replace every credential value (of a useful length) that appears in `text`. */
export function redactor(credentials: Record<string, string>): (text: string) => string {
  const secrets = Object.values(credentials)
    .filter((v) => v.length >= 4)
    .sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}
