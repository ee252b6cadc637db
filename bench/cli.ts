/**
 * How long a `gpufleet` command takes from start to exit: `gpufleet --version` (no server involved) and
 * `gpufleet gpu ls --json` against a running server, each the median of 10 runs, beside a bare `node -e 0`
 * measured in the same runs (the ratio is what gpufleet adds over starting Node at all). Target: < 300 ms.
 *
 * `npm run bench` prints these with its other figures. Alone, `npm run bench:cli` starts a sandbox server
 * (`gpufleet serve`, temporary data directory) and times the command both as shipped (dist/) and from the
 * TypeScript sources.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnChild } from './children.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'gpufleet.js');
export const CLI_TARGET_MS = 300;

export interface CliFigures {
  /** Where the command ran from: the build in dist/, or the TypeScript sources. */
  from: 'dist' | 'sources';
  runs: number;
  nodeMs: number;
  versionMs: number;
  lsMs: number;
}

function timeOnce(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawnChild(args, { env });
    child.stdin?.end();
    let stderr = '';
    child.stdout?.resume();
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`node ${args.join(' ')} exited ${code}${stderr ? `: ${stderr.trim()}` : ''}`));
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Times the three commands round-robin (so all three see the same machine), `runs` times each. */
export async function measureCli(options: {
  url: string;
  apiKey: string;
  fromSources?: boolean;
  runs?: number;
}): Promise<CliFigures> {
  const runs = options.runs ?? 10;
  const fromSources = options.fromSources ?? false;
  const env: NodeJS.ProcessEnv = { ...process.env, GPUFLEET_URL: options.url, GPUFLEET_API_KEY: options.apiKey };
  if (fromSources) env.GPUFLEET_FROM_SOURCES = '1';
  else delete env.GPUFLEET_FROM_SOURCES;
  const commands = { node: ['-e', '0'], version: [BIN, '--version'], ls: [BIN, 'gpu', 'ls', '--json'] };
  const times: Record<keyof typeof commands, number[]> = { node: [], version: [], ls: [] };
  // One unmeasured round first: the file cache, not the code, would otherwise make the first run slow.
  for (const args of Object.values(commands)) await timeOnce(args, env);
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of Object.entries(commands) as [keyof typeof commands, string[]][]) {
      times[name].push(await timeOnce(args, env));
    }
  }
  return {
    from: fromSources || !existsSync(join(ROOT, 'dist', 'cli.js')) ? 'sources' : 'dist',
    runs,
    nodeMs: median(times.node),
    versionMs: median(times.version),
    lsMs: median(times.ls),
  };
}

/** The figures as printed lines, with the target and the ratio to bare Node. */
export function describeCli(f: CliFigures): string[] {
  const ms = (n: number) => `${Math.round(n)} ms`;
  const x = (n: number) => `${(n / f.nodeMs).toFixed(1)}× node -e 0`;
  return [
    `CLI start to exit (from ${f.from}, median of ${f.runs}; node -e 0: ${ms(f.nodeMs)})`,
    `  gpufleet --version: ${ms(f.versionMs)} (${x(f.versionMs)})   (target < ${CLI_TARGET_MS} ms)`,
    `  gpufleet gpu ls --json: ${ms(f.lsMs)} (${x(f.lsMs)})   (target < ${CLI_TARGET_MS} ms)`,
  ];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function standalone(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gpufleet-bench-cli-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GPUFLEET_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    GPUFLEET_LOG_LEVEL: 'error',
  };
  delete env.GPUFLEET_FROM_SOURCES;
  const server = spawnChild([BIN, 'serve'], { env });
  server.stdout?.resume();
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`gpufleet serve exited ${server.exitCode}`);
      if (Date.now() > deadline) throw new Error('gpufleet serve did not start within 60 s');
      const up = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const apiKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
    const lines = [];
    if (existsSync(join(ROOT, 'dist', 'cli.js'))) lines.push(...describeCli(await measureCli({ url, apiKey })));
    else lines.push('CLI from dist: no build in dist/ (run `npm run build`)');
    lines.push(...describeCli(await measureCli({ url, apiKey, fromSources: true })));
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => (server.exitCode === null ? server.once('exit', resolve) : resolve(null)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.filename === process.argv[1]) await standalone();
