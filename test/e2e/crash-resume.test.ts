import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { providerRegistry } from '../../src/providers/registry.ts';
import { freePort } from '../support/ports.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gpufleet.js');
const ADMIN_KEY = `gf_crash_${'k'.repeat(32)}`;
/**
 * From the kill to the state asked for, restart included. A restarted server takes back its own jobs at once;
 * one that waited for the dead process's 15 s job lease to lapse would take longer than this.
 */
const RESUME_WITHIN_MS = 12_000;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A real `gpufleet serve` in sandbox mode: its simulated clouds run in the same process and keep their state in the data dir. */
class Server {
  child: ChildProcess | null = null;
  constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const env = { ...process.env };
    for (const name of ['HOST', 'PORT', 'GPUFLEET_DATA_DIR', 'DATABASE_URL', 'GPUFLEET_SECRET_KEY']) delete env[name];
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--host', '127.0.0.1', '--port', String(this.port), '--data-dir', this.dataDir],
      {
        env: {
          ...env,
          GPUFLEET_MODE: 'sandbox',
          GPUFLEET_ADMIN_KEY: ADMIN_KEY,
          GPUFLEET_SIM_TRANSITION_MS: '400',
          GPUFLEET_LOG_LEVEL: 'error',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
    };
    child.stderr?.on('data', collect);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        collect(chunk);
        if (output.includes(`is running at ${this.url}`)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    });
  }

  async kill9(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'x-api-key': ADMIN_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  /**
   * What a simulated cloud holds, read from outside: a copy of its state file (written before it answers any
   * request) loaded by a simulator of its own.
   */
  async liveAt(provider: string): Promise<string[]> {
    const definition = providerRegistry.find((d) => d.id === provider);
    const file = join(this.dataDir, 'sandbox', `${provider}.json`);
    if (!definition || !existsSync(file)) return [];
    const copy = join(mkdtempSync(join(tmpdir(), 'gpufleet-crash-cloud-')), `${provider}.json`);
    dirs.push(join(copy, '..'));
    copyFileSync(file, copy);
    const sim = await definition.simulator.start({ transitionMs: 60_000, stateFile: copy });
    try {
      return sim.control.liveInstanceIds();
    } finally {
      await sim.close();
    }
  }
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(100);
  }
}

async function newServer(): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gpufleet-crash-'));
  dirs.push(dataDir);
  const server = new Server(dataDir, await freePort());
  await server.start();
  return server;
}

/** An order for one H100 at Verda, so exactly one VM exists at one cloud. */
async function order(server: Server, name: string): Promise<{ vmId: string; jobId: string }> {
  const key = await server.call('POST', '/v1/resource/ssh-keys/generate', { name: `${name}-key`, algorithm: 'ed25519' });
  expect(key.status).toBe(201);
  const series = (await server.call('GET', '/v1/resource/gpu/series')).body.data;
  const datacenters = (await server.call('GET', '/v1/resource/data-centers')).body.data;
  const seriesId = series.find((s: { code: string }) => s.code === 'h100_series')?.id;
  const datacenterId = datacenters.find((d: { code: string }) => d.code === 'verda-fin-01')?.id;
  expect(seriesId && datacenterId).toBeTruthy();
  const res = await server.call('POST', '/v1/resource/gpu', {
    name,
    seriesId,
    datacenterId,
    gpuCount: 1,
    sshKeyId: key.body.data.id,
  });
  expect(res.status).toBe(202);
  return { vmId: res.body.data.resourceId as string, jobId: res.body.data.jobId as string };
}

/** The job once it has ended (reconciliation alone can make a VM look right while its job is stuck). */
const finishedJob = (server: Server, jobId: string, timeoutMs: number) =>
  until(`job ${jobId} to end`, timeoutMs, async () => {
    const job = (await server.call('POST', '/v1/resource/jobs', { jobIds: [jobId] })).body?.data?.jobs?.[0];
    return job?.isCompleted ? (job as { hasFailed: boolean; errorMessage: string | null }) : undefined;
  });

const statusOf = async (server: Server, vmId: string) =>
  (await server.call('GET', `/v1/resource/gpu/${vmId}?includeDeleted=true`)).body?.data as
    | { status: string; provider: string | null; providerInstanceId: string | null }
    | undefined;

const historyText = async (server: Server, vmId: string) =>
  JSON.stringify((await server.call('GET', `/v1/resource/gpu/${vmId}/history`)).body?.data ?? []);

describe('kill -9 and restart on the same data directory', () => {
  let server: Server | null = null;
  afterEach(async () => {
    await server?.kill9();
    server = null;
  });

  /**
   * Kill points of a create: as the provider accepts the order (usually before its answer is stored, so the
   * next run must find the instance by its tag rather than order a second one), and ~200 ms after the 202,
   * usually while the job waits for the machine to boot.
   */
  const killPoints = [
    {
      when: 'as the cloud accepts the order',
      // The simulator writes its state file before it answers: kill the moment the order is in it.
      wait: async (s: Server, vmId: string) => {
        const file = join(s.dataDir, 'sandbox', 'verda.json');
        const deadline = Date.now() + 3_000;
        while (Date.now() < deadline) {
          if (existsSync(file) && readFileSync(file, 'utf8').includes(vmId)) return;
          await sleep(1);
        }
      },
    },
    { when: '200 ms after the 202', wait: () => sleep(200) },
  ];

  it.each(killPoints)(
    'resumes a create killed $when: the VM runs within seconds, on exactly one instance',
    {
      timeout: 60_000,
    },
    async ({ wait }) => {
      server = await newServer();
      const { vmId, jobId } = await order(server, 'crash-create');
      await wait(server, vmId);
      const killedAt = Date.now();
      await server.kill9();

      await server.start();
      expect(await finishedJob(server, jobId, RESUME_WITHIN_MS)).toMatchObject({ hasFailed: false, errorMessage: null });
      const vm = await until('the VM to be Running', RESUME_WITHIN_MS, async () => {
        const current = await statusOf(server as Server, vmId);
        return current?.status === 'Running' ? current : undefined;
      });
      expect(Date.now() - killedAt).toBeLessThan(RESUME_WITHIN_MS);

      // One instance at the cloud, and it is the VM's: no duplicate create, nothing left behind.
      expect(vm.providerInstanceId).toBeTruthy();
      expect(await server.liveAt('verda')).toEqual([vm.providerInstanceId]);
      for (const other of ['runpod', 'fluidstack']) expect(await server.liveAt(other)).toEqual([]);
      const list = (await server.call('GET', '/v1/resource/gpu?includeDeleted=true')).body.data;
      expect(list.map((v: { id: string }) => v.id)).toEqual([vmId]);
      const history = await historyText(server, vmId);
      expect(history).not.toContain('Destroyed');
      // An instance found by its tag is recorded once, whoever (the reconciler or the job) found it first.
      expect(history.match(/"kind":"adopted"/g)?.length ?? 0).toBeLessThanOrEqual(1);
      // More refresh rounds do not change the verdict (no late orphan deletion of the VM's own instance).
      await sleep(2_500);
      expect((await statusOf(server, vmId))?.status).toBe('Running');
      expect(await server.liveAt('verda')).toEqual([vm.providerInstanceId]);
      expect(await historyText(server, vmId)).not.toContain('Destroyed');
    },
  );

  it('finishes a delete interrupted in flight: the VM ends Destroyed and the cloud holds nothing', {
    timeout: 60_000,
  }, async () => {
    server = await newServer();
    const { vmId } = await order(server, 'crash-delete');
    const running = await until('the VM to be Running', 15_000, async () => {
      const current = await statusOf(server as Server, vmId);
      return current?.status === 'Running' ? current : undefined;
    });
    expect(await server.liveAt('verda')).toEqual([running.providerInstanceId]);
    const cloudState = join(server.dataDir, 'sandbox', 'verda.json');
    const before = readFileSync(cloudState, 'utf8');
    const del = await server.call('DELETE', `/v1/resource/gpu/${vmId}`);
    expect(del.status).toBe(202);
    const deleteJobId = del.body.data.jobId as string;
    // Kill as the cloud takes the delete (its state file changes before it answers), or 200 ms after the 202.
    const deadline = Date.now() + 200;
    while (Date.now() < deadline && readFileSync(cloudState, 'utf8') === before) await sleep(1);
    const killedAt = Date.now();
    await server.kill9();
    await server.start();
    expect(await finishedJob(server, deleteJobId, RESUME_WITHIN_MS)).toMatchObject({ hasFailed: false });
    await until('the VM to be Destroyed', RESUME_WITHIN_MS, async () =>
      (await statusOf(server as Server, vmId))?.status === 'Destroyed' ? true : undefined,
    );
    expect(Date.now() - killedAt).toBeLessThan(RESUME_WITHIN_MS);
    await server.stop();
    for (const provider of ['verda', 'runpod', 'fluidstack']) expect(await server.liveAt(provider)).toEqual([]);
  });
});
