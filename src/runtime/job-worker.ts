import { randomUUID } from 'node:crypto';
import type { EventInput } from '../core/domain/events.ts';
import type { JobPatch, JobRow } from '../services/jobs/repository.ts';
import type { VmRow } from '../services/vms/repository.ts';
import { type JobHandler, JobStep, type WorkerDeps } from './jobs/context.ts';
import { createJob } from './jobs/create.ts';
import { deleteJob } from './jobs/delete.ts';
import { powerJob } from './jobs/power.ts';
import { PeriodicTask } from './periodic.ts';

const HANDLERS: Record<string, JobHandler> = {
  create: createJob,
  delete: deleteJob,
  start: powerJob,
  stop: powerJob,
  restart: powerJob,
};

export interface WorkerOptions {
  /** Jobs running at once in this process. */
  concurrency: number;
  /** Jobs running at once against one provider account (provider calls are scarce). */
  perAccountConcurrency: number;
  /**
   * How long a claimed job stays ours if the process dies mid-step. Kept short and renewed while a step
   * runs (a heartbeat), so a dead replica's jobs are taken over within seconds.
   */
  leaseMs: number;
  tickMs: number;
  /**
   * This worker's identity. A stable one (per data directory) lets a restarted process take back the
   * leases it held before dying at once instead of waiting for them to lapse.
   */
  workerId?: string;
  /** Called once when a job ends here (succeeded or failed), after the outcome is stored: metrics. */
  onJobFinished?: (job: { id: string; operation: string; outcome: 'succeeded' | 'failed' }) => void;
}

/**
 * Runs jobs from the store, so they survive restarts and can be shared by several replicas: a job is
 * claimed with a lease, one step runs, and the step's outcome (done, failed, or "look again at T") is
 * written back. Provider calls therefore never run on a request's path.
 */
export class JobWorker {
  private readonly owner: string;
  private recovered = false;
  private readonly running = new Map<string, string | null>();
  private readonly loop: PeriodicTask;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: WorkerDeps,
    private readonly options: WorkerOptions,
  ) {
    this.owner = options.workerId ?? randomUUID();
    this.loop = new PeriodicTask(
      () => this.runDue(),
      options.tickMs,
      (error) => deps.logger.error('job worker tick failed', { error: String(error) }),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Stop taking jobs and wait for the running steps to finish. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.idle;
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 20));
  }

  /** Run the steps that are due now (also used by tests to drive jobs without timers). */
  async runDue(): Promise<void> {
    if (!this.recovered) {
      // Leases under our name are from before a crash of this very worker: nobody runs them, resume now.
      const released = await this.deps.jobs.releaseLeasesOf(this.owner);
      if (released > 0) this.deps.logger.info('resuming jobs held before a restart', { jobs: released });
      this.recovered = true;
    }
    const free = this.options.concurrency - this.running.size;
    if (free <= 0) return;
    const nowIso = new Date().toISOString();
    const due = await this.deps.jobs.due(nowIso, free * 2);
    const steps: Promise<void>[] = [];
    for (const job of due) {
      if (this.running.size >= this.options.concurrency || this.running.has(job.id)) continue;
      const vm = await this.deps.vms.get(job.vm_id);
      const accountId = vm?.account_id ?? null;
      if (accountId && [...this.running.values()].filter((a) => a === accountId).length >= this.options.perAccountConcurrency)
        continue;
      const leaseUntil = new Date(Date.now() + this.options.leaseMs).toISOString();
      if (!(await this.deps.jobs.claim(job.id, this.owner, nowIso, leaseUntil))) continue;
      this.running.set(job.id, accountId);
      const heartbeat = setInterval(
        () => {
          const until = new Date(Date.now() + this.options.leaseMs).toISOString();
          this.deps.jobs.renewLease(job.id, this.owner, until).catch(() => undefined);
        },
        Math.max(50, Math.floor(this.options.leaseMs / 3)),
      );
      steps.push(
        this.runStep(job).finally(() => {
          clearInterval(heartbeat);
          this.running.delete(job.id);
        }),
      );
    }
    this.idle = Promise.allSettled(steps).then(() => undefined);
  }

  private async runStep(job: JobRow): Promise<void> {
    const vm = await this.deps.vms.get(job.vm_id);
    let patch: JobPatch;
    try {
      const handler = HANDLERS[job.operation];
      if (!vm)
        patch = {
          state: 'failed',
          stage: 'failed',
          error_code: 'NOT_FOUND',
          error_message: 'The VM no longer exists',
          completed_at: new Date().toISOString(),
        };
      else if (!handler)
        patch = {
          state: 'failed',
          stage: 'failed',
          error_code: 'UNKNOWN_OPERATION',
          error_message: `Unknown operation ${job.operation}`,
        };
      else patch = await handler(new JobStep(job, vm, this.deps));
    } catch (error) {
      // A bug or an unexpected failure: keep the job alive and retry later rather than lose track of a VM.
      this.deps.logger.error('job step failed', {
        jobId: job.id,
        operation: job.operation,
        error: String(error),
        stack: (error as Error).stack,
      });
      patch = {
        state: 'waiting',
        message: `Retrying after an internal error: ${error instanceof Error ? error.message : String(error)}`,
        run_after: new Date(Date.now() + this.deps.timing.pollMs * 5).toISOString(),
      };
    }
    await this.deps.jobs.update(job.id, { ...patch, lease_owner: null, lease_until: null });
    if ((patch.state === 'succeeded' || patch.state === 'failed') && job.state !== patch.state) {
      this.options.onJobFinished?.({ id: job.id, operation: job.operation, outcome: patch.state });
    }
    const event = vm ? jobEvent(job, patch, vm) : null;
    if (event) await this.deps.events.publish(event);
  }
}

/** What a step's outcome tells subscribers: the job ended, or moved to another stage or percentage (else nothing). */
export function jobEvent(job: JobRow, patch: JobPatch, vm: VmRow): EventInput | null {
  const base = { entityId: vm.entity_id, subject: { kind: 'job' as const, id: job.id } };
  const facts = { operation: job.operation, vmId: vm.id, vmName: vm.name };
  if (patch.state === 'succeeded' && job.state !== 'succeeded') {
    return { ...base, type: 'job.succeeded', data: { ...facts, message: patch.message ?? job.message } };
  }
  if (patch.state === 'failed' && job.state !== 'failed') {
    return {
      ...base,
      type: 'job.failed',
      data: {
        ...facts,
        errorCode: patch.error_code ?? null,
        errorMessage: patch.error_message ?? null,
        canRetry: patch.can_retry === 1,
      },
    };
  }
  const stage = patch.stage ?? job.stage;
  const progress = patch.progress ?? job.progress;
  if (stage === job.stage && progress === job.progress) return null;
  return { ...base, type: 'job.progress', data: { ...facts, stage, progress, message: patch.message ?? job.message } };
}
