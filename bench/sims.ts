/**
 * The three simulated clouds for the benchmark, in their own process so that simulating 1,000 instances
 * does not compete with gpufleet for its event loop. Prints one JSON line with each cloud's base URL and
 * account details, then runs until killed.
 */
import { fluidstack } from '../src/providers/fluidstack/index.ts';
import { runpod } from '../src/providers/runpod/index.ts';
import { startVerdaSimulator } from '../src/providers/verda/simulator/server.ts';

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
const stop = async () => {
  for (const s of Object.values(sims)) await s.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
