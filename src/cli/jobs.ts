import type { Job } from '../contract/gpu-vm.ts';
import type { CommandContext } from './context.ts';
import { operationFailed } from './errors.ts';
import { startProgress } from './format/spinner.ts';

const DEFAULT_POLL_MS = 2_000;
/** While the event stream is live a job's end arrives as an event; this slow poll only guards against a lost one. */
const POLL_WHILE_LIVE_MS = 15_000;
/** What wakes a wait: a job moving on, or a status change of its VM. */
const WAIT_EVENT_TYPES = ['job.progress', 'job.succeeded', 'job.failed', 'vm.status_changed'] as const;
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

/**
 * Wait until every job completed or failed, showing progress on stderr; the server's deadlines end every job.
 * Events of the jobs (and of their VMs) wake the wait at once; without the stream (an older server, a proxy
 * that buffers) the jobs are polled as before.
 */
export async function pollJobs(ctx: CommandContext, started: readonly Job[], label: string): Promise<Job[]> {
  let jobs = [...started];
  const progress = startProgress(progressText(label, jobs));
  const wake = wakeOnJobEvents(ctx, jobs);
  try {
    while (!jobs.every(jobDone)) {
      await wake.next(wake.live() ? POLL_WHILE_LIVE_MS : pollIntervalMs());
      const ids = jobs.map((job) => job.jobId);
      const polled = await fetchJobs(ctx, ids);
      const fresh = new Map(polled.map((job) => [job.jobId, job]));
      jobs = jobs.map((job) => fresh.get(job.jobId) ?? job);
      progress.update(progressText(label, jobs));
    }
  } finally {
    wake.close();
    progress.stop();
  }
  return jobs;
}

interface Wake {
  /** Resolves after `ms`, or sooner when a relevant event arrived (also one that arrived since the last call). */
  next(ms: number): Promise<void>;
  live(): boolean;
  close(): void;
}

function wakeOnJobEvents(ctx: CommandContext, jobs: readonly Job[]): Wake {
  const watched = new Set<string>();
  for (const job of jobs) {
    watched.add(job.jobId);
    if (job.resourceId) watched.add(job.resourceId);
  }
  let pending = false;
  let live = false;
  let ring: (() => void) | null = null;
  const poke = () => {
    pending = true;
    ring?.();
  };
  const abort = new AbortController();
  // Loaded only by a wait: quick commands never load the stream reader and its schema.
  void import('../lib/sse-reader.ts')
    .then(({ openEventStream }) => {
      if (abort.signal.aborted) return;
      openEventStream({
        baseUrl: ctx.config.url,
        apiKey: ctx.config.apiKey,
        types: WAIT_EVENT_TYPES,
        signal: abort.signal,
        retryMs: 1_000,
        maxRetryMs: 10_000,
        onEvent: (event) => {
          const vmId = typeof event.data.vmId === 'string' ? event.data.vmId : null;
          if (watched.has(event.subject.id) || (vmId !== null && watched.has(vmId))) poke();
        },
        onState: (state) => {
          live = state === 'live';
          // Whatever happened before the stream was there is read once it is.
          if (live) poke();
        },
      });
    })
    .catch(() => {});
  return {
    next: (ms) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          ring = null;
          pending = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        ring = done;
        if (pending) done();
      }),
    live: () => live,
    close: () => abort.abort(),
  };
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
