/**
 * The three simulated clouds for `npm run chaos`, in their own process so that killing gpufleet never kills
 * a cloud (real clouds outlive their clients). Prints one JSON line with each cloud's base URL and account,
 * and the URL of a small control server through which the chaos run injects faults and reads the truth.
 */
import { createServer } from 'node:http';
import type { SimulatorControl } from '../src/core/provider/provider.ts';
import { fluidstack } from '../src/providers/fluidstack/index.ts';
import { runpod } from '../src/providers/runpod/index.ts';
import { startVerdaSimulator } from '../src/providers/verda/simulator/server.ts';

const transitionMs = Number(process.env.CHAOS_SIM_TRANSITION_MS ?? 300);
const sims = {
  verda: await startVerdaSimulator({ transitionMs, capacityScale: 20, seed: 11 }),
  runpod: await runpod.simulator.start({ transitionMs, capacityScale: 20, seed: 12 }),
  fluidstack: await fluidstack.simulator.start({ transitionMs, capacityScale: 20, seed: 13 }),
};
const controls: Record<string, SimulatorControl> = Object.fromEntries(Object.entries(sims).map(([id, s]) => [id, s.control]));

// POST /{provider}/{method} with a JSON array of arguments calls that control method; GET /live lists live instances.
const control = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    try {
      if (req.method === 'GET' && req.url === '/live') {
        res.end(JSON.stringify(Object.fromEntries(Object.entries(controls).map(([id, c]) => [id, c.liveInstanceIds()]))));
        return;
      }
      const [, provider = '', method = ''] = (req.url ?? '').split('/');
      const target = controls[provider] as unknown as Record<string, (...args: unknown[]) => unknown> | undefined;
      const fn = target?.[method];
      if (!target || typeof fn !== 'function') throw new Error(`no control ${provider}.${method}`);
      const result = fn.apply(target, body ? (JSON.parse(body) as unknown[]) : []);
      res.end(JSON.stringify(result ?? null));
    } catch (error) {
      res.statusCode = 400;
      res.end(JSON.stringify({ error: String(error) }));
    }
  });
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const address = control.address();
process.stdout.write(
  `${JSON.stringify({
    controlUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    clouds: Object.fromEntries(Object.entries(sims).map(([id, s]) => [id, { baseUrl: s.baseUrl, account: s.account }])),
  })}\n`,
);
const stop = async () => {
  control.close();
  for (const s of Object.values(sims)) await s.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
