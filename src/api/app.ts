import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { Services } from '../services/types.ts';
import { registerAccessControl } from './plugins/auth.ts';
import { type ErrorLog, errorBody, handleClientError, registerErrorHandling } from './plugins/errors.ts';
import { type MetricsAccess, type MetricsSource, registerMetricsRoute, registerRequestMetrics } from './plugins/metrics.ts';
import { registerOpenApi } from './plugins/openapi.ts';
import { applyRateLimitHeaders, RateLimiter } from './plugins/rate-limit.ts';
import { buildSerializer } from './plugins/serialization.ts';
import { buildValidator } from './plugins/validation.ts';
import { sharedSchemas } from './route-schemas.ts';
import type { EventStreamOptions } from './routes/events.ts';
import { registerRoutes } from './routes/index.ts';

export interface ApiOptions {
  services: Services;
  /** Fastify/pino logger options (`true`: info level). Secrets are always redacted. Default off. */
  logger?: boolean | object;
  /** Requests per minute per API key, and per client IP for requests without a valid key. Default 1,000. */
  rateLimitPerMinute?: number;
  /**
   * The limiter to count with, instead of one of `rateLimitPerMinute` counting in this process alone
   * (`createApp` passes one whose counts it shares with the other replicas through the store).
   */
  rateLimiter?: RateLimiter;
  version: string;
  /** Registers the dashboard's routes at `/` (static files); called after the API routes exist. */
  webRoot?: (app: FastifyInstance) => void | Promise<void>;
  /** Receives one line per 5xx answer (request id, method, URL, the error), whatever `logger` is. */
  errorLog?: ErrorLog;
  /** `GET /v1/events` heartbeat and reconnect hint (shorter only in tests). */
  eventStream?: EventStreamOptions;
  /** `GET /metrics` on this listener and the HTTP request metrics; absent: neither. */
  metrics?: { source: MetricsSource; access: MetricsAccess };
}

const BODY_LIMIT_BYTES = 1024 * 1024;

/** Wherever a secret could surface in a log line: API keys in headers, provider credentials and private keys in bodies. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.body.credentials',
  'req.body.passphrase',
  'req.body.privateKey',
  'body.credentials',
  'body.passphrase',
  'body.privateKey',
  'credentials',
  'passphrase',
  'privateKey',
  '*.credentials',
  '*.passphrase',
  '*.privateKey',
];

function loggerOptions(logger: ApiOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const base = logger === true ? {} : (logger as { redact?: string[] | { paths: string[] } });
  const extra = Array.isArray(base.redact) ? base.redact : (base.redact?.paths ?? []);
  return { level: 'info', ...base, redact: { paths: [...REDACTED_PATHS, ...extra], censor: '[redacted]' } };
}

/**
 * The HTTP API: GPCN's GPU API plus gpufleet's additions over the `Services` facade, with auth, roles,
 * rate limiting, GPCN's envelope and errors, and an OpenAPI 3.1 document generated from the same schemas.
 */
export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const limiter = options.rateLimiter ?? new RateLimiter(options.rateLimitPerMinute ?? 1_000);
  const app = Fastify({
    logger: loggerOptions(options.logger),
    bodyLimit: BODY_LIMIT_BYTES,
    schemaController: { compilersFactory: { buildValidator, buildSerializer } },
    // Unique across restarts and replicas, so a request id quoted from an answer finds one log line.
    genReqId: () => randomUUID(),
    clientErrorHandler: handleClientError,
    // Malformed URLs never reach a route or its hooks: answer them in the same shape, with the same headers.
    frameworkErrors: (error, request, reply) => {
      const plainReply = reply as FastifyReply;
      applyRateLimitHeaders(plainReply, limiter.hit(`ip:${request.ip}`));
      plainReply.code(400).send(errorBody('BAD_REQUEST', error.message));
    },
  });

  registerJsonParser(app);
  if (options.metrics) registerRequestMetrics(app, options.metrics.source);
  registerErrorHandling(app, options.errorLog);
  registerAccessControl(app, { services: options.services, limiter });
  for (const schema of sharedSchemas) app.addSchema(schema);
  // Before the routes, so that every route is seen by the OpenAPI generator.
  await registerOpenApi(app, options.version);
  registerRoutes(app, options.services, options.eventStream);
  if (options.metrics) registerMetricsRoute(app, options.metrics.source, options.metrics.access, options.services);
  if (options.webRoot) await options.webRoot(app);
  return app;
}

/**
 * JSON only: text/plain (which Fastify accepts by default) gets 415 like any other type. An empty body
 * with a JSON content type is treated as no body — clients send that header on bodiless POST/DELETE —
 * and routes that need a body then answer 400 through validation.
 */
function registerJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    parseJson(request, text, done);
  });
}
