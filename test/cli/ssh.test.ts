import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, ok, pageMeta, runCli } from './support/fake-api.ts';
import { vm } from './support/fixtures.ts';

const TRAINER = vm({ username: 'ubuntu', ip: '198.51.100.4', sshPort: 40022 });
const POD = vm({ id: 'aaaaaaaa-0000-4000-8000-000000000002', name: 'pod one', username: 'root', ip: '203.0.113.9', sshPort: 22 });
const STOPPED = vm({ id: 'aaaaaaaa-0000-4000-8000-000000000003', name: 'idle', status: 'Stopped', ip: null });

describe('gpufleet gpu ssh and ssh-config', () => {
  let api: FakeApi;
  let dir: string;
  let env: Record<string, string>;
  const argvFile = () => join(dir, 'ssh-argv');

  beforeEach(async () => {
    api = await new FakeApi().start();
    api.on('GET', '/v1/resource/gpu', ok([TRAINER, POD, STOPPED], pageMeta(3)));
    api.on('GET', `/v1/resource/gpu/${TRAINER.id}`, ok(TRAINER));
    dir = mkdtempSync(join(tmpdir(), 'gpufleet-cli-ssh-'));
    // A stand-in ssh that records its arguments, one a line, and exits 7.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile()}'\nexit 7\n`);
    chmodSync(join(bin, 'ssh'), 0o755);
    const home = join(dir, 'home');
    mkdirSync(home);
    env = { PATH: `${bin}:${process.env.PATH}`, HOME: home, XDG_CONFIG_HOME: join(dir, 'xdg') };
  });
  afterEach(() => api.close());

  const cli = (...args: string[]) => runCli(args, { url: api.url, env });

  /** Record a private key file for the trainer, as `gpu order --generate-ssh-key` does. */
  function recordKey(): string {
    const key = join(dir, 'trainer.key');
    writeFileSync(key, 'PRIVATE KEY\n', { mode: 0o600 });
    mkdirSync(join(dir, 'xdg', 'gpufleet'), { recursive: true });
    writeFileSync(
      join(dir, 'xdg', 'gpufleet', 'config.json'),
      JSON.stringify({ currentProfile: null, profiles: {}, keyFiles: { [TRAINER.id]: key } }),
    );
    return key;
  }

  it('runs ssh with the user and port, passes a remote command on, and exits with its code', async () => {
    const run = await cli('gpu', 'ssh', 'trainer', '--', 'nvidia-smi', '-L');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(7);
    expect(readFileSync(argvFile(), 'utf8')).toBe('-p\n40022\nubuntu@198.51.100.4\nnvidia-smi\n-L\n');
  });

  it('logs in with the key file written for the VM, and --print shows it', async () => {
    const key = recordKey();
    const run = await cli('gpu', 'ssh', 'trainer');
    expect(run.code).toBe(7);
    expect(readFileSync(argvFile(), 'utf8')).toBe(`-i\n${key}\n-o\nIdentitiesOnly=yes\n-p\n40022\nubuntu@198.51.100.4\n`);
    const printed = await cli('gpu', 'ssh', 'trainer', '--print');
    expect(printed.stdout).toBe(`ssh -i ${key} -p 40022 ubuntu@198.51.100.4\n`);
  });

  it('writes a Host block per running VM and says how to Include it', async () => {
    const key = recordKey();
    const run = await cli('ssh-config');
    expect(run.code).toBe(0);
    const file = join(env.HOME!, '.ssh', 'gpufleet_config');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(
      `Host trainer\n  HostName 198.51.100.4\n  User ubuntu\n  Port 40022\n  IdentityFile "${key}"\n  IdentitiesOnly yes\n`,
    );
    expect(text).toContain('Host pod-one\n  HostName 203.0.113.9\n  User root\n  Port 22\n');
    expect(text).not.toContain('idle');
    expect(run.stdout).toContain(`Wrote 2 hosts to ${file}:\n  ssh trainer\n  ssh pod-one\n`);
    expect(run.stdout).toContain(`add this line at the top of ${join(env.HOME!, '.ssh', 'config')}:\n  Include ${file}`);

    writeFileSync(join(env.HOME!, '.ssh', 'config'), 'Include ~/.ssh/gpufleet_config\n\nHost *\n  ServerAliveInterval 30\n');
    const again = await cli('ssh-config');
    expect(again.stdout).toContain('already includes it');

    const elsewhere = join(dir, 'hosts.conf');
    const out = await cli('ssh-config', '--out', elsewhere, '--json');
    expect(JSON.parse(out.stdout)).toMatchObject({
      file: elsewhere,
      included: false,
      hosts: [{ host: 'trainer' }, { host: 'pod-one' }],
    });
    expect(readFileSync(elsewhere, 'utf8')).toContain('Host trainer');
  });
});
