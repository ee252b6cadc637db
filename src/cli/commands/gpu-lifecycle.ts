import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { GpuVmDetails, Job } from '../../contract/gpu-vm.ts';
import { type CommandContext, contextFor } from '../context.ts';
import { CliError, operationFailed, UsageError } from '../errors.ts';
import { waitForJobs } from '../jobs.ts';
import { keyFileFor } from '../profiles.ts';
import { resolveVmIds } from '../resolve.ts';
import { sshCommand } from './gpu-render.ts';

interface Action {
  name: 'stop' | 'start' | 'restart' | 'rm';
  description: string;
  /** Shown while it runs, e.g. "Stopping". */
  doing: string;
  send(ctx: CommandContext, id: string): Promise<{ job: Job; warning: string | null }>;
}

const powerAction = (name: 'stop' | 'start' | 'restart', description: string, doing: string): Action => ({
  name,
  description,
  doing,
  async send(ctx, id) {
    const { data, message } = await ctx.client.post<Job>(`/v1/resource/gpu/${id}/${name}`);
    return { job: data, warning: warningIn(message) };
  },
});

/**
 * The API says "GPU VM stop initiated." and, when the provider keeps billing a stopped VM, adds the
 * warning as further sentences of the same message.
 */
function warningIn(message: string): string | null {
  const at = message.indexOf('. ');
  const rest = at === -1 ? '' : message.slice(at + 2).trim();
  return rest === '' ? null : rest;
}

const ACTIONS: Action[] = [
  powerAction('stop', 'power off GPU VMs', 'Stopping'),
  powerAction('start', 'power on stopped GPU VMs', 'Starting'),
  powerAction('restart', 'restart GPU VMs', 'Restarting'),
  {
    name: 'rm',
    description: 'destroy GPU VMs and their disks (irreversible)',
    doing: 'Deleting',
    async send(ctx, id) {
      const { data } = await ctx.client.delete<Job>(`/v1/resource/gpu/${id}`);
      return { job: data, warning: null };
    },
  },
];

export function registerGpuLifecycleCommands(gpu: Command): void {
  for (const action of ACTIONS) {
    const command = gpu
      .command(action.name)
      .description(action.description)
      .argument('<vm...>', 'ids or names')
      .option('--wait', 'wait until every job has finished');
    if (action.name === 'rm') command.alias('delete').option('-y, --yes', 'do not ask for confirmation');
    command.action(async (refs: string[], opts: { wait?: boolean; yes?: boolean }, cmd: Command) => {
      if (action.name === 'rm' && !opts.yes) await confirmDelete(refs);
      await runAction(contextFor(cmd), action, refs, opts.wait === true);
    });
  }
}

async function runAction(ctx: CommandContext, action: Action, refs: string[], wait: boolean): Promise<void> {
  // Resolve every name first: a typo in the third name must not leave the first two half done.
  const ids = await resolveVmIds(ctx.client, refs);
  let jobs: Job[] = [];
  let failures = 0;
  for (const [i, id] of ids.entries()) {
    try {
      const { job, warning } = await action.send(ctx, id);
      if (warning) ctx.note(`warning: ${warning}`);
      if (!ctx.config.json) ctx.print(`${action.doing} ${job.resourceName || refs[i]} (job ${job.jobId})`);
      jobs.push(job);
    } catch (err) {
      // One VM refusing should not keep the others from being acted on; a single target fails as it is.
      if (ids.length === 1 || !(err instanceof CliError) || err.exitCode === 3) throw err;
      failures++;
      ctx.note(`error: ${refs[i]}: ${err.message}${err.code ? ` (${err.code})` : ''}`);
    }
  }
  if (wait && jobs.length > 0) {
    jobs = await waitForJobs(
      ctx,
      jobs,
      `${action.doing} ${jobs.length === 1 ? (jobs[0]!.resourceName ?? '') : `${jobs.length} VMs`}`,
    );
    if (!ctx.config.json) ctx.print(`Done: ${jobs.map((j) => j.resourceName || j.resourceId).join(', ')}`);
    // A VM powered on again may come back on another address or port.
    if (!ctx.config.json && (action.name === 'start' || action.name === 'restart')) await printAddresses(ctx, jobs);
  }
  if (ctx.config.json) ctx.printData(refs.length === 1 ? jobs[0] : jobs);
  if (failures > 0) throw operationFailed('PARTIAL_FAILURE', `${failures} of ${ids.length} VMs could not be acted on`);
}

async function printAddresses(ctx: CommandContext, jobs: readonly Job[]): Promise<void> {
  for (const job of jobs) {
    if (job.hasFailed || !job.resourceId) continue;
    const { data: vm } = await ctx.client.get<GpuVmDetails>(`/v1/resource/gpu/${job.resourceId}`);
    const ssh = sshCommand(vm, keyFileFor(vm.id));
    ctx.print(ssh ? `${vm.name}: ${ssh}` : `${vm.name}: no address yet (status ${vm.status})`);
  }
}

async function confirmDelete(refs: readonly string[]): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new UsageError('refusing to delete without confirmation: no terminal to ask on; pass --yes to delete without asking');
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const disks = refs.length === 1 ? 'its disk' : 'their disks';
    const answer = await prompt.question(`Destroy ${refs.join(', ')} and ${disks}? This cannot be undone. [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw operationFailed('ABORTED', 'nothing was deleted');
  } finally {
    prompt.close();
  }
}
