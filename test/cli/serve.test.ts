import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';
import { runCli } from './support/fake-api.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gpufleet.js');

/** Run `gpufleet serve` expecting it to stop by itself; killed (and failing the test) after 30 s. */
async function serveUntilExit(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', ...args], { env });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(killer);
  return { code, stderr };
}

describe('gpufleet serve', () => {
  let server: ChildProcessWithoutNullStreams | null = null;
  afterEach(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    server = null;
  });

  it('starts the server with --port, --host and --data-dir, and the CLI finds its admin key there', {
    timeout: 90_000,
  }, async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'gpufleet-cli-serve-'));
    const env = { ...process.env };
    for (const name of ['PORT', 'HOST', 'GPUFLEET_DATA_DIR', 'DATABASE_URL', 'GPUFLEET_ADMIN_KEY', 'GPUFLEET_MODE'])
      delete env[name];
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir], {
      env,
    });
    server = child;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    await new Promise<void>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (stdout.includes(`is running at http://127.0.0.1:${port}`)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });

    expect(existsSync(join(dataDir, 'admin-key'))).toBe(true);
    // No key given: the CLI falls back to <data dir>/admin-key, and listing API keys needs the admin role.
    const keys = await runCli(['keys', 'ls', '--json'], {
      url: `http://127.0.0.1:${port}`,
      apiKey: null,
      env: { GPUFLEET_DATA_DIR: dataDir },
    });
    expect(keys.stderr).toBe('');
    expect(keys.code).toBe(0);
    expect(JSON.parse(keys.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ role: 'admin' })]));

    // A second server on the taken port gives up at once, and does not linger with its simulated clouds.
    const otherDir = mkdtempSync(join(tmpdir(), 'gpufleet-cli-serve-'));
    const portTaken = await serveUntilExit(['--port', String(port), '--data-dir', otherDir], env);
    expect(portTaken.code).toBe(1);
    expect(portTaken.stderr).toMatch(
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use .*choose another port with --port <n> or PORT=<n>`),
    );
    // A second sandbox on the same data directory is refused: both would reconcile one store against different clouds.
    const dirTaken = await serveUntilExit(['--port', String(await freePort()), '--data-dir', dataDir], env);
    expect(dirTaken.code).toBe(1);
    expect(dirTaken.stderr).toMatch(/another gpufleet sandbox \(process \d+\) is using/);

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(existsSync(join(dataDir, 'sandbox.lock'))).toBe(false);
  });
});
