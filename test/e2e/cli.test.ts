import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gpufleet.js');

/** The CLI as a user runs it, against a real started server with the simulated clouds. */
describe('gpufleet CLI end to end', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'gpufleet-cli-'));
  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
        // A config directory of its own: the CLI records generated key files there, never in the user's.
        env: {
          ...process.env,
          XDG_CONFIG_HOME: join(dir, 'config'),
          GPUFLEET_URL: t.url,
          GPUFLEET_API_KEY: t.adminKey,
          NO_COLOR: '1',
        },
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ web: false });
  });
  afterAll(async () => t?.close());

  it('generates a key, orders, lists, stops, starts and removes a VM', async () => {
    const keyFile = join(dir, 'id_ed25519');
    const key = await cli('ssh-keys', 'generate', 'laptop', '--out', keyFile, '--default');
    expect(key.code).toBe(0);
    expect(readFileSync(keyFile, 'utf8')).toContain('BEGIN OPENSSH PRIVATE KEY');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const order = await cli(
      'gpu',
      'order',
      '--name',
      'cli-vm',
      '--series',
      'h100_series',
      '--datacenter',
      'verda-fin-01',
      '--gpus',
      '1',
      '--wait',
      '--json',
    );
    expect(order.code, order.stderr).toBe(0);
    const vm = JSON.parse(order.stdout);
    const id = vm.id ?? vm.vm?.id ?? vm.resourceId;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const list = await cli('gpu', 'ls');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('cli-vm');
    expect(list.stdout).toContain('Running');

    const listed = JSON.parse((await cli('gpu', 'ls', '--json')).stdout);
    const mine = (listed.data ?? listed).find((v: { name: string }) => v.name === 'cli-vm');
    expect(mine).toMatchObject({ status: 'Running', provider: 'verda' });
    expect(mine.ip).toBeTruthy();

    const stop = await cli('gpu', 'stop', 'cli-vm', '--wait');
    expect(stop.code, stop.stderr).toBe(0);
    expect(`${stop.stdout}${stop.stderr}`).toMatch(/keeps billing/);
    const start = await cli('gpu', 'start', 'cli-vm', '--wait');
    expect(start.code, start.stderr).toBe(0);

    const rm = await cli('gpu', 'rm', 'cli-vm', '--yes', '--wait');
    expect(rm.code, rm.stderr).toBe(0);
    const after = await cli('gpu', 'get', id, '--json');
    expect(JSON.parse(after.stdout).status).toBe('Destroyed');
  });

  it('fails with exit code 1 and the API message on a bad request, 2 on a usage error', async () => {
    const bad = await cli('gpu', 'get', '00000000-0000-4000-8000-00000000dead');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/NOT_FOUND/);
    const usage = await cli('gpu', 'order', '--gpus', 'three');
    expect(usage.code).toBe(2);
  });

  it('lists offers from every cloud', async () => {
    const offers = await cli('offers', '--series', 'h100_series', '--json');
    expect(offers.code, offers.stderr).toBe(0);
    const data = JSON.parse(offers.stdout);
    const list = data.offers ?? data.data?.offers ?? data;
    expect(new Set(list.map((o: { provider: string }) => o.provider))).toEqual(new Set(['verda', 'runpod', 'fluidstack']));
  });

  it('saves a startup script and orders a VM with it, env, a secret and a port, then shows the endpoints', async () => {
    const scriptFile = join(dir, 'setup.sh');
    writeFileSync(scriptFile, '#!/bin/bash\necho ready > /tmp/ready\n');
    const added = await cli('scripts', 'add', 'cli-setup', scriptFile);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/Added startup script cli-setup .*, 36 bytes/);
    const listed = await cli('scripts', 'ls');
    expect(listed.stdout).toMatch(/cli-setup\s+.*36 B\s+echo ready/);
    const images = await cli('images');
    expect(images.code, images.stderr).toBe(0);
    expect(images.stdout).toMatch(/ubuntu-24\.04\s+.*verda/);

    const badEnv = await cli('gpu', 'order', '--name', 'x', '--series', 'h100_series', '--env', 'NOEQUALS');
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/--env wants NAME=value/);

    const order = await cli(
      'gpu',
      'order',
      '--name',
      'cli-work',
      '--series',
      'h100_series',
      '--datacenter',
      'verda-fin-01',
      '--script-id',
      'cli-setup',
      '--env',
      'MODEL=llama',
      '--secret-env',
      'HF_TOKEN=hf_cli_secret',
      '--port',
      '6006/http',
      '--wait',
    );
    expect(order.code, order.stderr).toBe(0);
    expect(order.stdout).toMatch(/port: +6006 → http:\/\/\d+\.\d+\.\d+\.\d+:6006/);
    const shown = await cli('gpu', 'get', 'cli-work');
    expect(shown.stdout).toMatch(/Script: +cli-setup \(36 bytes\)/);
    expect(shown.stdout).toMatch(/Env: +MODEL=llama HF_TOKEN=\(secret\)/);
    expect(shown.stdout).not.toContain('hf_cli_secret');
    expect((await cli('gpu', 'rm', 'cli-work', '--yes')).code).toBe(0);
    expect((await cli('scripts', 'rm', 'cli-setup')).code).toBe(0);
  });

  it('orders with a generated key pair, writes its private key, fetches it again, and loses it with the VM', async () => {
    const keyFile = join(dir, 'cli-keyed.key');
    const order = await cli(
      'gpu',
      'order',
      '--name',
      'cli-keyed',
      '--series',
      'h100_series',
      '--datacenter',
      'verda-fin-01',
      '--generate-ssh-key',
      '--key-out',
      keyFile,
      '--wait',
    );
    expect(order.code, order.stderr).toBe(0);
    expect(order.stdout).toContain(`private key written to ${keyFile}`);
    // The ssh line names the key file to log in with.
    expect(order.stdout).toMatch(new RegExp(`ssh: +ssh -i ${keyFile} -p \\d+ \\S+@\\d+\\.\\d+\\.\\d+\\.\\d+`));
    const written = readFileSync(keyFile, 'utf8');
    expect(written).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const again = await cli('gpu', 'ssh-key', 'cli-keyed');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(written);
    const shown = await cli('gpu', 'get', 'cli-keyed');
    expect(shown.stdout).toMatch(/Stored key: +yes/);

    const id = JSON.parse((await cli('gpu', 'get', 'cli-keyed', '--json')).stdout).id as string;
    expect((await cli('gpu', 'rm', 'cli-keyed', '--yes', '--wait')).code).toBe(0);
    const gone = await cli('gpu', 'ssh-key', id);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/wiped.*\(NO_STORED_CREDENTIALS\)/);
  });
});
