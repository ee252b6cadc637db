import type { RunningSimulator, SimulatorDefinition, SimulatorOptions } from '../../../core/provider/provider.ts';
import { readBootScript } from '../../kit/boot-script.ts';
import { FaultState } from '../../kit/sim/faults.ts';
import { randomHex, seededRandom } from '../../kit/sim/random.ts';
import { bootScriptOf } from '../user-data.ts';
import {
  FLUIDSTACK_SIM_AUDIENCE,
  FLUIDSTACK_SIM_CLIENT_ID,
  FLUIDSTACK_SIM_CLIENT_SECRET,
  FLUIDSTACK_SIM_PROJECT_ID,
  SIM_FILESYSTEM_PRICE_SHEET,
  SIM_PRICE_SHEET,
  SIM_REGIONS,
  TOKEN_LIFETIME_SEC,
} from './catalog.ts';
import type { ReceivedRequest, SimContext } from './common.ts';
import { buildServer } from './server.ts';
import { AtlasWorld, loadSnapshot } from './state.ts';
import { TokenIssuer } from './tokens.ts';

export {
  FLUIDSTACK_SIM_CLIENT_ID,
  FLUIDSTACK_SIM_CLIENT_SECRET,
  FLUIDSTACK_SIM_PROJECT_ID,
  FLUIDSTACK_SIM_RESEARCH_PROJECT_ID,
} from './catalog.ts';
export type { ReceivedRequest } from './common.ts';

const DEFAULT_TRANSITION_MS = 2500;
const DEFAULT_SEED = 1;

/** The shared simulator handle plus Fluidstack-specific inspection for tests. */
export interface RunningFluidstackSimulator extends RunningSimulator {
  /** Requests that reached a route handler, oldest first (the last 500). */
  received(): ReceivedRequest[];
}

function originOf(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * Start a simulated Fluidstack Atlas: identity provider, Management API and three regions on one server.
 * State survives restarts when `stateFile` is given; each boot draws fresh random values (and signs tokens
 * with a fresh secret, so tokens from before a restart are refused and re-fetched).
 */
export async function startFluidstackSimulator(options: SimulatorOptions = {}): Promise<RunningFluidstackSimulator> {
  const host = options.host ?? '127.0.0.1';
  const snapshot = loadSnapshot(options.stateFile);
  const seed = (options.seed ?? DEFAULT_SEED) + (snapshot?.boots ?? 0) * 7919;
  const random = seededRandom(seed);
  const world = new AtlasWorld(
    options.transitionMs ?? DEFAULT_TRANSITION_MS,
    random,
    options.stateFile,
    snapshot,
    options.capacityScale ?? 1,
  );
  const credentials = {
    clientId: options.credentials?.['clientId'] ?? FLUIDSTACK_SIM_CLIENT_ID,
    clientSecret: options.credentials?.['clientSecret'] ?? FLUIDSTACK_SIM_CLIENT_SECRET,
  };
  let origin = '';
  const received: ReceivedRequest[] = [];
  const faults = new FaultState(seededRandom(seed ^ 0x5eed));
  const ctx: SimContext = {
    world,
    faults,
    issuer: new TokenIssuer(randomHex(random, 64), FLUIDSTACK_SIM_AUDIENCE, TOKEN_LIFETIME_SEC),
    credentials,
    audience: FLUIDSTACK_SIM_AUDIENCE,
    origin: () => origin,
    received,
  };
  const app = buildServer(ctx);
  try {
    await app.listen({ host, port: options.port ?? 0 });
  } catch (error) {
    world.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  origin = originOf(host, port);

  return {
    baseUrl: `${origin}/api/v1alpha1`,
    account: {
      credentials: { ...credentials },
      settings: {
        projectId: FLUIDSTACK_SIM_PROJECT_ID,
        regions: SIM_REGIONS.map((r) => ({ name: r.name, baseUrl: `${origin}/regions/${r.name}/api/v1alpha1` })),
        tokenUrl: `${origin}/oauth/token`,
        audience: FLUIDSTACK_SIM_AUDIENCE,
        priceSheet: SIM_PRICE_SHEET.map((entry) => ({ ...entry })),
        filesystemPriceSheet: SIM_FILESYSTEM_PRICE_SHEET.map((entry) => ({ ...entry })),
      },
    },
    control: {
      setFaults: (f) => faults.setFaults(f),
      reset: () => {
        faults.reset();
        world.reset();
      },
      rateLimitNext: (count, retryAfterSec) => faults.rateLimitNext(count, retryAfterSec),
      expireTokens: () => ctx.issuer.expireAll(),
      setCapacity: (available, filter) => world.setCapacity(available, filter),
      preempt: (id) => world.preempt(id),
      setRawStatus: (id, raw) => world.setRawStatus(id, raw),
      hideFromListing: (id, ms, o) => faults.listing.hide(id, ms, o),
      hideNextCreated: (ms, o) => faults.listing.hideNext(ms, world.liveInstanceIds(), o),
      malformNext: (count) => faults.malformNext(count),
      pendingFaults: () => faults.pending(),
      requestCounts: () => faults.requestCounts(),
      liveInstanceIds: () => world.liveInstanceIds(),
      liveVolumeIds: () => world.liveFilesystemIds(),
      bootWorkload: (id) => {
        const userData = world.userDataOf(id);
        if (userData === undefined) return null;
        const script = userData ? bootScriptOf(userData) : null;
        return script ? readBootScript(script) : { script: null, env: {} };
      },
    },
    received: () => [...received],
    close: async () => {
      await app.close();
      world.close();
    },
  };
}

export const fluidstackSimulator: SimulatorDefinition = { start: startFluidstackSimulator };
