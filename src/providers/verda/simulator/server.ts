import type { RunningSimulator, SimulatorDefinition, SimulatorOptions } from '../../../core/provider/provider.ts';
import { readBootScript } from '../../kit/boot-script.ts';
import { buildSimControl } from '../../kit/sim/control.ts';
import { FaultState } from '../../kit/sim/faults.ts';
import { seededRandom } from '../../kit/sim/random.ts';
import { startSimServer } from '../../kit/sim/server.ts';
import { SimTimers } from '../../kit/sim/timers.ts';
import { registerVerdaApi, renderVerdaFault, verdaRouteKey } from './api.ts';
import { CapacityModel } from './capacity.ts';
import type { IdBodyStyle, SimContext } from './context.ts';
import { InstanceLifecycle } from './lifecycle.ts';
import { malformBody } from './malform.ts';
import { RateLimiter, type RateLimitPolicy, VERDA_RATE_LIMITS } from './rate-limits.ts';
import { type TokenGrantCounts, TokenStore } from './tokens.ts';
import { SIM_VOLUME_LIMITS, VolumeLifecycle } from './volumes.ts';
import { type SimInstanceRecord, type SimSshKey, type SimVolume, VerdaWorld } from './world.ts';

/** The simulator's default API credentials (documented in the folder README). */
export const VERDA_SIM_CLIENT_ID = 'gpufleet-sim-client';
export const VERDA_SIM_CLIENT_SECRET = 'gpufleet-sim-secret';

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

  // The pending transitions of a restored state go on before the first request.
  lifecycle.resume();
  volumes.resume();
  const server = await startSimServer({
    faults,
    host: options.host,
    port: options.port,
    apiRoot: '/v1',
    routeKey: verdaRouteKey,
    renderFault: renderVerdaFault,
    corrupt: malformBody,
    routes: (app) => registerVerdaApi(app, context, limiter),
    release: () => {
      timers.clear();
      world.flush();
    },
  });

  return {
    baseUrl: server.baseUrl,
    account: { credentials: { ...credentials }, settings: {} },
    control: buildSimControl(faults, {
      reset: () => {
        capacity.restore();
        for (const record of world.instances.values()) record.rawOverride = null;
      },
      expireTokens: () => tokens.expireAll(),
      setCapacity: (available, filter) => capacity.set(available, filter),
      preempt: (id) => lifecycle.preempt(id),
      setRawStatus: (id, raw) => {
        const record = world.instances.get(id);
        if (record) record.rawOverride = raw;
      },
      // Discontinued instances linger in the list: a new instance is the first id beyond all of them.
      knownInstanceIds: () => world.instances.keys(),
      liveInstanceIds: () => world.liveInstanceIds(),
      liveVolumeIds: () => world.liveVolumeIds(),
      bootWorkload: (id) => {
        const record = world.instances.get(id);
        if (!record) return null;
        const script = record.startupScriptId ? world.scripts.get(record.startupScriptId)?.script : undefined;
        return script ? readBootScript(script) : { script: null, env: {} };
      },
    }),
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
    close: server.close,
  };
}

export const verdaSimulator: SimulatorDefinition = { start: (options) => startVerdaSimulator(options) };
