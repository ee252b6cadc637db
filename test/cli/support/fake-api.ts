import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send this text as it is instead of `body` as JSON. */
  raw?: string;
  /** Close the socket without answering, as a dropped connection would. */
  drop?: boolean;
}

export type Handler = (request: RecordedRequest, callNumber: number) => Reply;

/** GPCN's success envelope. */
export const ok = (data: unknown, meta: unknown = null, status = 200): Reply => ({
  status,
  body: { success: true, message: 'OK', data, meta },
});

export const fail = (status: number, error: string, message: string, details?: unknown): Reply => ({
  status,
  body: { success: false, error, message, ...(details === undefined ? {} : { details }) },
});

export const pageMeta = (total: number, page = 1, pageSize = 100) => {
  const totalPages = Math.max(1, Math.ceil(total / pageSize));
  return { total, page, pageSize, totalPages, hasNextPage: page < totalPages, hasPreviousPage: page > 1 };
};

/**
 * A stand-in for the gpufleet API: answers the routes a test declares (`METHOD /path`, query ignored),
 * records every request, and says 404 in the API's own error format to anything else.
 */
export class FakeApi {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Handler>();
  private readonly calls = new Map<string, number>();
  private server: Server | null = null;

  on(method: string, path: string, reply: Reply | Handler): this {
    this.routes.set(`${method} ${path}`, typeof reply === 'function' ? reply : () => reply);
    return this;
  }

  /** Recorded requests with this method (and path). */
  sent(method: string, path?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && (path === undefined || r.path === path));
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const text = Buffer.concat(chunks).toString('utf8');
        const request: RecordedRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body: text === '' ? undefined : JSON.parse(text),
        };
        this.requests.push(request);
        const key = `${request.method} ${request.path}`;
        const callNumber = (this.calls.get(key) ?? 0) + 1;
        this.calls.set(key, callNumber);
        const handler = this.routes.get(key);
        const reply = handler ? handler(request, callNumber) : fail(404, 'NOT_FOUND', `no route ${key}`);
        if (reply.drop) {
          req.socket.destroy();
          return;
        }
        const body = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
/** An empty data dir, so no developer's sandbox admin key leaks into a test. */
const EMPTY_DATA_DIR = mkdtempSync(join(tmpdir(), 'gpufleet-cli-test-'));

/** Run `gpufleet` as a real process; stdin is a pipe, so the CLI sees no terminal. */
export function runCli(
  args: string[],
  options: {
    url?: string;
    apiKey?: string | null;
    env?: Record<string, string>;
    cwd?: string;
    /** Send Ctrl-C (SIGINT) once stdout so far satisfies this, as a person ends `--watch`. */
    interruptWhen?: (stdout: string) => boolean;
    /** Told of stderr so far at every chunk (a test acts once the command says it is ready). */
    onStderr?: (stderr: string) => void;
  } = {},
): Promise<CliRun> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    GPUFLEET_URL: options.url,
    GPUFLEET_API_KEY: options.apiKey === null ? undefined : (options.apiKey ?? 'test-key'),
    GPUFLEET_DATA_DIR: EMPTY_DATA_DIR,
    GPUFLEET_POLL_INTERVAL_MS: '20',
    // A fresh config dir per run, so no developer's saved profile leaks into a test.
    XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'gpufleet-cli-config-')),
    FORCE_COLOR: undefined,
    NO_COLOR: undefined,
    ...options.env,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'gpufleet.js'), ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env,
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (!interrupted && options.interruptWhen?.(stdout)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      options.onStderr?.(stderr);
    });
    child.stdin.end();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Run `gpufleet` on a pseudo-terminal (through util-linux `script`), answering `answer` once `prompt`
 * shows; stdout and stderr arrive mixed, as on a terminal.
 */
export function runCliOnTerminal(
  args: string[],
  options: { url: string; prompt: string; answer: string },
): Promise<{ code: number | null; output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, join(REPO_ROOT, 'bin', 'gpufleet.js'), ...args].map(quote).join(' ');
  const env: Record<string, string | undefined> = {
    ...process.env,
    GPUFLEET_URL: options.url,
    GPUFLEET_API_KEY: 'test-key',
    GPUFLEET_DATA_DIR: EMPTY_DATA_DIR,
    GPUFLEET_POLL_INTERVAL_MS: '20',
    XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'gpufleet-cli-config-')),
    NO_COLOR: '1',
  };
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT, env });
    let output = '';
    let answered = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!answered && output.includes(options.prompt)) {
        answered = true;
        child.stdin.write(options.answer);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code, output: output.replace(/\r\n/g, '\n') });
    });
  });
}
