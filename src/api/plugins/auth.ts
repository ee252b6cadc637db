import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal, UserRole } from '../../core/domain/types.ts';
import { AppError, forbidden } from '../../services/errors.ts';
import type { CallContext, Services } from '../../services/types.ts';
import { applyRateLimitHeaders, type RateLimiter, rateLimitedError } from './rate-limit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, resolved from its API key; null when no valid key was presented. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route; any authenticated caller when absent. */
    roles?: readonly UserRole[];
    /** A probe (readiness): its 503 is an answer, not a failure to log. */
    probe?: boolean;
  }
}

/** Create, change and delete VMs, SSH keys and resource groups. */
export const MANAGERS: readonly UserRole[] = ['admin', 'power_user'];
export const ADMINS: readonly UserRole[] = ['admin'];

/** Only the GPU API needs a key; health, OpenAPI, docs and the dashboard's static files do not. */
const API_PREFIX = '/v1/';

/**
 * Load balancers probe these without a key, often from one address: counting them against that
 * address (or failing them on a stale key) would take a healthy replica out of rotation. A Prometheus
 * scraper is the same kind of caller; `/metrics` checks its own credential (see plugins/metrics.ts).
 */
const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

export function presentedApiKey(headers: FastifyRequest['headers']): string | null {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim()) return apiKey.trim();
  const authorization = headers.authorization;
  const bearer = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return bearer?.[1] ?? null;
}

/**
 * One hook, in this order: resolve the key, count the request against its bucket (the key, else the
 * client IP) and set the rate-limit headers — so every answer, errors included, carries them — then
 * refuse when over the limit, unauthenticated on an API route, or lacking the route's role. It runs
 * before the body is parsed, so a caller without the right can learn nothing from validation errors.
 */
export function registerAccessControl(app: FastifyInstance, deps: { services: Services; limiter: RateLimiter }): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== undefined && PROBE_PATHS.has(request.routeOptions.url)) return;
    const key = presentedApiKey(request.headers);
    let authFailure: unknown = null;
    if (key) {
      try {
        request.principal = await deps.services.apiKeys.authenticate(key);
      } catch (error) {
        authFailure = error;
      }
    }
    const principal = request.principal;
    const verdict = deps.limiter.hit(principal ? `key:${principal.apiKeyId}` : `ip:${request.ip}`);
    applyRateLimitHeaders(reply, verdict);
    if (authFailure) throw authFailure;
    if (!verdict.allowed) throw rateLimitedError(verdict);
    if (!request.routeOptions.url?.startsWith(API_PREFIX)) return;
    if (!principal) {
      throw new AppError(
        401,
        'UNAUTHORIZED',
        key
          ? 'The API key is invalid, expired or suspended'
          : 'Missing API key: send X-API-Key: <key> or Authorization: Bearer <key>',
      );
    }
    const roles = request.routeOptions.config.roles;
    if (roles && !roles.includes(principal.role)) {
      throw forbidden(`This action needs the ${roles.join(' or ')} role; the API key has the ${principal.role} role`);
    }
  });
}

/** The service call context of an authenticated API request. */
export function callContext(request: FastifyRequest, idempotencyKey?: string): CallContext {
  if (!request.principal) throw new AppError(401, 'UNAUTHORIZED', 'Missing API key');
  return idempotencyKey === undefined ? { principal: request.principal } : { principal: request.principal, idempotencyKey };
}
