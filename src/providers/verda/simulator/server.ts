import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { RunningSimulator, SimulatorDefinition, SimulatorOptions } from '../../../core/provider/provider.ts';
import { readBootScript } from '../../kit/boot-script.ts';
import { FaultState } from '../../kit/sim/faults.ts';
import { seededRandom } from '../../kit/sim/random.ts';
import { SimTimers } from '../../kit/sim/timers.ts';
import { CapacityModel } from './capacity.ts';
import type { IdBodyStyle, SimContext } from './context.ts';
import { InstanceLifecycle } from './lifecycle.ts';
import { malformBody } from './malform.ts';
import { RateLimiter, type RateLimitPolicy, VERDA_RATE_LIMITS } from './rate-limits.ts';
import { registerCatalogRoutes } from './routes-catalog.ts';
import { registerInstanceRoutes } from './routes-instances.ts';
import { registerKeyAndScriptRoutes } from './routes-keys-scripts.ts';
import { registerVolumeRoutes } from './routes-volumes.ts';
import { SimError, sendVerdaError } from './sim-error.ts';
import { type TokenGrantCounts, TokenStore } from './tokens.ts';
import { SIM_VOLUME_LIMITS, VolumeLifecycle } from './volumes.ts';
import { type SimInstanceRecord, type SimSshKey, type SimVolume, VerdaWorld } from './world.ts';

/** The simulator's default API credentials (documented in the folder README). */
export const VERDA_SIM_CLIENT_ID = 'gpufleet-sim-client';
export const VERDA_SIM_CLIENT_SECRET = 'gpufleet-sim-secret';

/** Endpoints that take no token: the token endpoint and the public instance-type and volume-type catalogs. */
const PUBLIC_ROUTES = new Set(['POST /v1/oauth2/token', 'GET /v1/instance-types', 'GET /v1/volume-types']);

export interface VerdaSimulatorOptions extends SimulatorOptions {
  /** Access token lifetime (`expires_in`), seconds; 3600 as on the real API. */
  tokenLifetimeSec?: number;
  /** Override Verda's rate limits (e.g. a short window in tests). */
  rateLimits?: Partial<RateLimitPolicy>;
  /** How creates answer with the new id; bare text unless told otherwise. */
  idBodies?: IdBodyStyle;
  /** How long a discontinued instance stays in the list; four transitions unless told. */
  lingerMs?: number;
}

/** Verda-only inspection on top of the shared `SimulatorControl`, for this provider's own tests. */
export interface VerdaSimulatorInspection {
  /** Startup scripts saved in the simulated project. */
  scripts(): { id: string; name: string; script: string }[];
  tokenGrants(): TokenGrantCounts;
  instance(id: string): SimInstanceRecord | undefined;
  volumes(): SimVolume[];
  sshKeys(): SimSshKey[];
  setIdBodies(style: IdBodyStyle): void;
}

export interface RunningVerdaSimulator extends RunningSimulator {
  verda: VerdaSimulatorInspection;
}

/** `/v1/instances/:instance_id` → `/instances/{instance_id}`, the key of `requestCounts()`. */
function routeKey(request: FastifyRequest): string {
  const template = request.routeOptions.url ?? request.url.split('?')[0] ?? request.url;
  return `${request.method} ${template.replace(/^\/v1(?=\/)/, '').replace(/:([A-Za-z_]+)/g, '{$1}')}`;
}

function registerHooks(app: FastifyInstance, faults: FaultState, context: SimContext, limiter: RateLimiter): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const admission = await faults.admit(routeKey(request));
    if (admission.kind === 'rate_limited') {
      reply.header('Retry-After', String(admission.retryAfterSec));
      reply.header('RateLimit', `"project";r=0;t=${admission.retryAfterSec}`);
      return sendVerdaError(reply, 429, 'rate_limit_exceeded', 'Too many requests for the current project or endpoint window');
    }
    if (admission.kind === 'error') return sendVerdaError(reply, 500, 'server_error', 'Internal server error');

    const path = request.url.split('?')[0] ?? request.url;
    const endpointKey = `${request.method} ${path}`;
    if (PUBLIC_ROUTES.has(`${request.method} ${request.routeOptions.url ?? path}`)) return;
    if (!context.tokens.accepts(request.headers.authorization)) {
      return sendVerdaError(reply, 401, 'unauthorized_request', 'Access token is missing or invalid');
    }
    const decision = limiter.take(endpointKey);
    for (const [name, value] of Object.entries(decision.headers)) reply.header(name, value);
    if (!decision.allowed) {
      reply.header('Retry-After', String(decision.retryAfterSec));
      return sendVerdaError(reply, 429, 'rate_limit_exceeded', 'Too many requests for the current project or endpoint window');
    }
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode >= 300 || typeof payload !== 'string' || payload === '') return payload;
    return faults.takeMalformed() ? malformBody(payload) : payload;
  });

  app.setErrorHandler((error: unknown, _request, reply) => {
    if (error instanceof SimError) return sendVerdaError(reply, error.status, error.code, error.message);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    const message = error instanceof Error ? error.message : 'Internal server error';
    if (status >= 400 && status < 500) return sendVerdaError(reply, 400, 'invalid_request', message);
    return sendVerdaError(reply, 500, 'server_error', 'Internal server error');
  });
  app.setNotFoundHandler((_request, reply) => sendVerdaError(reply, 404, 'not_found', 'Resource not found, or invalid path'));
}

/** Start a Verda API simulator: a real HTTP server whose base URL ends in `/v1`, like the real one. */
export async function startVerdaSimulator(options: VerdaSimulatorOptions = {}): Promise<RunningVerdaSimulator> {
  const transitionMs = options.transitionMs ?? 2500;
  const seed = options.seed ?? 1;
  const credentials = {
    clientId: options.credentials?.['clientId'] ?? VERDA_SIM_CLIENT_ID,
    clientSecret: options.credentials?.['clientSecret'] ?? VERDA_SIM_CLIENT_SECRET,
  };
  const world = new VerdaWorld(seed, options.stateFile);
  const timers = new SimTimers();
  const capacity = new CapacityModel(
    [...world.instances.values()].filter((i) => i.holdsCapacity),
    options.capacityScale ?? 1,
  );
  const volumes = new VolumeLifecycle(world, timers, transitionMs, SIM_VOLUME_LIMITS.quotaGB * (options.capacityScale ?? 1));
  const lifecycle = new InstanceLifecycle(world, capacity, volumes, timers, transitionMs, options.lingerMs ?? transitionMs * 4);
  const tokens = new TokenStore(credentials, options.tokenLifetimeSec ?? 3600, seededRandom(seed ^ 0x5eed));
  const faults = new FaultState(seededRandom(seed ^ 0xfa17));
  const limiter = new RateLimiter({ ...VERDA_RATE_LIMITS, ...options.rateLimits });
  const context: SimContext = {
    world,
    lifecycle,
    volumes,
    capacity,
    tokens,
    listing: faults.listing,
    idBodies: { style: options.idBodies ?? 'text' },
  };

  const app = Fastify({ logger: false });
  registerHooks(app, faults, context, limiter);
  await app.register(
    async (v1) => {
      v1.post('/oauth2/token', async (request) => tokens.grant(request.body));
      registerCatalogRoutes(v1, context);
      registerInstanceRoutes(v1, context);
      registerKeyAndScriptRoutes(v1, context);
      registerVolumeRoutes(v1, context);
    },
    { prefix: '/v1' },
  );
  lifecycle.resume();
  volumes.resume();

  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  let closed = false;
  const reachableHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    baseUrl: `http://${reachableHost}:${port}/v1`,
    account: { credentials: { ...credentials }, settings: {} },
    control: {
      setFaults: (f) => faults.setFaults(f),
      reset: () => {
        faults.reset();
        capacity.restore();
        for (const record of world.instances.values()) record.rawOverride = null;
      },
      rateLimitNext: (count, retryAfterSec) => faults.rateLimitNext(count, retryAfterSec),
      expireTokens: () => tokens.expireAll(),
      setCapacity: (available, filter) => capacity.set(available, filter),
      preempt: (id) => lifecycle.preempt(id),
      setRawStatus: (id, raw) => {
        const record = world.instances.get(id);
        if (record) record.rawOverride = raw;
      },
      hideFromListing: (id, ms, o) => faults.listing.hide(id, ms, o),
      hideNextCreated: (ms, o) => faults.listing.hideNext(ms, world.instances.keys(), o),
      malformNext: (count) => faults.malformNext(count),
      pendingFaults: () => faults.pending(),
      requestCounts: () => faults.requestCounts(),
      liveInstanceIds: () => world.liveInstanceIds(),
      liveVolumeIds: () => world.liveVolumeIds(),
      bootWorkload: (id) => {
        const record = world.instances.get(id);
        if (!record) return null;
        const script = record.startupScriptId ? world.scripts.get(record.startupScriptId)?.script : undefined;
        return script ? readBootScript(script) : { script: null, env: {} };
      },
    },
    verda: {
      scripts: () => [...world.scripts.values()],
      tokenGrants: () => ({ ...tokens.grants }),
      instance: (id) => world.instances.get(id),
      volumes: () => [...world.volumes.values()],
      sshKeys: () => [...world.sshKeys.values()],
      setIdBodies: (style) => {
        context.idBodies.style = style;
      },
    },
    close: async () => {
      if (closed) return;
      closed = true;
      timers.clear();
      world.flush();
      await app.close();
    },
  };
}

export const verdaSimulator: SimulatorDefinition = { start: (options) => startVerdaSimulator(options) };
