/**
 * The load generator, run as its own process so it does not share the server's event loop:
 * reads a JSON job from the file named on its command line, drives autocannon, prints autocannon's result as JSON on stdout.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { endWithParent } from './children.ts';

endWithParent();

interface LoadJob {
  url: string;
  paths: string[];
  headers: Record<string, string>;
  connections: number;
  durationSec: number;
}

const job = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadJob;
let n = 0;
const result = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.durationSec,
  headers: job.headers,
  requests: [
    {
      method: 'GET',
      // Rotate through the paths so every request is a different VM or page, as real clients are.
      setupRequest: (req) => ({ ...req, path: job.paths[n++ % job.paths.length] as string }),
    },
  ],
});
process.stdout.write(
  JSON.stringify({ requests: result.requests, latency: result.latency, non2xx: result.non2xx, errors: result.errors }),
);
