import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from '../services/types.ts';
import type { CommandContext } from './context.ts';
import { operationFailed } from './errors.ts';
import { startProgress } from './format/spinner.ts';

const DEFAULT_POLL_MS = 2_000;
/** The API takes at most this many job ids per poll. */
const JOBS_PER_POLL = 50;

/** How often --wait asks; GPUFLEET_POLL_INTERVAL_MS overrides it (tests, impatient people). */
export function pollIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.GPUFLEET_POLL_INTERVAL_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_POLL_MS;
}

export const jobDone = (job: Job) => job.isCompleted || job.hasFailed;

export async function fetchJobs(ctx: CommandContext, jobIds: readonly string[]): Promise<Job[]> {
  const jobs: Job[] = [];
  for (let i = 0; i < jobIds.length; i += JOBS_PER_POLL) {
    const { data } = await ctx.client.post<{ jobs: Job[] }>('/v1/resource/jobs', { jobIds: jobIds.slice(i, i + JOBS_PER_POLL) });
    jobs.push(...data.jobs);
  }
  return jobs;
}

/** Poll until every job completed or failed, showing progress on stderr; the server's deadlines end every job. */
export async function pollJobs(ctx: CommandContext, started: readonly Job[], label: string): Promise<Job[]> {
  let jobs = [...started];
  const progress = startProgress(progressText(label, jobs));
  try {
    while (!jobs.every(jobDone)) {
      await sleep(pollIntervalMs());
      const ids = jobs.map((job) => job.jobId);
      const polled = await fetchJobs(ctx, ids);
      const fresh = new Map(polled.map((job) => [job.jobId, job]));
      jobs = jobs.map((job) => fresh.get(job.jobId) ?? job);
      progress.update(progressText(label, jobs));
    }
  } finally {
    progress.stop();
  }
  return jobs;
}

/** Name each failed job on stderr and fail the command when there is one. */
export function throwIfFailed(ctx: CommandContext, jobs: readonly Job[]): void {
  const failed = jobs.filter((job) => job.hasFailed);
  for (const job of failed) ctx.note(`${job.operation} of ${job.resourceName || job.resourceId} failed: ${failureText(job)}`);
  if (failed.length === 0) return;
  const message = failed.length === 1 ? failureText(failed[0]!) : `${failed.length} of ${jobs.length} jobs failed`;
  throw operationFailed('JOB_FAILED', message);
}

export async function waitForJobs(ctx: CommandContext, started: readonly Job[], label: string): Promise<Job[]> {
  const jobs = await pollJobs(ctx, started, label);
  throwIfFailed(ctx, jobs);
  return jobs;
}

export function failureText(job: Job): string {
  return job.errorMessage || job.message || job.stage;
}

function progressText(label: string, jobs: readonly Job[]): string {
  if (jobs.length === 1) {
    const job = jobs[0]!;
    const detail = [job.stage, `${Math.round(job.progressPercentage)}%`, job.message].filter(Boolean).join(' · ');
    return `${label}: ${detail}`;
  }
  return `${label}: ${jobs.filter(jobDone).length}/${jobs.length} done`;
}
