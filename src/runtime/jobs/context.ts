import type { Kysely } from 'kysely';
import type { PlacementAttempt } from '../../contract/gpu-vm.ts';
import type { InstanceRef } from '../../core/provider/provider.ts';
import type { Logger } from '../../logger.ts';
import type { EventPublisher } from '../../services/events/publisher.ts';
import { publishVmStatusChange, reasonOfJob } from '../../services/events/vm-events.ts';
import type { JobPatch, JobRepository, JobRow } from '../../services/jobs/repository.ts';
import type { SecretBox } from '../../services/secrets.ts';
import type { VmPatch, VmRepository, VmRow } from '../../services/vms/repository.ts';
import type { Database } from '../../store/schema.ts';
import type { OfferCache } from '../offer-cache.ts';
import type { ProviderPool } from '../provider-pool.ts';
import type { Reconciler } from '../reconcile.ts';
import type { StatusRefresher } from '../status-refresher.ts';

export interface JobTiming {
  /** How often a waiting job looks again. */
  pollMs: number;
  /** Placing (finding a provider that takes the order) must be done within this. */
  placeDeadlineMs: number;
  /** A VM must be Running this long after the provider accepted it, or the attempt fails and is cleaned up. */
  bootDeadlineMs: number;
  /** Containers pull large images (RunPod): they get longer. */
  containerBootDeadlineMs: number;
  /** Stop/start must settle within this. */
  actionDeadlineMs: number;
}

export interface WorkerDeps {
  db: Kysely<Database>;
  vms: VmRepository;
  jobs: JobRepository;
  pool: ProviderPool;
  refresher: StatusRefresher;
  offers: OfferCache;
  reconciler: Reconciler;
  logger: Logger;
  timing: JobTiming;
  /** Opens a VM's sealed environment to hand it to the provider. */
  secrets: SecretBox;
  events: EventPublisher;
}

/** One step of one job: what a handler reads and the ways it can end the step. */
export class JobStep {
  private patch: JobPatch = {};

  constructor(
    readonly job: JobRow,
    public vm: VmRow,
    readonly deps: WorkerDeps,
  ) {}

  get payload(): Record<string, unknown> {
    return JSON.parse(this.patch.payload_json ?? this.job.payload_json) as Record<string, unknown>;
  }

  get attempts(): PlacementAttempt[] {
    return JSON.parse(this.patch.attempts_json ?? this.job.attempts_json) as PlacementAttempt[];
  }

  setPayload(payload: Record<string, unknown>): void {
    this.patch.payload_json = JSON.stringify(payload);
  }

  setAttempts(attempts: PlacementAttempt[]): void {
    this.patch.attempts_json = JSON.stringify(attempts);
  }

  progress(stage: string, percent: number, message: string): void {
    Object.assign(this.patch, { stage, progress: percent, message, state: 'running' });
  }

  /** Persist what the step decided so far (e.g. the intent, before a provider call). */
  async save(): Promise<void> {
    await this.deps.jobs.update(this.job.id, this.patch);
  }

  /** Come back after `ms`. */
  wait(ms: number, stage?: string, message?: string): JobPatch {
    return {
      ...this.patch,
      ...(stage ? { stage } : {}),
      ...(message ? { message } : {}),
      state: 'waiting',
      run_after: new Date(Date.now() + ms).toISOString(),
    };
  }

  succeed(message: string): JobPatch {
    const at = new Date().toISOString();
    return { ...this.patch, state: 'succeeded', stage: 'completed', progress: 100, message, completed_at: at, can_retry: 0 };
  }

  fail(code: string, message: string, canRetry: boolean): JobPatch {
    const at = new Date().toISOString();
    return {
      ...this.patch,
      state: 'failed',
      stage: 'failed',
      message: 'Operation failed',
      error_code: code,
      error_message: message,
      completed_at: at,
      can_retry: canRetry ? 1 : 0,
    };
  }

  /**
   * Write a status the job decided (Stopping, Starting, Error…) and publish the change, read against the
   * stored row (reconciliation may have moved it since this step began).
   */
  async writeVmStatus(patch: VmPatch & { status: string }): Promise<void> {
    const before = (await this.deps.vms.get(this.vm.id)) ?? this.vm;
    await this.deps.vms.update(this.vm.id, patch);
    await publishVmStatusChange(this.deps.events, before, {
      to: patch.status,
      providerStatus: patch.provider_status ?? before.provider_status,
      reason: patch.status_reason ?? reasonOfJob(this.job),
    });
  }

  async reloadVm(): Promise<VmRow> {
    const vm = await this.deps.vms.get(this.vm.id);
    if (vm) this.vm = vm;
    return this.vm;
  }

  /** The VM as gpufleet recorded it, as the provider adapter needs it for an action. */
  instanceRef(): InstanceRef {
    const vm = this.vm;
    return {
      providerInstanceId: vm.provider_instance_id ?? '',
      providerSkuId: vm.provider_sku_id ?? '',
      locationCode: vm.location_code ?? '',
      gpuCount: vm.gpu_count,
      spot: vm.spot === 1,
      pricePerHour: vm.price_amount === null ? null : { amount: vm.price_amount, currency: vm.price_currency ?? 'usd' },
    };
  }

  /** Read the VM again after making the account's status at most `maxAgeMs` old (one shared list call). */
  async freshVm(maxAgeMs = 1_000): Promise<VmRow> {
    if (this.vm.account_id) await this.deps.refresher.ensureFresh([this.vm.account_id], maxAgeMs);
    return this.reloadVm();
  }
}

export type JobHandler = (step: JobStep) => Promise<JobPatch>;
