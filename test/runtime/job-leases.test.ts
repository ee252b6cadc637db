import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JobRepository } from '../../src/services/jobs/repository.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';

function jobRow(id: string, vmId: string, leaseOwner: string, leaseUntil: string, now: string) {
  return {
    id,
    vm_id: vmId,
    operation: 'create',
    state: 'running',
    stage: 'placing',
    progress: 20,
    message: 'placing',
    error_code: null,
    error_message: null,
    attempts_json: '[]',
    payload_json: '{}',
    can_retry: 0 as const,
    api_key_id: 'k',
    run_after: now,
    lease_owner: leaseOwner,
    lease_until: leaseUntil,
    deadline_at: null,
    created_at: now,
    updated_at: now,
    completed_at: null,
  };
}

/** A restarted worker takes back its own leases at once; another worker's stay until they lapse. */
describe.each(STORE_KINDS)('job leases (%s)', (kind) => {
  it('releases only the leases of the restarted worker, and renews only its own', async () => {
    const { store, cleanup } = await openTestStore(kind);
    try {
      const repo = new JobRepository(store.db);
      const now = new Date().toISOString();
      const later = new Date(Date.now() + 600_000).toISOString();
      const mine = randomUUID();
      const theirs = randomUUID();
      await repo.insert(jobRow(mine, randomUUID(), 'worker-a', later, now));
      await repo.insert(jobRow(theirs, randomUUID(), 'worker-b', later, now));
      expect(await repo.due(new Date().toISOString(), 10)).toEqual([]);

      expect(await repo.releaseLeasesOf('worker-a')).toBe(1);
      const due = await repo.due(new Date().toISOString(), 10);
      expect(due.map((j) => j.id)).toEqual([mine]);

      const soon = new Date(Date.now() + 5_000).toISOString();
      await repo.renewLease(theirs, 'worker-a', soon);
      expect((await repo.get(theirs))?.lease_until).toBe(later);
      await repo.renewLease(theirs, 'worker-b', soon);
      expect((await repo.get(theirs))?.lease_until).toBe(soon);
    } finally {
      await cleanup();
    }
  });
});
