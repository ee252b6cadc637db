import type { Command } from 'commander';
import type { Job } from '../../contract/gpu-vm.ts';
import { contextFor } from '../context.ts';
import { renderTable } from '../format/table.ts';
import { failureText, fetchJobs, waitForJobs } from '../jobs.ts';

export function registerJobsCommand(program: Command): void {
  program
    .command('jobs')
    .description('state of long-running operations (orders, stops, deletions)')
    .argument('<job...>', 'job ids')
    .option('--wait', 'wait until every job has finished')
    .action(async (ids: string[], opts: { wait?: boolean }, cmd: Command) => {
      const ctx = contextFor(cmd);
      let jobs = await fetchJobs(ctx, ids);
      if (opts.wait) jobs = await waitForJobs(ctx, jobs, `Waiting for ${jobs.length === 1 ? 'the job' : `${jobs.length} jobs`}`);
      ctx.emit({ data: jobs, meta: null }, (rows) =>
        rows.length === 0
          ? 'No such jobs.'
          : renderTable(rows, [
              { header: 'JOB', value: (j) => j.jobId },
              { header: 'OPERATION', value: (j) => j.operation },
              { header: 'RESOURCE', value: (j) => j.resourceName || j.resourceId },
              { header: 'STATE', value: stateOf },
              { header: 'PROGRESS', value: (j) => `${Math.round(j.progressPercentage)}%`, align: 'right' },
              { header: 'MESSAGE', value: (j) => (j.hasFailed ? failureText(j) : j.message) },
            ]),
      );
    });
}

function stateOf(job: Job): string {
  if (job.hasFailed) return 'failed';
  return job.isCompleted ? 'completed' : job.stage || 'running';
}
