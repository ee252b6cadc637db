import type { RunningSimulator, SimulatorDefinition, SimulatorOptions } from '../../../core/provider/provider.ts';
import { readBootScript } from '../../kit/boot-script.ts';
import { buildSimControl } from '../../kit/sim/control.ts';
import { FaultState } from '../../kit/sim/faults.ts';
import { randomHex, seededRandom } from '../../kit/sim/random.ts';
import { startSimServer } from '../../kit/sim/server.ts';
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
import { GLOBAL_PREFIX, type ReceivedRequest } from './common.ts';
import { corruptAtlasBody } from './malform.ts';
import { atlasRouteKey, registerAtlasApi, renderAtlasFault } from './server.ts';
import { AtlasWorld, loadSnapshot } from './state.ts';
import { atlasTokenIssuer } from './tokens.ts';

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

/**
 * Start a simulated Fluidstack Atlas: identity provider, Management API and three regions on one server.
 * State survives restarts when `stateFile` is given; each boot draws fresh random values (and signs tokens
 * with a fresh secret, so tokens from before a restart are refused and re-fetched).
 */
export async function startFluidstackSimulator(options: SimulatorOptions = {}): Promise<RunningFluidstackSimulator> {
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
  const received: ReceivedRequest[] = [];
  const faults = new FaultState(seededRandom(seed ^ 0x5eed));
  // A fresh signing secret per boot, drawn where it always was so the seeded values after it stay the same.
  const issuer = atlasTokenIssuer({
    secret: randomHex(random, 64),
    audience: FLUIDSTACK_SIM_AUDIENCE,
    lifetimeSec: TOKEN_LIFETIME_SEC,
    client: credentials,
  });
  const server = await startSimServer({
    faults,
    host: options.host,
    port: options.port,
    apiRoot: GLOBAL_PREFIX,
    routeKey: atlasRouteKey,
    renderFault: renderAtlasFault,
    corrupt: corruptAtlasBody,
    routes: (app, origin) =>
      registerAtlasApi(app, { world, faults, issuer, audience: FLUIDSTACK_SIM_AUDIENCE, origin, received }),
    release: () => world.close(),
  });
  const base = server.origin;

  return {
    baseUrl: server.baseUrl,
    account: {
      credentials: { ...credentials },
      settings: {
        projectId: FLUIDSTACK_SIM_PROJECT_ID,
        regions: SIM_REGIONS.map((r) => ({ name: r.name, baseUrl: `${base}/regions/${r.name}/api/v1alpha1` })),
        tokenUrl: `${base}/oauth/token`,
        audience: FLUIDSTACK_SIM_AUDIENCE,
        priceSheet: SIM_PRICE_SHEET.map((entry) => ({ ...entry })),
        filesystemPriceSheet: SIM_FILESYSTEM_PRICE_SHEET.map((entry) => ({ ...entry })),
      },
    },
    control: buildSimControl(faults, {
      reset: () => world.reset(),
      expireTokens: () => issuer.expireAll(),
      setCapacity: (available, filter) => world.setCapacity(available, filter),
      preempt: (id) => world.preempt(id),
      setRawStatus: (id, raw) => world.setRawStatus(id, raw),
      liveInstanceIds: () => world.liveInstanceIds(),
      liveVolumeIds: () => world.liveFilesystemIds(),
      bootWorkload: (id) => {
        const userData = world.userDataOf(id);
        if (userData === undefined) return null;
        const script = userData ? bootScriptOf(userData) : null;
        return script ? readBootScript(script) : { script: null, env: {} };
      },
    }),
    received: () => [...received],
    close: server.close,
  };
}

export const fluidstackSimulator: SimulatorDefinition = { start: startFluidstackSimulator };
