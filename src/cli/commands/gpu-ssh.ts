import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { GpuVmDetails } from '../../contract/gpu-vm.ts';
import { contextFor } from '../context.ts';
import { operationFailed } from '../errors.ts';
import { keyFileFor } from '../profiles.ts';
import { listAll, resolveVmId } from '../resolve.ts';
import { sshCommand } from './gpu-render.ts';
import { expandHome } from './ssh-keys.ts';

/** `gpu ssh`: log in (ssh is run in the foreground), or `--print` the command line. */
export function registerGpuSshCommand(gpu: Command): void {
  gpu
    .command('ssh')
    .description('log in to a GPU VM with ssh (--print: print the command line instead)')
    .argument('<vm>', 'id or name')
    .argument('[command...]', 'a command to run on the VM instead of a shell (put it after --)')
    .option('--print', 'print the ssh command line instead of running it')
    .option('-i, --identity <file>', 'private key file (default: the one written for this VM, if any)')
    .action(async (ref: string, remote: string[], opts: { print?: boolean; identity?: string }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const id = await resolveVmId(ctx.client, ref);
      const { data: vm } = await ctx.client.get<GpuVmDetails>(`/v1/resource/gpu/${id}`);
      const identityFile = opts.identity ? expandHome(opts.identity) : keyFileFor(vm.id);
      const command = sshCommand(vm, identityFile);
      if (!command || !vm.ip) throw operationFailed('NO_ADDRESS', `${vm.name} has no IP address yet (status ${vm.status})`);
      if (vm.ipIsPrivate) ctx.note(`note: ${vm.ip} is a private address, reachable only inside the provider's network`);
      const username = vm.username || 'root';
      const port = vm.sshPort ?? 22;
      if (opts.print || ctx.config.json) {
        const access = { command, ip: vm.ip, port, username, ...(identityFile ? { identityFile } : {}) };
        ctx.emit({ data: access, meta: null }, (a) => a.command);
        return;
      }
      const args = [
        ...(identityFile ? ['-i', identityFile, '-o', 'IdentitiesOnly=yes'] : []),
        '-p',
        String(port),
        `${username}@${vm.ip}`,
        ...remote,
      ];
      process.exitCode = await runSsh(args);
    });
}

/** ssh in the foreground on this terminal; its exit code becomes ours. */
function runSsh(args: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn('ssh', args, { stdio: 'inherit' });
    child.on('error', (err: NodeJS.ErrnoException) =>
      fail(
        err.code === 'ENOENT'
          ? operationFailed('NO_SSH', 'ssh is not installed (or not on PATH); `gpufleet gpu ssh --print` shows the command')
          : err,
      ),
    );
    child.on('exit', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

const DEFAULT_SSH_CONFIG = '~/.ssh/gpufleet_config';

/** `ssh-config`: a `Host` block per running VM in a file of its own, for `~/.ssh/config` to `Include`. */
export function registerSshConfigCommand(program: Command): void {
  program
    .command('ssh-config')
    .description('write a Host block per running GPU VM to a file ~/.ssh/config can Include (then: ssh <vm name>)')
    .option('--out <file>', 'the file to write (rewritten on every run)', DEFAULT_SSH_CONFIG)
    .action(async (opts: { out: string }, cmd: Command) => {
      const ctx = contextFor(cmd);
      const vms = (await listAll<GpuVmDetails>(ctx.client, '/v1/resource/gpu')).filter((vm) => vm.status === 'Running' && vm.ip);
      const hosts = hostEntries(vms);
      const out = resolve(expandHome(opts.out));
      const text = [
        '# GPU VMs of gpufleet, one Host block each. Rewritten by `gpufleet ssh-config`: edit ~/.ssh/config instead.',
        ...hosts.map((h) => h.block),
      ].join('\n\n');
      mkdirSync(dirname(out), { recursive: true, mode: 0o700 });
      writeFileSync(out, `${text}\n`, { mode: 0o600 });
      const userConfig = resolve(homedir(), '.ssh', 'config');
      const included = includes(userConfig, out, opts.out);
      const data = { file: out, hosts: hosts.map((h) => ({ host: h.host, vmId: h.vm.id })), included };
      ctx.emit({ data, meta: null }, () => {
        const lines = [`Wrote ${hosts.length} host${hosts.length === 1 ? '' : 's'} to ${out}${hosts.length ? ':' : '.'}`];
        for (const h of hosts) lines.push(`  ssh ${h.host}`);
        lines.push(
          included
            ? `${userConfig} already includes it.`
            : `To use it, add this line at the top of ${userConfig}:\n  Include ${out}`,
        );
        return lines.join('\n');
      });
    });
}

function hostEntries(vms: readonly GpuVmDetails[]) {
  const seen = new Set<string>();
  return vms.map((vm) => {
    let host = vm.name.replace(/[^A-Za-z0-9._-]/g, '-') || vm.id;
    // Two VMs of the same name: the second goes by its name and the start of its id.
    if (seen.has(host)) host = `${host}-${vm.id.slice(0, 8)}`;
    seen.add(host);
    const identityFile = keyFileFor(vm.id);
    const block = [
      `Host ${host}`,
      `  HostName ${vm.ip}`,
      `  User ${vm.username || 'root'}`,
      `  Port ${vm.sshPort ?? 22}`,
      ...(identityFile ? [`  IdentityFile "${identityFile}"`, '  IdentitiesOnly yes'] : []),
    ].join('\n');
    return { host, vm, block };
  });
}

/** Whether ~/.ssh/config already has an `Include` of the file (by its full path or as given). */
function includes(userConfig: string, file: string, given: string): boolean {
  if (!existsSync(userConfig)) return false;
  const text = readFileSync(userConfig, 'utf8');
  return text.split('\n').some((line) => {
    const match = /^\s*Include\s+(.+?)\s*$/i.exec(line);
    if (!match) return false;
    return match[1]!
      .split(/\s+/)
      .map((p) => p.replace(/^"|"$/g, ''))
      .some((p) => p === given || resolve(expandHome(p)) === file);
  });
}
