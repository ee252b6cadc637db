import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InjectedFault } from '../../kit/sim/fault-hooks.ts';
import type { SimContext } from './context.ts';
import type { RateLimiter } from './rate-limits.ts';
import { registerCatalogRoutes } from './routes-catalog.ts';
import { registerInstanceRoutes } from './routes-instances.ts';
import { registerKeyAndScriptRoutes } from './routes-keys-scripts.ts';
import { registerVolumeRoutes } from './routes-volumes.ts';
import { SimError, sendVerdaError } from './sim-error.ts';

/** Endpoints that take no token: the token endpoint and the public instance-type and volume-type catalogs. */
const PUBLIC_ROUTES = new Set(['POST /v1/oauth2/token', 'GET /v1/instance-types', 'GET /v1/volume-types']);

const TOO_MANY = 'Too many requests for the current project or endpoint window';

/** `/v1/instances/:instance_id` → `/instances/{instance_id}`, the key of `requestCounts()`. */
export function verdaRouteKey(request: FastifyRequest): string {
  const template = request.routeOptions.url ?? request.url.split('?')[0] ?? request.url;
  return `${request.method} ${template.replace(/^\/v1(?=\/)/, '').replace(/:([A-Za-z_]+)/g, '{$1}')}`;
}

/** An injected fault as Verda answers it; an injected 429 names the project window, as an exhausted one does. */
export function renderVerdaFault(fault: InjectedFault, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (fault.kind === 'error') return sendVerdaError(reply, 500, 'server_error', 'Internal server error');
  reply.header('Retry-After', String(fault.retryAfterSec));
  reply.header('RateLimit', `"project";r=0;t=${fault.retryAfterSec}`);
  return sendVerdaError(reply, 429, 'rate_limit_exceeded', TOO_MANY);
}

/**
 * Verda's API below `/v1`: the bearer token and the rate limits (both after any injected fault), every error as
 * `{code, message}`, and the routes.
 */
export async function registerVerdaApi(app: FastifyInstance, context: SimContext, limiter: RateLimiter): Promise<void> {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? request.url;
    if (PUBLIC_ROUTES.has(`${request.method} ${request.routeOptions.url ?? path}`)) return;
    if (!context.tokens.accepts(request.headers.authorization)) {
      return sendVerdaError(reply, 401, 'unauthorized_request', 'Access token is missing or invalid');
    }
    const decision = limiter.take(`${request.method} ${path}`);
    for (const [name, value] of Object.entries(decision.headers)) reply.header(name, value);
    if (!decision.allowed) {
      reply.header('Retry-After', String(decision.retryAfterSec));
      return sendVerdaError(reply, 429, 'rate_limit_exceeded', TOO_MANY);
    }
  });

  app.setErrorHandler((error: unknown, _request, reply) => {
    if (error instanceof SimError) return sendVerdaError(reply, error.status, error.code, error.message);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    const message = error instanceof Error ? error.message : 'Internal server error';
    if (status >= 400 && status < 500) return sendVerdaError(reply, 400, 'invalid_request', message);
    return sendVerdaError(reply, 500, 'server_error', 'Internal server error');
  });
  app.setNotFoundHandler((_request, reply) => sendVerdaError(reply, 404, 'not_found', 'Resource not found, or invalid path'));

  await app.register(
    async (v1) => {
      v1.post('/oauth2/token', async (request) => context.tokens.grant(request.body));
      registerCatalogRoutes(v1, context);
      registerInstanceRoutes(v1, context);
      registerKeyAndScriptRoutes(v1, context);
      registerVolumeRoutes(v1, context);
    },
    { prefix: '/v1' },
  );
}
