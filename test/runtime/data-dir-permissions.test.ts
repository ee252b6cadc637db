import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gpufleet.js');
const parent = mkdtempSync(join(tmpdir(), 'gpufleet-modes-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

/**
 * `gpufleet serve` in sandbox mode under umask 000, so that any file made without an explicit mode would be
 * readable (and writable) by everyone: only what the server sets itself keeps others out.
 */
function serve(dataDir: string, port: number): ChildProcess {
  const env = { ...process.env };
  for (const name of ['HOST', 'PORT', 'GPUFLEET_DATA_DIR', 'DATABASE_URL', 'GPUFLEET_ADMIN_KEY', 'GPUFLEET_SECRET_KEY'])
    delete env[name];
  const command = `umask 000 && exec "${process.execPath}" "${BIN}" serve --host 127.0.0.1 --port ${port} --data-dir "${dataDir}"`;
  return spawn('/bin/sh', ['-c', command], {
    env: { ...env, GPUFLEET_MODE: 'sandbox', GPUFLEET_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function output(child: ChildProcess): { text: () => string } {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return { text: () => text };
}

const exitOf = (child: ChildProcess) =>
  child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

/** Every file and directory under `dir` (itself included) with its permission bits. */
function modes(dir: string): Map<string, number> {
  const found = new Map<string, number>([[dir, statSync(dir).mode & 0o777]]);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    found.set(path, statSync(path).mode & 0o777);
  }
  return found;
}

describe('data directory permissions', () => {
  let child: ChildProcess | null = null;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = null;
  });

  it('keeps the data directory, the database with its WAL files and the keys owner-only, whatever the umask', {
    timeout: 60_000,
  }, async () => {
    const dataDir = join(parent, 'fresh');
    const port = await freePort();
    child = serve(dataDir, port);
    const out = output(child);
    await new Promise<void>((resolve, reject) => {
      child?.stdout?.on('data', () => {
        if (out.text().includes(`is running at http://127.0.0.1:${port}`)) resolve();
      });
      child?.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out.text()}`)));
    });
    // A write, so the WAL is in use while the files are looked at.
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);

    const found = modes(dataDir);
    expect(found.get(dataDir)).toBe(0o700);
    for (const name of ['gpufleet.db', 'gpufleet.db-wal', 'gpufleet.db-shm', 'secret-key', 'admin-key', 'worker-id']) {
      const path = join(dataDir, name);
      expect(existsSync(path), name).toBe(true);
      expect(found.get(path)?.toString(8), name).toBe('600');
    }
    // Nothing else in it (the simulated clouds' state, the sandbox lock) is open to others either.
    const shared = [...found].filter(([, mode]) => (mode & 0o077) !== 0).map(([path, mode]) => `${path} ${mode.toString(8)}`);
    expect(shared).toEqual([]);

    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
  });

  it('refuses to start with a secret-key others can read, naming the file and the fix', { timeout: 60_000 }, async () => {
    const dataDir = join(parent, 'shared-key');
    const first = serve(dataDir, await freePort());
    child = first;
    const firstOut = output(first);
    await new Promise<void>((resolve, reject) => {
      first.stdout?.on('data', () => {
        if (firstOut.text().includes('is running at')) resolve();
      });
      first.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${firstOut.text()}`)));
    });
    first.kill('SIGTERM');
    expect(await exitOf(first)).toBe(0);

    const secretKey = join(dataDir, 'secret-key');
    chmodSync(secretKey, 0o644);
    child = serve(dataDir, await freePort());
    const out = output(child);
    expect(await exitOf(child)).toBe(1);
    expect(out.text()).toContain(`${secretKey} is accessible to other users (mode 0644)`);
    expect(out.text()).toContain(`chmod 600 ${secretKey}`);
    expect(out.text()).not.toContain('is running at');
    // Refused, not repaired behind the operator's back: the key may already have been read.
    expect(statSync(secretKey).mode & 0o777).toBe(0o644);
  });
});
