import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Job, PlacementAttempt } from '../../contract/gpu-vm.ts';
import type { Database, JobTable } from '../../store/schema.ts';

export type JobRow = Selectable<JobTable>;
export type JobPatch = Omit<Updateable<JobTable>, 'id' | 'created_at'>;

export const ACTIVE_JOB_STATES = ['queued', 'running', 'waiting'] as const;

export class JobRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<JobTable>): Promise<void> {
    await this.db.insertInto('jobs').values(row).execute();
  }

  async get(id: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async getMany(ids: string[]): Promise<JobRow[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('jobs').selectAll().where('id', 'in', ids).execute();
  }

  async update(id: string, patch: JobPatch): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ ...patch, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
  }

  async activeForVm(vmId: string): Promise<JobRow[]> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('vm_id', '=', vmId)
      .where('state', 'in', [...ACTIVE_JOB_STATES])
      .orderBy('created_at')
      .execute();
  }

  /** Runnable jobs: due, and not leased by a live worker. */
  async due(nowIso: string, limit: number): Promise<JobRow[]> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('state', 'in', [...ACTIVE_JOB_STATES])
      .where('run_after', '<=', nowIso)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso)]))
      .orderBy('run_after')
      .limit(limit)
      .execute();
  }

  /**
   * Make the waiting jobs of an account's VMs due now (the account answers again after failing); returns
   * how many. A job that was only waiting for the provider retries at once; any other looks and waits again.
   */
  async wakeWaitingOnAccount(accountId: string, nowIso: string): Promise<number> {
    const result = await this.db
      .updateTable('jobs')
      .set({ run_after: nowIso })
      .where('state', '=', 'waiting')
      .where('run_after', '>', nowIso)
      .where('vm_id', 'in', (eb) => eb.selectFrom('vms').select('id').where('account_id', '=', accountId))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Drop the leases a worker of this identity held before it restarted; returns how many. */
  async releaseLeasesOf(owner: string): Promise<number> {
    const result = await this.db
      .updateTable('jobs')
      .set({ lease_owner: null, lease_until: null })
      .where('lease_owner', '=', owner)
      .where('state', 'in', [...ACTIVE_JOB_STATES])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Extend a lease this worker still holds (the heartbeat of a running step). */
  async renewLease(id: string, owner: string, leaseUntil: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ lease_until: leaseUntil })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /**
   * Take a job for one worker. The conditional update makes this safe across replicas sharing
   * PostgreSQL: only one of them sees a row changed.
   */
  async claim(id: string, owner: string, nowIso: string, leaseUntil: string): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ lease_owner: owner, lease_until: leaseUntil })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

const ESTIMATES_SEC: Record<string, number> = { create: 120, start: 60, stop: 45, restart: 90, delete: 60 };

export function toJobView(row: JobRow, vmName: string): Job {
  const done = row.state === 'succeeded' || row.state === 'failed';
  const estimate = ESTIMATES_SEC[row.operation] ?? 60;
  const elapsed = (Date.now() - Date.parse(row.created_at)) / 1000;
  const remaining = done ? 0 : Math.max(0, Math.round(estimate - elapsed));
  return {
    jobId: row.id,
    resourceType: 'virtual_machine',
    resourceDisplayName: vmName,
    operation: row.operation,
    stage: row.stage,
    progressPercentage: row.progress,
    message: row.message,
    errorMessage: row.error_message,
    estimatedCompletion: done ? row.completed_at : new Date(Date.now() + remaining * 1000).toISOString(),
    timeRemaining: remaining,
    canRetry: row.can_retry === 1,
    isCompleted: done,
    hasFailed: row.state === 'failed',
    resourceId: row.vm_id,
    resourceName: vmName,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    attempts: JSON.parse(row.attempts_json) as PlacementAttempt[],
  };
}
