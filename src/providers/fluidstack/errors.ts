import { ProviderError } from '../../core/provider/errors.ts';
import { type RawResponse, retryAfterMs } from '../kit/http.ts';
import { PROVIDER_ID } from './settings.ts';

/** Where a failing call went, so the error can say which region and project were involved. */
export interface ErrorContext {
  /** `null` for the global Management API. */
  region: string | null;
  projectId: string | null;
}

function messageOf(raw: RawResponse): string {
  const json = raw.json as { message?: unknown } | undefined;
  if (json && typeof json.message === 'string' && json.message) return json.message;
  const text = raw.text.trim();
  return text ? text.slice(0, 200) : `HTTP ${raw.status}`;
}

/**
 * An unknown or inaccessible project answers 404 on list/create routes, the same status as a missing
 * instance. Reading it as "instance gone" would make every VM of a misconfigured account look destroyed,
 * so a 404 whose message speaks of the project (and not of an instance) is an account problem.
 */
function isProjectNotFound(message: string): boolean {
  return /\bproject\b/i.test(message) && !/\binstance\b/i.test(message);
}

/**
 * Map an Atlas error (`{message}` with 400/401/403/404/409/5xx/501) to a typed `ProviderError`. The regional
 * API documents 403 for a bad or expired token and the Management API 401; both read as `auth`.
 */
export function atlasError(raw: RawResponse, ctx: ErrorContext): ProviderError {
  const message = messageOf(raw);
  const where = ctx.region ? ` in region ${ctx.region}` : '';
  const base = { provider: PROVIDER_ID, status: raw.status };
  const call = `${raw.method} ${raw.route}`;
  switch (raw.status) {
    case 400:
      return new ProviderError({ ...base, kind: 'invalid_request', message: `${call} rejected${where}: ${message}` });
    case 401:
      return new ProviderError({ ...base, kind: 'auth', message: `Fluidstack rejected the access token${where}: ${message}` });
    case 402:
      return new ProviderError({ ...base, kind: 'payment_required', message: `${call}${where}: ${message}` });
    case 403:
      return new ProviderError({
        ...base,
        kind: 'auth',
        message: `Fluidstack refused ${call}${where}: ${message} (the API client lacks the permission or access to project ${ctx.projectId ?? '-'})`,
      });
    case 404:
      if (ctx.projectId && isProjectNotFound(message)) {
        return new ProviderError({
          ...base,
          kind: 'auth',
          message: `Fluidstack project ${ctx.projectId} was not found${where} (${message}); check the account's projectId`,
        });
      }
      return new ProviderError({ ...base, kind: 'not_found', message: `${call}${where}: ${message}` });
    case 409:
      return new ProviderError({ ...base, kind: 'conflict', message: `${call}${where}: ${message}` });
    case 429:
      return new ProviderError({
        ...base,
        kind: 'rate_limited',
        retryAfterMs: retryAfterMs(raw.headers),
        message: `${call} rate limited${where}: ${message}`,
      });
    case 501:
      // "Not implemented": a feature this region lacks. Repeating it will not help.
      return new ProviderError({ ...base, kind: 'invalid_request', message: `${call} is not available${where}: ${message}` });
    default:
      if (raw.status >= 500) {
        return new ProviderError({ ...base, kind: 'unavailable', message: `${call} failed${where}: ${message}` });
      }
      return new ProviderError({ ...base, kind: 'invalid_request', message: `${call}${where}: ${message}` });
  }
}

/**
 * The identity provider answers in OAuth2's own format (`{error, error_description}`). Any 4xx other than
 * 429 means the client id, secret or audience is wrong: the account's credentials do not work.
 */
export function tokenError(raw: RawResponse): ProviderError {
  const json = raw.json as { error?: unknown; error_description?: unknown; message?: unknown } | undefined;
  const code = typeof json?.error === 'string' ? json.error : undefined;
  const detail =
    (typeof json?.error_description === 'string' && json.error_description) ||
    (typeof json?.message === 'string' && json.message) ||
    code ||
    `HTTP ${raw.status}`;
  const base = { provider: PROVIDER_ID, status: raw.status, providerCode: code };
  if (raw.status === 429) {
    return new ProviderError({
      ...base,
      kind: 'rate_limited',
      retryAfterMs: retryAfterMs(raw.headers),
      message: `token endpoint rate limited: ${detail}`,
    });
  }
  if (raw.status >= 500) return new ProviderError({ ...base, kind: 'unavailable', message: `token endpoint failed: ${detail}` });
  return new ProviderError({ ...base, kind: 'auth', message: `Fluidstack token request rejected: ${detail}` });
}
