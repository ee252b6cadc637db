import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { EventPublisher } from './publisher.ts';

/** Why a VM's status changed: the provider's own reason (`preempted`, `capacity`, …), or who asked for it. */
export type StatusChangeReason = string | null;

/** The system's own calls (policy engine) are made under this API key id. */
export const SYSTEM_API_KEY_ID = 'system';

/** `user` for a job someone asked for, `policy` for one the policy engine started. */
export function reasonOfJob(job: { api_key_id: string | null }): 'user' | 'policy' {
  return job.api_key_id === SYSTEM_API_KEY_ID ? 'policy' : 'user';
}

/**
 * `vm.status_changed` (and `vm.preempted` when the provider reclaimed a spot VM) for a status that really
 * changed; a write of the same status is no event.
 */
export async function publishVmStatusChange(
  publisher: EventPublisher,
  vm: { id: string; entity_id: string; name: string; status: string },
  change: { to: string; providerStatus: string | null; reason: StatusChangeReason },
  trx?: Kysely<Database>,
): Promise<void> {
  if (vm.status === change.to) return;
  const subject = { kind: 'vm' as const, id: vm.id };
  const data = { from: vm.status, to: change.to, providerStatus: change.providerStatus, reason: change.reason, name: vm.name };
  await publisher.publish({ type: 'vm.status_changed', entityId: vm.entity_id, subject, data }, trx);
  if (change.reason === 'preempted') {
    await publisher.publish(
      {
        type: 'vm.preempted',
        entityId: vm.entity_id,
        subject,
        data: { status: change.to, providerStatus: change.providerStatus, name: vm.name },
      },
      trx,
    );
  }
}
