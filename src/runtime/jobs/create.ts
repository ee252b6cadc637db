import type { PlacementAttempt } from '../../contract/gpu-vm.ts';
import { isProviderError, ProviderError } from '../../core/provider/errors.ts';
import type { JobPatch } from '../../services/jobs/repository.ts';
import { generatedPublicKeys } from '../../services/vms/credentials.ts';
import type { Candidate, CreatePayload } from '../../services/vms/placement.ts';
import type { JobHandler, JobStep } from './context.ts';
import { orderedVolumeRefs, recordOrderedVolumes } from './volumes.ts';
import { workloadHandedOver, workloadRequest } from './workload.ts';

const MAX_CREATE_RETRIES = 4;

/**
 * Place an order: walk the ranked candidates, recording the intent before every provider call, adopting
 * an instance an interrupted attempt already created (found by its tag) instead of creating twice,
 * failing over on capacity errors after cleaning up what the failed attempt left, and waiting for the
 * VM to run within a deadline.
 */
export const createJob: JobHandler = async (step) => {
  const payload = step.payload as unknown as CreatePayload;
  if (step.vm.desired_state === 'deleted') return step.fail('CANCELLED', 'The VM was deleted before it was placed', false);
  switch (payload.phase) {
    case 'place':
      return place(step, payload);
    case 'boot':
      return boot(step, payload);
    case 'cleanup':
      return cleanup(step, payload);
  }
};

async function place(step: JobStep, payload: CreatePayload): Promise<JobPatch> {
  const { deps } = step;
  payload.placeDeadline ??= new Date(Date.now() + deps.timing.placeDeadlineMs).toISOString();
  for (;;) {
    const candidate = payload.candidates[payload.index];
    if (!candidate) return exhausted(step, payload);
    const { provider } = await deps.pool.get(candidate.accountId);

    if (payload.pendingCreate) {
      // The last create call's outcome is unknown (crash or timeout): look for the instance by its tag first.
      let listError = '';
      const instances = await provider.listInstances().catch((error: unknown) => {
        listError = error instanceof Error ? error.message : String(error);
        return null;
      });
      if (instances === null) {
        if (pastDeadline(payload.placeDeadline)) return providerUnavailable(step, payload, candidate.provider, listError);
        return waitForProvider(step, payload, candidate.provider, listError, deps.timing.pollMs * 4);
      }
      const existing = instances.find((i) => i.gpufleetId === step.vm.id);
      if (existing) {
        // The reconciler may have found it by its tag first (it did after a restart): its history says so once.
        const alreadyAdopted = (await step.reloadVm()).provider_instance_id === existing.providerInstanceId;
        await step.writeVmStatus({ provider_instance_id: existing.providerInstanceId, status: existing.status });
        if (!alreadyAdopted) {
          await deps.vms.addEvent(
            step.vm.id,
            'adopted',
            `adopted instance ${existing.providerInstanceId} created by an interrupted attempt`,
          );
        }
        await recordOrderedVolumes(deps, step.vm.id, payload.volumeIds);
        return startBoot(step, payload, candidate);
      }
      payload.pendingCreate = false;
    }

    // A create is the one call never sent twice, so it goes only to an account that has answered lately: into a
    // cloud that is down or stalled it would hang for the whole create timeout, or leave an instance we cannot see.
    const silence = await accountSilence(step, candidate.accountId);
    if (silence) {
      if (pastDeadline(payload.placeDeadline)) return providerUnavailable(step, payload, candidate.provider, silence);
      return waitForProvider(step, payload, candidate.provider, silence, deps.timing.pollMs * 2);
    }

    const volumes = await orderedVolumeRefs(deps.db, payload.volumeIds);
    if (volumes.missing.length > 0) {
      return step.fail('VOLUME_GONE', `Volume(s) ${volumes.missing.join(', ')} of this order no longer exist`, false);
    }
    // Intent first: if we crash during the call, the next run knows where to look.
    await recordIntent(step, payload, candidate);
    let created: Awaited<ReturnType<typeof provider.createInstance>>;
    try {
      const key = step.vm.ssh_key_id
        ? await deps.db
            .selectFrom('ssh_keys')
            .select(['name', 'public_key', 'fingerprint'])
            .where('id', '=', step.vm.ssh_key_id)
            .executeTakeFirst()
        : undefined;
      created = await provider.createInstance({
        gpufleetId: step.vm.id,
        name: step.vm.name,
        providerSkuId: candidate.providerSkuId,
        locationCode: candidate.locationCode,
        gpuCount: candidate.gpuCount,
        spot: candidate.spot,
        maxPricePerHour:
          payload.maxPricePerHour !== null
            ? { amount: payload.maxPricePerHour, currency: candidate.pricePerHour?.currency ?? 'usd' }
            : null,
        image: step.vm.image,
        // Only a username the order named: without one the provider's image keeps its own login user.
        username: payload.defaultUsername ? null : step.vm.username,
        // The order's library key and, beside it, the key pair generated for this VM alone.
        sshPublicKeys: [
          ...(key ? [{ name: key.name, publicKey: key.public_key, fingerprint: key.fingerprint }] : []),
          ...generatedPublicKeys(step.vm),
        ],
        templateId: step.vm.template_id,
        ...(volumes.refs.length > 0 ? { volumes: volumes.refs } : {}),
        ...workloadRequest(step.vm, deps.secrets),
      });
    } catch (error) {
      if (isProviderError(error, 'capacity')) {
        payload.pendingCreate = false;
        deps.offers.markUnavailable(candidate.accountId, candidate.providerSkuId, candidate.locationCode, candidate.spot);
        settleAttempt(step, 'capacity', error.message);
        payload.index++;
        payload.createRetries = 0;
        step.setPayload(payload as unknown as Record<string, unknown>);
        await step.save();
        continue;
      }
      if (
        isProviderError(error) &&
        (error.kind === 'rate_limited' || error.kind === 'unavailable') &&
        payload.createRetries < MAX_CREATE_RETRIES
      ) {
        // The call may have reached the provider: keep `pendingCreate` so the next run checks by tag.
        payload.createRetries++;
        if (pastDeadline(payload.placeDeadline)) return providerUnavailable(step, payload, candidate.provider, error.message);
        return waitForProvider(
          step,
          payload,
          candidate.provider,
          error.message,
          // Backoff capped at a few polls: when the account answers again the refresher wakes the job anyway.
          error.retryAfterMs ?? deps.timing.pollMs * Math.min(4, 2 ** payload.createRetries),
        );
      }
      return createFailed(step, payload, error);
    }

    await step.writeVmStatus({
      ...(payload.defaultUsername && created.username ? { username: created.username } : {}),
      provider_instance_id: created.providerInstanceId,
      status: created.status === 'Running' ? 'Provisioning' : created.status,
      provider_status: created.providerStatus,
    });
    await deps.vms.addEvent(
      step.vm.id,
      'created',
      `${candidate.provider} accepted the order as ${created.providerInstanceId} (${candidate.skuCode})`,
    );
    await recordOrderedVolumes(deps, step.vm.id, payload.volumeIds);
    const handedOver = workloadHandedOver(step.vm, provider.capabilities.workload);
    if (handedOver) await deps.vms.addEvent(step.vm.id, 'workload', handedOver);
    return startBoot(step, payload, candidate);
  }
}

/**
 * Why an account is not to be sent a create now (its polls are failing, or none has succeeded lately even after
 * a short wait for one), or null when it answers. The wait is bounded: a stalled poll does not stall the job.
 */
async function accountSilence(step: JobStep, accountId: string): Promise<string | null> {
  const { refresher } = step.deps;
  const recentMs = refresher.options.maxStalenessMs * 3;
  await refresher.ensureFresh([accountId], recentMs);
  const failure = refresher.failure(accountId);
  if (failure) return failure.message;
  const syncedAt = refresher.lastSyncedAt(accountId);
  if (syncedAt === null || Date.now() - syncedAt > recentMs) return 'no answer to its status poll yet';
  return null;
}

function pastDeadline(at: string | null | undefined): boolean {
  return typeof at === 'string' && Date.now() > Date.parse(at);
}

/** Wait for a provider that is not answering, and say so on the job and the VM. */
async function waitForProvider(
  step: JobStep,
  payload: CreatePayload,
  provider: string,
  message: string,
  retryInMs: number,
): Promise<JobPatch> {
  payload.unavailableSince ??= new Date().toISOString();
  payload.providerRetries = (payload.providerRetries ?? 0) + 1;
  step.setPayload(payload as unknown as Record<string, unknown>);
  await markProviderUnavailable(step, step.vm, provider, message);
  const since = payload.unavailableSince.slice(11, 19);
  return step.wait(
    retryInMs,
    'placing',
    `waiting for ${provider}: ${message} since ${since}, retry ${payload.providerRetries} in ${Math.ceil(retryInMs / 1000)} s`,
  );
}

/** The VM's reason while a provider does not answer; its history notes the wait once, not every retry. */
async function markProviderUnavailable(
  step: JobStep,
  vm: { id: string; status_reason: string | null },
  provider: string,
  message: string,
): Promise<void> {
  if (vm.status_reason === 'provider_unavailable') return;
  await step.deps.vms.update(vm.id, { status_reason: 'provider_unavailable' });
  await step.deps.vms.addEvent(vm.id, 'waiting', `waiting for ${provider}: ${message}`);
}

/**
 * The placing deadline passed with the provider still failing. The VM keeps its account on record so an
 * instance the provider did create after all is found by its tag (and can be deleted), never forgotten.
 */
async function providerUnavailable(step: JobStep, payload: CreatePayload, provider: string, message: string): Promise<JobPatch> {
  settleAttempt(step, 'failed', `${provider} unavailable: ${message}`);
  step.setPayload(payload as unknown as Record<string, unknown>);
  await step.writeVmStatus({ status: 'Error', status_reason: 'deadline' });
  await step.deps.vms.addEvent(
    step.vm.id,
    'deadline',
    `placing deadline passed while ${provider} was unavailable (${message}); delete the VM to clear it`,
  );
  return step.fail(
    'GPU_PROVIDER_UNAVAILABLE',
    `${provider} did not answer before the placing deadline (since ${payload.unavailableSince ?? 'the start'}: ${message})`,
    true,
  );
}

async function recordIntent(step: JobStep, payload: CreatePayload, c: Candidate): Promise<void> {
  await step.writeVmStatus({
    account_id: c.accountId,
    provider: c.provider,
    provider_sku_id: c.providerSkuId,
    location_code: c.locationCode,
    provider_instance_id: null,
    status: 'Provisioning',
    status_reason: null,
    series_id: c.series.id,
    series_code: c.series.code,
    series_name: c.series.name,
    gpu_count: c.gpuCount,
    cpu: c.vcpu,
    ram_gib: c.ramGiB,
    disk_gb: c.diskGB,
    sku_id: c.skuId,
    sku_code: c.skuCode,
    datacenter_id: c.datacenter.id,
    datacenter_code: c.datacenter.code,
    datacenter_name: c.datacenter.name,
    datacenter_region: c.datacenter.region,
    datacenter_country: c.datacenter.country,
    datacenter_country_abbr: c.datacenter.countryAbbr,
    spot: c.spot ? 1 : 0,
    machine_kind: c.machineKind,
    price_amount: c.pricePerHour?.amount ?? null,
    price_currency: c.pricePerHour?.currency ?? null,
    bills_while_stopped: c.billsWhileStopped ? 1 : 0,
  });
  await step.reloadVm();
  const attempts = step.attempts;
  attempts.push({
    provider: c.provider,
    providerAccountId: c.accountId,
    skuCode: c.skuCode,
    datacenterId: c.datacenter.id,
    datacenterName: c.datacenter.name,
    pricePerHour: c.pricePerHour,
    outcome: 'pending',
    reason: null,
    at: new Date().toISOString(),
  });
  step.setAttempts(attempts);
  payload.pendingCreate = true;
  step.setPayload(payload as unknown as Record<string, unknown>);
  // Saved before the call: while a slow provider holds the create, the job says what it waits for.
  step.progress(
    'placing',
    20,
    `Ordering ${c.skuCode} from ${c.provider} in ${c.datacenter.name}; waiting for ${c.provider}'s answer (a create is never sent twice: without one, gpufleet looks for the instance by its tag)`,
  );
  await step.save();
}

function settleAttempt(step: JobStep, outcome: PlacementAttempt['outcome'], reason: string | null): void {
  const attempts = step.attempts;
  const last = attempts[attempts.length - 1];
  if (last && last.outcome === 'pending') {
    last.outcome = outcome;
    last.reason = reason;
  }
  step.setAttempts(attempts);
}

async function startBoot(step: JobStep, payload: CreatePayload, c: Candidate): Promise<JobPatch> {
  const { timing } = step.deps;
  payload.phase = 'boot';
  payload.pendingCreate = false;
  payload.createRetries = 0;
  const deadlineMs = c.machineKind === 'container' ? timing.containerBootDeadlineMs : timing.bootDeadlineMs;
  payload.bootDeadline = new Date(Date.now() + deadlineMs).toISOString();
  step.setPayload(payload as unknown as Record<string, unknown>);
  step.progress('provisioning', 50, `Waiting for ${c.provider} to start the machine`);
  step.deps.refresher.nudge(c.accountId);
  return step.wait(timing.pollMs, 'provisioning');
}

async function boot(step: JobStep, payload: CreatePayload): Promise<JobPatch> {
  const vm = await step.freshVm();
  const candidate = payload.candidates[payload.index];
  if (vm.status === 'Running') {
    settleAttempt(step, 'succeeded', null);
    await step.deps.vms.addEvent(vm.id, 'running', `running at ${vm.ip ?? 'an address not yet known'}`);
    return step.succeed('GPU VM is running');
  }
  if (vm.status === 'Destroyed') {
    settleAttempt(step, 'failed', 'the instance disappeared while booting');
    return step.fail('PROVISIONING_FAILED', 'The provider removed the instance while it was booting', true);
  }
  const capacityLost = vm.status === 'Error' && vm.status_reason === 'capacity';
  const timedOut = payload.bootDeadline !== null && Date.now() > Date.parse(payload.bootDeadline);
  if (capacityLost || timedOut) {
    const reason = capacityLost
      ? `${vm.provider} ran out of capacity after accepting the order (${vm.provider_status})`
      : 'did not become ready before the deadline';
    settleAttempt(step, capacityLost ? 'capacity' : 'failed', reason);
    if (candidate)
      step.deps.offers.markUnavailable(candidate.accountId, candidate.providerSkuId, candidate.locationCode, candidate.spot);
    await step.deps.vms.addEvent(vm.id, 'attempt_failed', `${reason}; removing instance ${vm.provider_instance_id}`);
    payload.phase = 'cleanup';
    payload.cleanupInstanceId = vm.provider_instance_id;
    step.setPayload(payload as unknown as Record<string, unknown>);
    step.progress('cleanup', 40, 'Removing what the failed attempt created');
    return cleanup(step, payload);
  }
  if (vm.status === 'Error') {
    settleAttempt(step, 'failed', vm.status_reason ?? vm.provider_status);
    return step.fail(
      'PROVISIONING_FAILED',
      `The provider reports an error for the new VM (${vm.provider_status}). Delete it to stop any charges.`,
      true,
    );
  }
  const failure = vm.account_id ? step.deps.refresher.failure(vm.account_id) : null;
  if (failure) {
    // The provider is not answering: the VM's state is unknown until it does, and the job says so.
    await markProviderUnavailable(step, vm, vm.provider ?? 'the provider', failure.message);
    const since = new Date(failure.since).toISOString().slice(11, 19);
    const left = payload.bootDeadline ? Math.max(0, Math.round((Date.parse(payload.bootDeadline) - Date.now()) / 1000)) : null;
    return step.wait(
      step.deps.timing.pollMs,
      'provisioning',
      `waiting for ${vm.provider}: ${failure.message} since ${since}${left !== null ? `, deadline in ${left} s` : ''}`,
    );
  }
  return step.wait(step.deps.timing.pollMs, 'provisioning', `Provider status: ${vm.provider_status ?? 'pending'}`);
}

/** Delete the failed attempt's instance until the provider confirms it gone, then move on. */
async function cleanup(step: JobStep, payload: CreatePayload): Promise<JobPatch> {
  const { deps } = step;
  const vm = step.vm;
  if (payload.cleanupInstanceId && vm.account_id) {
    const { provider } = await deps.pool.get(vm.account_id);
    try {
      const instance = await provider.getInstance(payload.cleanupInstanceId);
      if (instance && instance.status !== 'Destroyed') {
        await provider.deleteInstance({ ...step.instanceRef(), providerInstanceId: payload.cleanupInstanceId });
        return step.wait(deps.timing.pollMs, 'cleanup', 'Waiting for the failed attempt to be removed');
      }
    } catch (error) {
      if (!isProviderError(error, 'not_found')) {
        return step.wait(deps.timing.pollMs * 2, 'cleanup', `Removing the failed attempt: ${(error as Error).message}`);
      }
    }
  }
  // Only a capacity failure moves on to the next candidate; a machine that never came up ends the job.
  const lastAttempt = step.attempts[step.attempts.length - 1];
  if (lastAttempt?.outcome === 'failed') {
    await step.writeVmStatus({ provider_instance_id: null, status: 'Error', status_reason: 'deadline', ip: null });
    return step.fail('PROVISIONING_TIMEOUT', 'The VM did not become ready in time; the instance was removed', true);
  }
  await step.writeVmStatus({
    provider_instance_id: null,
    status: 'Provisioning',
    status_reason: null,
    ip: null,
    ssh_port: null,
  });
  payload.phase = 'place';
  payload.cleanupInstanceId = null;
  payload.index++;
  step.setPayload(payload as unknown as Record<string, unknown>);
  await step.save();
  await step.reloadVm();
  return place(step, payload);
}

async function exhausted(step: JobStep, payload: CreatePayload): Promise<JobPatch> {
  const tried = step.attempts.map(
    (a) => `${a.provider} ${a.skuCode} in ${a.datacenterName}: ${a.outcome}${a.reason ? ` (${a.reason})` : ''}`,
  );
  await step.writeVmStatus({
    status: 'Error',
    status_reason: 'inventory_depleted',
    provider_instance_id: null,
    ip: null,
  });
  await step.deps.vms.addEvent(
    step.vm.id,
    'inventory_depleted',
    `no candidate had capacity after ${payload.candidates.length} attempt(s)`,
  );
  return step.fail(
    'INVENTORY_DEPLETED',
    `Inventory depleted: no offer had capacity (${tried.join('; ') || 'no candidates'}). Refresh the inventory and order again.`,
    true,
  );
}

async function createFailed(step: JobStep, payload: CreatePayload, error: unknown): Promise<JobPatch> {
  const message = error instanceof Error ? error.message : String(error);
  // A shape we could not read may hide a created instance: keep the account on record so the reconciler adopts it.
  const outcomeKnown = !(error instanceof ProviderError && (error.kind === 'bad_response' || error.kind === 'unavailable'));
  settleAttempt(step, 'failed', message);
  payload.pendingCreate = !outcomeKnown;
  step.setPayload(payload as unknown as Record<string, unknown>);
  await step.writeVmStatus({
    status: 'Error',
    status_reason: error instanceof ProviderError ? error.kind : 'internal',
  });
  await step.deps.vms.addEvent(step.vm.id, 'create_failed', message);
  const code =
    error instanceof ProviderError
      ? error.kind === 'unavailable' || error.kind === 'rate_limited'
        ? 'GPU_PROVIDER_UNAVAILABLE'
        : `PROVIDER_${error.kind.toUpperCase()}`
      : 'INTERNAL_ERROR';
  return step.fail(code, message, true);
}
