import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './support/fake-api.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gpufleet.js');

/** Start a long-running command and collect its stdout until `done` says the output is complete. */
function startLongRunning(args: string[]): {
  child: ChildProcessWithoutNullStreams;
  output: (done: (text: string) => boolean) => Promise<string>;
} {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return {
    child,
    output: (done) =>
      new Promise((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          if (done(stdout)) resolve(stdout);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code} before it was ready: ${stderr}`)));
      }),
  };
}

const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });

function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('gpufleet simulate', () => {
  let running: ChildProcessWithoutNullStreams | null = null;
  afterEach(() => {
    if (running && running.exitCode === null) running.kill('SIGKILL');
    running = null;
  });

  it('runs a provider simulator, prints where and how to connect as JSON, and stops cleanly on SIGTERM', async () => {
    const sim = startLongRunning([
      'simulate',
      'verda',
      '--json',
      '--transition-ms',
      '50',
      '--credential',
      'clientId=me',
      'clientSecret=pw',
    ]);
    running = sim.child;

    const info = JSON.parse(await sim.output(isCompleteJson)) as {
      provider: string;
      baseUrl: string;
      credentials: Record<string, string>;
    };

    expect(info.provider).toBe('verda');
    expect(info.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(info.credentials).toEqual({ clientId: 'me', clientSecret: 'pw' });
    // Something answers HTTP there.
    const response = await fetch(info.baseUrl);
    expect(response.status).toBeGreaterThanOrEqual(200);
    await response.body?.cancel();

    sim.child.kill('SIGTERM');
    expect(await exited(sim.child)).toBe(0);
    await expect(fetch(info.baseUrl)).rejects.toThrow();
  });

  it('prints a ready-made accounts add command line for people', async () => {
    const sim = startLongRunning(['simulate', 'runpod']);
    running = sim.child;

    const text = await sim.output((t) => t.includes('Ctrl+C stops it.'));

    expect(text).toMatch(/listening at http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toContain('gpufleet accounts add runpod --name runpod-sim --base-url http://127.0.0.1:');
    expect(text).toContain('--credential apiKey=');
    sim.child.kill('SIGINT');
    expect(await exited(sim.child)).toBe(0);
  });

  it('is a usage error for a provider it does not know', async () => {
    const run = await runCli(['simulate', 'aws']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown provider "aws"; known: verda, runpod, fluidstack');
  });
});
