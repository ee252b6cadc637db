import { isProviderError } from '../../core/provider/errors.ts';
import type { JobPatch } from '../../services/jobs/repository.ts';
import type { JobHandler, JobStep } from './context.ts';

interface PowerPayload {
  /** `request` sends the action; `wait` watches for the target state. Restart runs stop then start. */
  phase: 'request' | 'wait';
  action: 'stop' | 'start';
  deadline: string | null;
  /** A start the host had no GPUs for, retried until the deadline (the VM shows its state with reason `capacity`). */
  waitingForCapacity?: boolean;
}

const target = { stop: 'Stopped', start: 'Running' } as const;

/** Stop, start, restart: send the action once, then watch the shared status refresh until it lands. */
export const powerJob: JobHandler = async (step) => {
  const payload = step.payload as unknown as PowerPayload;
  if (!step.vm.provider_instance_id || !step.vm.account_id) {
    return step.fail('INVALID_STATE', 'The VM has no instance at a provider yet', false);
  }
  return payload.phase === 'request' ? request(step, payload) : waitFor(step, payload);
};

async function request(step: JobStep, payload: PowerPayload): Promise<JobPatch> {
  const { deps } = step;
  const vm = await step.freshVm();
  if (vm.status === target[payload.action]) return next(step, payload);
  const { provider } = await deps.pool.get(vm.account_id as string);
  try {
    if (payload.action === 'stop') await provider.stopInstance(step.instanceRef());
    else await provider.startInstance(step.instanceRef());
  } catch (error) {
    if (isProviderError(error, 'conflict')) {
      const again = await step.freshVm(0);
      if (again.status === target[payload.action]) return next(step, payload);
    }
    // Worth sending again until the deadline: the provider was unavailable or limited us; its answer could not
    // be read (the action may have been taken: the next step looks at the VM first); or, for a start, the host
    // had no free GPUs for the moment.
    const capacity = payload.action === 'start' && isProviderError(error, 'capacity');
    if (isProviderError(error) && (error.retryable || error.kind === 'bad_response' || capacity)) {
      const code = capacity ? 'INSUFFICIENT_CAPACITY' : 'GPU_PROVIDER_UNAVAILABLE';
      const why = capacity ? 'had no capacity' : 'was unavailable';
      // The action has a deadline from the moment it was asked for, also while the provider is not answering.
      if (Date.now() - Date.parse(step.job.created_at) > deps.timing.actionDeadlineMs) {
        await deps.vms.addEvent(
          vm.id,
          `${payload.action}_failed`,
          `deadline passed while ${vm.provider} ${why}: ${error.message}`,
        );
        return step.fail(code, `${vm.provider} did not take the ${payload.action} before the deadline: ${error.message}`, true);
      }
      if (capacity && !payload.waitingForCapacity) {
        payload.waitingForCapacity = true;
        step.setPayload(payload as unknown as Record<string, unknown>);
        await deps.vms.update(vm.id, { status_reason: 'capacity' });
        await deps.vms.addEvent(vm.id, 'waiting', `waiting for capacity at ${vm.provider}: ${error.message}`);
      }
      const retryInMs = error.retryAfterMs ?? deps.timing.pollMs * (capacity ? 5 : 3);
      return step.wait(
        retryInMs,
        step.job.stage,
        `waiting for ${vm.provider}${capacity ? ' to have capacity' : ''}: ${error.message}, retry in ${Math.ceil(retryInMs / 1000)} s`,
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    await deps.vms.addEvent(vm.id, `${payload.action}_failed`, message);
    return step.fail(`${payload.action.toUpperCase()}_FAILED`, message, true);
  }
  // Asked for and taken: a reason left from before (a preemption, a wait for capacity) no longer applies.
  await step.writeVmStatus({ status: payload.action === 'stop' ? 'Stopping' : 'Starting', status_reason: null });
  await deps.vms.addEvent(vm.id, payload.action, `${payload.action} sent to ${vm.provider}`);
  deps.refresher.nudge(vm.account_id as string);
  payload.phase = 'wait';
  delete payload.waitingForCapacity;
  payload.deadline = new Date(Date.now() + deps.timing.actionDeadlineMs).toISOString();
  step.setPayload(payload as unknown as Record<string, unknown>);
  step.progress(
    payload.action === 'stop' ? 'stopping' : 'starting',
    step.job.operation === 'restart' && payload.action === 'start' ? 70 : 40,
    `Waiting for the VM to be ${target[payload.action].toLowerCase()}`,
  );
  return step.wait(deps.timing.pollMs);
}

async function waitFor(step: JobStep, payload: PowerPayload): Promise<JobPatch> {
  const vm = await step.freshVm();
  if (vm.status === target[payload.action]) return next(step, payload);
  if (vm.status === 'Destroyed') return step.fail('VM_DESTROYED', 'The VM was destroyed at the provider', false);
  if (vm.status === 'Error' || (payload.action === 'start' && vm.status === 'Stopped' && vm.status_reason === 'preempted')) {
    return step.fail(
      `${payload.action.toUpperCase()}_FAILED`,
      `The provider reports ${vm.provider_status}${vm.status_reason ? ` (${vm.status_reason})` : ''}`,
      true,
    );
  }
  if (payload.deadline && Date.now() > Date.parse(payload.deadline)) {
    return step.fail(
      'TIMEOUT',
      `The VM did not become ${target[payload.action].toLowerCase()} in time (provider status ${vm.provider_status})`,
      true,
    );
  }
  return step.wait(step.deps.timing.pollMs, undefined, `Provider status: ${vm.provider_status}`);
}

/** The action landed: finish, or for a restart go on to the start half. */
function next(step: JobStep, payload: PowerPayload): JobPatch {
  if (step.job.operation === 'restart' && payload.action === 'stop') {
    step.setPayload({ phase: 'request', action: 'start', deadline: null });
    step.progress('starting', 50, 'Stopped; starting again');
    return step.wait(0);
  }
  return step.succeed(payload.action === 'stop' ? 'GPU VM stopped' : 'GPU VM is running');
}
