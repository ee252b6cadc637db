import type { Kysely } from 'kysely';
import { DEFAULT_ENTITY_ID, type VmStatus } from '../core/domain/types.ts';
import type { Provider, ProviderInstance } from '../core/provider/provider.ts';
import { nextTurn } from '../lib/next-turn.ts';
import type { Logger } from '../logger.ts';
import { syncBillingSegment } from '../services/costs/billing.ts';
import type { EventPublisher } from '../services/events/publisher.ts';
import { publishVmStatusChange, reasonOfJob } from '../services/events/vm-events.ts';
import { ACTIVE_JOB_STATES } from '../services/jobs/repository.ts';
import { type VmPatch, VmRepository, type VmRow } from '../services/vms/repository.ts';
import { VolumeRepository } from '../services/volumes/repository.ts';
import type { Database } from '../store/schema.ts';

/** For a provider that declares none (see `ProviderDefinition.listingGraceMs`). */
const DEFAULT_LISTING_GRACE_MS = 60_000;
/** An orphan whose delete was accepted is asked again after this long if still listed. */
const ORPHAN_RETRY_MS = 30_000;
/** Instances compared between two turns of the event loop (requests wait at most one slice). */
const YIELD_EVERY = 250;

/**
 * Make gpufleet's records agree with what one provider account reports.
 * - Each listed instance is matched to its VM by provider id, or by the gpufleet tag (an instance created
 *   just before a crash is adopted, never created twice).
 * - A VM missing from the list is confirmed gone with one direct read before it becomes Destroyed; a
 *   failed read proves nothing, so the VM stays as it was.
 * - Instances gpufleet does not know are recorded as unmanaged and reported, never ignored.
 * Only rows that changed are written.
 */
export class Reconciler {
  private readonly vms: VmRepository;
  private readonly volumes: VolumeRepository;
  /** Orphaned instances asked to be deleted, by account and instance id, and when: asked again only later. */
  private readonly orphansAsked = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    /** Per provider id: how long after a create an instance missing from a listing is not yet taken as gone. */
    private readonly listingGraceMs: Readonly<Record<string, number>>,
    private readonly events: EventPublisher,
  ) {
    this.vms = new VmRepository(db);
    this.volumes = new VolumeRepository(db, events);
  }

  async reconcile(accountId: string, provider: Provider, instances: ProviderInstance[]): Promise<{ transitional: boolean }> {
    const now = new Date().toISOString();
    const live = await this.vms.liveOfAccount(accountId);
    const byInstance = new Map(live.filter((v) => v.provider_instance_id).map((v) => [v.provider_instance_id as string, v]));
    const byId = new Map(live.map((v) => [v.id, v]));
    const powering = await this.vmsWithPowerJobs(live.map((v) => v.id));
    const seen = new Set<string>();
    const foreign: ProviderInstance[] = [];

    for (const [index, instance] of instances.entries()) {
      if (index > 0 && index % YIELD_EVERY === 0) await nextTurn();
      let vm = byInstance.get(instance.providerInstanceId);
      if (!vm && instance.gpufleetId) {
        const tagged = byId.get(instance.gpufleetId);
        if (tagged && !tagged.provider_instance_id) {
          vm = tagged;
          await this.vms.update(vm.id, { provider_instance_id: instance.providerInstanceId });
          await this.vms.addEvent(vm.id, 'adopted', `found instance ${instance.providerInstanceId} at the provider by its tag`);
          vm = { ...vm, provider_instance_id: instance.providerInstanceId };
        }
      }
      if (!vm) {
        // A deleted instance some providers still list for a while is not a live unknown machine.
        if (instance.status !== 'Destroyed') foreign.push(instance);
        continue;
      }
      seen.add(vm.id);
      await this.apply(vm, instance, powering.get(vm.id), now);
    }

    for (const vm of live) {
      if (seen.has(vm.id) || !vm.provider_instance_id) continue;
      let instance: ProviderInstance | null;
      try {
        instance = await provider.getInstance(vm.provider_instance_id);
      } catch (error) {
        this.logger.warn('could not confirm a VM missing from the provider list', { vmId: vm.id, error: String(error) });
        continue;
      }
      if (instance) await this.apply(vm, instance, powering.get(vm.id), now);
      // Just created and not listed yet: real clouds list new instances late, so only a later absence counts.
      else if (powering.get(vm.id)?.action === 'create' && (await this.withinListingGrace(vm))) continue;
      else await this.vanished(vm, powering.get(vm.id), now);
    }

    const unmanaged = await this.removeOrphans(accountId, provider, foreign);
    await this.recordForeign(accountId, unmanaged, now);
    // A count, not the rows again: reading every row of a large account a second time blocks the server.
    const transitional = await this.vms.countLiveInTransition(accountId, ['Provisioning', 'Starting', 'Stopping']);
    return { transitional: transitional > 0 };
  }

  /**
   * An instance carrying the tag of one of our VMs that is not that VM's instance is a create that landed
   * after gpufleet gave up on it (a timed-out answer, a failover, a VM deleted meanwhile): it bills for
   * nothing anyone wants, so it is deleted. (One the VM still wants was adopted above.) Returns the rest.
   */
  private async removeOrphans(accountId: string, provider: Provider, foreign: ProviderInstance[]): Promise<ProviderInstance[]> {
    const tagged = foreign.filter((i) => i.gpufleetId);
    if (tagged.length === 0) return foreign;
    const owners = await this.db
      .selectFrom('vms')
      .select(['id', 'account_id', 'provider_instance_id', 'deleted_at'])
      .where('id', 'in', [...new Set(tagged.map((i) => i.gpufleetId as string))])
      .execute();
    const ownerOf = new Map(owners.map((o) => [o.id, o]));
    const rest: ProviderInstance[] = [];
    for (const instance of foreign) {
      const owner = instance.gpufleetId ? ownerOf.get(instance.gpufleetId) : undefined;
      if (!owner) {
        rest.push(instance);
        continue;
      }
      const key = `${accountId}:${instance.providerInstanceId}`;
      const asked = this.orphansAsked.get(key);
      if (asked !== undefined && Date.now() - asked < ORPHAN_RETRY_MS) continue;
      this.orphansAsked.set(key, Date.now());
      try {
        await provider.deleteInstance({
          providerInstanceId: instance.providerInstanceId,
          providerSkuId: instance.providerSkuId,
          locationCode: instance.locationCode,
          gpuCount: instance.gpuCount,
          spot: instance.spot,
          pricePerHour: null,
        });
        this.logger.warn('deleted an instance created for a VM that no longer wanted it', {
          vmId: owner.id,
          accountId,
          providerInstanceId: instance.providerInstanceId,
        });
        await this.vms.addEvent(
          owner.id,
          'orphan_deleted',
          `deleted instance ${instance.providerInstanceId}: a create that landed after this VM ${owner.deleted_at ? 'was deleted' : 'had given up on it'}`,
        );
      } catch (error) {
        this.orphansAsked.delete(key);
        this.logger.warn('could not delete an orphaned instance', { vmId: owner.id, error: String(error) });
        rest.push(instance);
      }
    }
    return rest;
  }

  /** A VM whose create was accepted less than the provider's listing grace period ago. */
  private async withinListingGrace(vm: VmRow): Promise<boolean> {
    const graceMs = this.listingGraceMs[vm.provider ?? ''] ?? DEFAULT_LISTING_GRACE_MS;
    const created = await this.db
      .selectFrom('vm_events')
      .select('at')
      .where('vm_id', '=', vm.id)
      .where('kind', 'in', ['created', 'adopted'])
      .orderBy('at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return created !== undefined && Date.now() - Date.parse(created.at) < graceMs;
  }

  /** Listed no more and confirmed gone: Destroyed. */
  private async vanished(vm: VmRow, job: PowerJob | undefined, now: string): Promise<void> {
    await this.markDestroyed(vm, now, 'the provider no longer lists the instance and a direct lookup confirms it is gone', {
      // Gone without being asked (a delete is gpufleet's own doing and needs no reason).
      ...(job?.action === 'delete' ? {} : { statusReason: 'vanished' }),
      ...(job ? { cause: job.requestedBy } : {}),
    });
    await this.reportVanished(vm, job, null);
  }

  /**
   * An instance gone without gpufleet deleting it (unlisted, or listed as deleted) is a finding; one that
   * gpufleet was deleting, or that the provider says it preempted (`vm.preempted`), is not.
   */
  private async reportVanished(vm: VmRow, job: PowerJob | undefined, providerStatus: string | null): Promise<void> {
    if (job?.action === 'delete' || vm.status_reason === 'preempted') return;
    await this.events.publish({
      type: 'reconcile.instance_vanished',
      entityId: vm.entity_id,
      subject: { kind: 'vm', id: vm.id },
      data: {
        name: vm.name,
        provider: vm.provider,
        providerAccountId: vm.account_id,
        providerInstanceId: vm.provider_instance_id,
        providerStatus,
      },
    });
  }

  /**
   * Record a VM as gone for good. `statusReason` is the provider's reason; `cause` (who asked, `user` or
   * `policy`) stands in for it in the status event when the provider gives none.
   */
  async markDestroyed(
    vm: VmRow,
    at: string,
    reason: string,
    detail: { providerStatus?: string; statusReason?: string | null; cause?: string } = {},
  ): Promise<void> {
    const { providerStatus, statusReason } = detail;
    await this.vms.update(vm.id, {
      ...(providerStatus ? { provider_status: providerStatus } : {}),
      ...(statusReason ? { status_reason: statusReason } : {}),
      status: 'Destroyed',
      deleted_at: at,
      ip: null,
      ssh_port: null,
      jupyter_url: null,
      endpoints_json: null,
      synced_at: at,
    });
    await syncBillingSegment(this.db, vm, 'Destroyed', at);
    await this.vms.addEvent(vm.id, 'status', `Destroyed: ${reason}`);
    await publishVmStatusChange(this.events, vm, {
      to: 'Destroyed',
      providerStatus: providerStatus ?? vm.provider_status,
      reason: statusReason ?? detail.cause ?? null,
    });
    // A key pair generated for this VM has no machine left to open: wipe it (once, however often this runs).
    const wiped = await this.db
      .updateTable('vms')
      // A write like any other: its version moves, so cached reads of this VM see the credentials gone.
      .set((eb) => ({
        has_stored_credentials: 0,
        stored_private_key_enc: null,
        generated_public_key: null,
        version: eb('version', '+', 1),
        updated_at: new Date().toISOString(),
      }))
      .where('id', '=', vm.id)
      .where('stored_private_key_enc', 'is not', null)
      .executeTakeFirst();
    if (Number(wiped.numUpdatedRows) > 0) {
      await this.vms.addEvent(vm.id, 'credentials', 'stored private key wiped: the VM is destroyed');
    }
    await this.releaseVolumes(vm.id, at);
  }

  /**
   * A destroyed VM lets go of its volumes: they are kept, and read as Detaching until the provider's listing
   * shows them free (the next volume listing, which runs while a VM changes).
   */
  private async releaseVolumes(vmId: string, at: string): Promise<void> {
    const attached = await this.volumes.attachedToVms([vmId]);
    for (const volume of attached) {
      await this.volumes.detach(vmId, volume.id, at);
      if (volume.status === 'Attached' || volume.status === 'Attaching') {
        await this.volumes.update(volume.id, { status: 'Detaching' });
      }
    }
    if (attached.length > 0) {
      await this.vms.addEvent(vmId, 'volume', `kept, detached: ${attached.map((v) => v.name).join(', ')}`);
    }
  }

  private async apply(vm: VmRow, instance: ProviderInstance, job: PowerJob | undefined, now: string): Promise<void> {
    let status = statusDuringAction(instance.status, job?.action);
    let statusReason = instance.statusReason ?? (status === 'Unknown' ? `unrecognised_status:${instance.providerStatus}` : null);
    // A deletion past its deadline shows as such until the provider confirms it, while the job goes on.
    if (job?.deleteOverdue && status !== 'Destroyed') {
      status = 'Error';
      statusReason = 'deadline';
    }
    // A start waiting for the host to have GPUs: the machine is as the provider says, and the reason is why.
    if (job?.waitingForCapacity && status !== 'Destroyed') {
      status = instance.status;
      statusReason = 'capacity';
    }
    if (status === 'Destroyed') {
      const why = statusReason ? ` (${statusReason})` : '';
      await this.markDestroyed(vm, now, `provider reports ${instance.providerStatus}${why}`, {
        providerStatus: instance.providerStatus,
        statusReason,
        ...(job ? { cause: job.requestedBy } : {}),
      });
      if (statusReason !== 'preempted') await this.reportVanished(vm, job, instance.providerStatus);
      return;
    }
    const patch: VmPatch = {};
    if (vm.status !== status) patch.status = status;
    if (vm.provider_status !== instance.providerStatus) patch.provider_status = instance.providerStatus;
    if (vm.status_reason !== statusReason) patch.status_reason = statusReason;
    if (vm.ip !== instance.ip) patch.ip = instance.ip;
    if (vm.ip_is_private !== (instance.ipIsPrivate ? 1 : 0)) patch.ip_is_private = instance.ipIsPrivate ? 1 : 0;
    if (vm.ssh_port !== instance.sshPort) patch.ssh_port = instance.sshPort;
    if (vm.jupyter_url !== instance.jupyterUrl) patch.jupyter_url = instance.jupyterUrl;
    if (instance.endpoints !== undefined) {
      const endpoints = JSON.stringify(instance.endpoints);
      if (vm.endpoints_json !== endpoints) patch.endpoints_json = endpoints;
    }
    const idleSince = idleSinceNow(vm.idle_since, status, instance.gpuUtilizationPercent, now);
    if (idleSince !== vm.idle_since) patch.idle_since = idleSince;
    if (Object.keys(patch).length === 0) return;
    patch.synced_at = now;
    await this.vms.update(vm.id, patch);
    if (patch.status) {
      await syncBillingSegment(this.db, vm, status, now);
      const reason = statusReason ? ` (${statusReason})` : '';
      await this.vms.addEvent(vm.id, 'status', `${vm.status} → ${status}: provider reports ${instance.providerStatus}${reason}`);
      await publishVmStatusChange(this.events, vm, {
        to: status,
        providerStatus: instance.providerStatus,
        reason: statusReason ?? job?.requestedBy ?? null,
      });
    }
  }

  /** The action each VM is in the middle of (`stop`, `start`, `delete`, `create`), from its active job. */
  private async vmsWithPowerJobs(vmIds: string[]): Promise<Map<string, PowerJob>> {
    if (vmIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('jobs')
      .select(['vm_id', 'operation', 'payload_json', 'api_key_id'])
      .where('state', 'in', [...ACTIVE_JOB_STATES])
      .where('vm_id', 'in', vmIds)
      .execute();
    return new Map(
      rows.map((r) => {
        // A restart is a stop then a start: its payload says which half is running.
        const payload = JSON.parse(r.payload_json) as {
          action?: string;
          overdueSince?: string | null;
          waitingForCapacity?: boolean;
        };
        const action = r.operation === 'restart' ? (payload.action ?? 'stop') : r.operation;
        return [
          r.vm_id,
          {
            action,
            requestedBy: reasonOfJob(r),
            deleteOverdue: r.operation === 'delete' && !!payload.overdueSince,
            waitingForCapacity: payload.waitingForCapacity === true,
          },
        ];
      }),
    );
  }

  private async recordForeign(accountId: string, instances: ProviderInstance[], now: string): Promise<void> {
    const existing = await this.db
      .selectFrom('foreign_instances')
      .select('provider_instance_id')
      .where('account_id', '=', accountId)
      .execute();
    const known = new Set(existing.map((r) => r.provider_instance_id));
    const current = new Set(instances.map((i) => i.providerInstanceId));
    for (const instance of instances) {
      const info = JSON.stringify({
        status: instance.status,
        ip: instance.ip,
        sku: instance.providerSkuId,
        location: instance.locationCode,
      });
      if (known.has(instance.providerInstanceId)) {
        await this.db
          .updateTable('foreign_instances')
          .set({ last_seen_at: now, provider_status: instance.providerStatus, name: instance.name, info_json: info })
          .where('account_id', '=', accountId)
          .where('provider_instance_id', '=', instance.providerInstanceId)
          .execute();
      } else {
        this.logger.warn('instance at the provider that gpufleet does not manage', {
          accountId,
          providerInstanceId: instance.providerInstanceId,
          name: instance.name,
          gpufleetId: instance.gpufleetId,
        });
        await this.events.publish({
          type: 'reconcile.unmanaged_instance',
          // Provider accounts belong to the installation, not to one entity.
          entityId: DEFAULT_ENTITY_ID,
          subject: { kind: 'account', id: accountId },
          data: {
            providerInstanceId: instance.providerInstanceId,
            name: instance.name,
            providerStatus: instance.providerStatus,
            gpufleetId: instance.gpufleetId,
          },
        });
        await this.db
          .insertInto('foreign_instances')
          .values({
            account_id: accountId,
            provider_instance_id: instance.providerInstanceId,
            name: instance.name,
            provider_status: instance.providerStatus,
            gpufleet_id: instance.gpufleetId,
            first_seen_at: now,
            last_seen_at: now,
            info_json: info,
          })
          .execute();
      }
    }
    const gone = [...known].filter((id) => !current.has(id));
    if (gone.length > 0) {
      await this.db
        .deleteFrom('foreign_instances')
        .where('account_id', '=', accountId)
        .where('provider_instance_id', 'in', gone)
        .execute();
    }
  }
}

/** The action a VM's active job is in the middle of, and who asked for it. */
interface PowerJob {
  action: string;
  requestedBy: 'user' | 'policy';
  /** A delete past its deadline (the VM shows Error, `deadline`, until the provider confirms). */
  deleteOverdue: boolean;
  /** A start retried while the host has no free GPUs (the VM shows the provider's state, reason `capacity`). */
  waitingForCapacity: boolean;
}

/**
 * While gpufleet is acting on a VM, the provider may still report the old state for a moment (a VM just
 * told to stop still says running). Show the transition the user asked for instead of a flap back.
 */
export function statusDuringAction(reported: VmStatus, action: string | undefined): VmStatus {
  if (action === 'stop' && reported === 'Running') return 'Stopping';
  if (action === 'start' && (reported === 'Stopped' || reported === 'Provisioning')) return 'Starting';
  const alive: VmStatus[] = ['Running', 'Stopped', 'Starting', 'Provisioning'];
  if (action === 'delete' && alive.includes(reported)) return 'Stopping';
  return reported;
}

/** Utilisation below this counts as idle (a notebook kernel or an agent keeps a GPU just above zero). */
export const IDLE_UTILIZATION_PERCENT = 5;

/**
 * Since when a VM has been idle: kept while it stays idle, started when it becomes idle, cleared when it is
 * busy or not running. A provider that reports nothing leaves the VM never idle.
 */
export function idleSinceNow(
  current: string | null,
  status: VmStatus,
  utilization: number | null | undefined,
  now: string,
): string | null {
  if (status !== 'Running' || typeof utilization !== 'number' || utilization >= IDLE_UTILIZATION_PERCENT) return null;
  return current ?? now;
}
