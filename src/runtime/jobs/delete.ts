import { isProviderError } from '../../core/provider/errors.ts';
import { reasonOfJob } from '../../services/events/vm-events.ts';
import type { JobHandler } from './context.ts';

const RESEND_DELETE_MS = 30_000;

interface DeletePayload {
  lastSentAt?: string | null;
  /** When the deadline passed without the provider confirming the deletion (the VM shows Error, `deadline`). */
  overdueSince?: string | null;
}

/**
 * Delete until the provider confirms the instance is gone. A refusal or a timeout is retried, never
 * taken as success: the VM stays visible (Stopping) until the provider says it no longer exists. Past the
 * action deadline the VM shows Error with the reason `deadline`, and the job still goes on: an instance
 * that may bill is never left alone.
 */
export const deleteJob: JobHandler = async (step) => {
  const { deps } = step;
  const payload = step.payload as DeletePayload;
  let vm = await step.reloadVm();
  if (vm.status === 'Destroyed') return step.succeed('GPU VM deleted');
  if (!payload.overdueSince && Date.now() - Date.parse(step.job.created_at) > deps.timing.actionDeadlineMs) {
    payload.overdueSince = new Date().toISOString();
    step.setPayload({ ...payload });
    await step.writeVmStatus({ status: 'Error', status_reason: 'deadline' });
    await deps.vms.addEvent(
      vm.id,
      'deadline',
      `${vm.provider ?? 'the provider'} has not confirmed the deletion within ${Math.round(deps.timing.actionDeadlineMs / 60_000)} min; gpufleet keeps deleting the instance (it may bill until it is gone)`,
    );
    vm = await step.reloadVm();
  }
  const overdue = payload.overdueSince ? ' (past its deadline; still deleting)' : '';

  if (!vm.provider_instance_id && vm.account_id) {
    // An order may have reached the provider just before the delete: look for the tagged instance.
    const { provider } = await deps.pool.get(vm.account_id);
    const instances = await provider.listInstances().catch(() => null);
    if (instances === null)
      return step.wait(deps.timing.pollMs * 3, 'deleting', `Checking the provider before deleting${overdue}`);
    const tagged = instances.find((i) => i.gpufleetId === vm.id);
    if (tagged) {
      await deps.vms.update(vm.id, { provider_instance_id: tagged.providerInstanceId });
      vm = await step.reloadVm();
    }
  }
  if (!vm.provider_instance_id || !vm.account_id) {
    await deps.reconciler.markDestroyed(vm, new Date().toISOString(), 'deleted before any instance existed', {
      cause: reasonOfJob(step.job),
    });
    return step.succeed('GPU VM deleted');
  }

  const { provider } = await deps.pool.get(vm.account_id);
  const due = !payload.lastSentAt || Date.now() - Date.parse(payload.lastSentAt) > RESEND_DELETE_MS;
  if (due) {
    try {
      const outcome = await provider.deleteInstance(step.instanceRef());
      if (outcome === 'gone') {
        await deps.reconciler.markDestroyed(vm, new Date().toISOString(), 'the provider confirmed the instance is gone', {
          cause: reasonOfJob(step.job),
        });
        return step.succeed('GPU VM deleted');
      }
      await deps.vms.addEvent(vm.id, 'delete', `delete accepted by ${vm.provider}`);
      step.setPayload({ ...payload, lastSentAt: new Date().toISOString() });
      if (vm.status !== 'Stopping' && !payload.overdueSince) await step.writeVmStatus({ status: 'Stopping' });
      deps.refresher.nudge(vm.account_id);
      step.progress('deleting', 50, 'Waiting for the provider to confirm the deletion');
    } catch (error) {
      if (isProviderError(error, 'not_found')) {
        await deps.reconciler.markDestroyed(vm, new Date().toISOString(), 'the provider does not know the instance', {
          cause: reasonOfJob(step.job),
        });
        return step.succeed('GPU VM deleted');
      }
      const message = error instanceof Error ? error.message : String(error);
      const waitMs = isProviderError(error) && error.retryAfterMs ? error.retryAfterMs : deps.timing.pollMs * 3;
      // Deletion is never abandoned: the job keeps trying, and says why it is waiting.
      return step.wait(waitMs, 'deleting', `Delete not confirmed yet, retrying${overdue}: ${message}`);
    }
  }
  const fresh = await step.freshVm();
  if (fresh.status === 'Destroyed') return step.succeed('GPU VM deleted');
  return step.wait(deps.timing.pollMs, 'deleting', `Provider status: ${fresh.provider_status ?? 'unknown'}${overdue}`);
};
