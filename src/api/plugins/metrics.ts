import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { AppError, forbidden } from '../../services/errors.ts';
import type { Services } from '../../services/types.ts';
import { presentedApiKey } from './auth.ts';
import { registerErrorHandling } from './errors.ts';

/** What the API needs of the metrics registry (implemented by the runtime's `AppMetrics`). */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
  httpRequest(method: string, route: string | undefined, status: number, seconds: number): void;
}

/** Who may scrape `/metrics` on one listener. */
export interface MetricsAccess {
  /** Sandbox mode on the main port: an admin API key may scrape. */
  adminKey: boolean;
  /** A bearer token that may scrape (`GPUFLEET_METRICS_TOKEN`); null for none. */
  token: string | null;
  /** A listener of its own with no token: anyone who can reach it may scrape (it binds to loopback by default). */
  open?: boolean;
}

/** Count every answered request by its route pattern (`/v1/resource/gpu/:id`), so ids never become label values. */
export function registerRequestMetrics(app: FastifyInstance, metrics: MetricsSource): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
  });
}

/**
 * `GET /metrics` in the Prometheus text format. Not in the OpenAPI document (it is not JSON and not part of
 * the GPU API), never rate limited (a scraper polls on a fixed interval); refusals are in the error envelope.
 */
export function registerMetricsRoute(
  app: FastifyInstance,
  metrics: MetricsSource,
  access: MetricsAccess,
  services: Services | null,
): void {
  const enabled = access.adminKey || access.token !== null || access.open === true;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!enabled) {
      throw new AppError(
        404,
        'NOT_FOUND',
        'Metrics are not served here: the operator sets GPUFLEET_METRICS_TOKEN (scrape with it as a bearer token) or GPUFLEET_METRICS_PORT (a listener of its own)',
      );
    }
    await authorize(request, access, services);
    const body = await metrics.render();
    return reply.header('cache-control', 'no-store').type(metrics.contentType).send(body);
  });
}

async function authorize(request: FastifyRequest, access: MetricsAccess, services: Services | null): Promise<void> {
  const presented = presentedApiKey(request.headers);
  if (access.token !== null && presented !== null && sameSecret(presented, access.token)) return;
  if (access.open && access.token === null) return;
  if (access.adminKey && presented !== null && services) {
    const principal = await services.apiKeys.authenticate(presented).catch(() => null);
    if (principal?.role === 'admin') return;
    if (principal) throw forbidden(`Metrics need the admin role; the API key has the ${principal.role} role`);
  }
  const how = [access.token !== null ? 'the metrics token' : null, access.adminKey ? 'an admin API key' : null]
    .filter(Boolean)
    .join(' or ');
  throw new AppError(
    401,
    'UNAUTHORIZED',
    presented
      ? `The credential is not valid for /metrics (send ${how})`
      : `Missing credential: send ${how} as Authorization: Bearer <…>`,
  );
}

/** Constant-time comparison that does not reveal the token's length either. */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** A listener that serves only `/metrics` (GPUFLEET_METRICS_PORT), so scraping can live on a private interface. */
export async function buildMetricsServer(metrics: MetricsSource, token: string | null): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  registerErrorHandling(app);
  registerMetricsRoute(app, metrics, { adminKey: false, token, open: token === null }, null);
  return app;
}
