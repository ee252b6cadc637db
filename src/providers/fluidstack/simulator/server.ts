import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InjectedFault } from '../../kit/sim/fault-hooks.ts';
import { fail, GLOBAL_PREFIX, isUuid, projectOf, REGION_PREFIX, type RouteConfig, regionOf, type SimContext } from './common.ts';
import { registerFilesystemRoutes } from './routes-filesystems.ts';
import { registerGlobalRoutes, registerOAuthRoutes } from './routes-global.ts';
import { registerInstanceRoutes } from './routes-instances.ts';
import { registerRegionRoutes } from './routes-region.ts';

const RECEIVED_KEPT = 500;

type Area = 'oauth' | 'global' | 'regional';

function areaOf(request: FastifyRequest): Area {
  if (request.url.startsWith('/oauth/')) return 'oauth';
  return request.url.startsWith('/regions/') ? 'regional' : 'global';
}

/** The identity provider speaks OAuth2 (`{error, error_description}`), the APIs `{message}`. */
function failOAuth(reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  return reply.code(status).send({ error, error_description: description });
}

/** `GET /regions/:region/api/v1alpha1/instances`: the route template, the key of `requestCounts()`. */
export function atlasRouteKey(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
}

/** Injected faults in the format of the host they hit: OAuth2's on the identity provider, `{message}` elsewhere. */
export function renderAtlasFault(fault: InjectedFault, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const oauth = areaOf(request) === 'oauth';
  if (fault.kind === 'error') {
    return oauth ? failOAuth(reply, 500, 'server_error', 'internal error') : fail(reply, 500, 'Internal server error');
  }
  reply.header('Retry-After', String(fault.retryAfterSec));
  return oauth
    ? failOAuth(reply, 429, 'too_many_requests', 'Global limit has been reached')
    : fail(reply, 429, 'Too many requests');
}

/**
 * One server plays all three Atlas hosts: the identity provider (`/oauth/token`), the global Management API
 * (`/api/v1alpha1`) and every region's Infrastructure API (`/regions/<name>/api/v1alpha1`). After any injected
 * fault, hooks check, in order, the bearer token, the region and the `X-PROJECT-ID` header.
 */
export function registerAtlasApi(app: FastifyInstance, ctx: SimContext): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.addHook('onRequest', async (request, reply) => {
    const area = areaOf(request);
    if (area === 'oauth') return;

    const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token || !ctx.issuer.verify(token)) {
      // The Management API documents 401 for this, the regional API 403.
      return area === 'global' ? fail(reply, 401, 'Unauthorized') : fail(reply, 403, 'Forbidden: invalid or expired token');
    }
    if (area === 'global') return;

    const region = regionOf(request);
    if (!ctx.world.hasRegion(region)) return fail(reply, 404, `region ${region} not found`);
    const config = request.routeOptions.config as RouteConfig | undefined;
    if (config?.projectScoped) {
      const projectId = projectOf(request);
      // Request validation, before any handler: 400 on every scoped route, listed there or not.
      if (!projectId) return fail(reply, 400, 'missing required header X-PROJECT-ID');
      if (!isUuid(projectId)) return fail(reply, 400, 'invalid X-PROJECT-ID: must be a UUID');
      if (!ctx.world.hasProject(region, projectId)) {
        return config.unknownProjectStatus === 403
          ? fail(reply, 403, `Forbidden: no access to project ${projectId}`)
          : fail(reply, 404, `project ${projectId} not found`);
      }
    }
  });

  app.addHook('preHandler', async (request) => {
    const area = areaOf(request);
    ctx.received.push({
      method: request.method,
      region: area === 'regional' ? regionOf(request) : null,
      route: (request.routeOptions.url ?? '').replace(REGION_PREFIX, '').replace(GLOBAL_PREFIX, ''),
      url: request.url,
      projectId: request.headers['x-project-id'] ? projectOf(request) : null,
      body: request.body,
    });
    if (ctx.received.length > RECEIVED_KEPT) ctx.received.splice(0, ctx.received.length - RECEIVED_KEPT);
  });

  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (areaOf(request) === 'oauth') return failOAuth(reply, status, 'invalid_request', error.message);
    return fail(reply, status, status === 500 ? 'Internal server error' : error.message);
  });
  app.setNotFoundHandler((request, reply) =>
    areaOf(request) === 'oauth' ? failOAuth(reply, 404, 'not_found', 'Not Found') : fail(reply, 404, 'Not Found'),
  );

  registerOAuthRoutes(app, ctx);
  registerGlobalRoutes(app, ctx);
  registerRegionRoutes(app, ctx);
  registerInstanceRoutes(app, ctx);
  registerFilesystemRoutes(app, ctx);
}
