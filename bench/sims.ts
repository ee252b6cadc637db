/**
 * The three simulated clouds for the benchmark, in their own process so that simulating 1,000 instances
 * does not compete with gpufleet for its event loop. Prints one JSON line with each cloud's base URL and
 * account details, then runs until told to stop or the bench is gone.
 */
import { fluidstack } from '../src/providers/fluidstack/index.ts';
import { runpod } from '../src/providers/runpod/index.ts';
import { startVerdaSimulator } from '../src/providers/verda/simulator/server.ts';
import { endWithParent } from './children.ts';

// Gone with the bench even when it dies without a word (its end of our stdin closes).
endWithParent();

// Room for 1,000 VMs. Verda's real per-endpoint limits (60 creates/min) would make seeding take minutes;
// they are raised here for seeding only — the measured reads use list calls, well inside the real limits.
const sims = {
  verda: await startVerdaSimulator({
    transitionMs: 50,
    capacityScale: 200,
    seed: 1,
    rateLimits: { endpointQuota: 100_000, projectQuota: 100_000, overrides: {} },
  }),
  runpod: await runpod.simulator.start({ transitionMs: 50, capacityScale: 60, seed: 2 }),
  fluidstack: await fluidstack.simulator.start({ transitionMs: 50, capacityScale: 200, seed: 3 }),
};
process.stdout.write(
  `${JSON.stringify(Object.fromEntries(Object.entries(sims).map(([id, s]) => [id, { baseUrl: s.baseUrl, account: s.account }])))}\n`,
);
// Asked to stop: close the clouds, but never linger past a second (a busy simulator's close can wait on
// connections a dying bench left behind).
const stop = async () => {
  setTimeout(() => process.exit(0), 1_000).unref();
  await Promise.allSettled(Object.values(sims).map((s) => s.close()));
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
