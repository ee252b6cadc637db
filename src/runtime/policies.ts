import type { Kysely } from 'kysely';
import { DEFAULT_ENTITY_ID } from '../core/domain/types.ts';
import type { Logger } from '../logger.ts';
import { monthToDateCost } from '../services/costs/service.ts';
import { AppError } from '../services/errors.ts';
import type { EventPublisher } from '../services/events/publisher.ts';
import { SYSTEM_API_KEY_ID } from '../services/events/vm-events.ts';
import type { CallContext, VmService } from '../services/types.ts';
import { VmRepository } from '../services/vms/repository.ts';
import type { Database } from '../store/schema.ts';
import { PeriodicTask } from './periodic.ts';

/** Policy actions are taken in gpufleet's own name. */
const SYSTEM: CallContext = {
  principal: { apiKeyId: SYSTEM_API_KEY_ID, name: 'policy engine', role: 'admin', entityId: DEFAULT_ENTITY_ID },
};

/**
 * Stops waste: VM time-to-live, idle rules and resource-group monthly budgets. Everything it needs is in
 * the store (TTL times, since when a VM has been idle, budgets, which month was already warned or
 * enforced), so it picks up after a restart exactly where it was; every action is written to the VM's history.
 */
export class PolicyEngine {
  private readonly vms: VmRepository;
  private readonly loop: PeriodicTask;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly vmService: VmService,
    private readonly logger: Logger,
    private readonly events: EventPublisher,
    private readonly intervalMs: number,
    /** Length of an idle rule's minute; shorter only in tests, which cannot wait real minutes. */
    private readonly idleMinuteMs = 60_000,
  ) {
    this.vms = new VmRepository(db);
    this.loop = new PeriodicTask(
      () => this.runOnce(),
      intervalMs,
      (error) => logger.error('policy run failed', { error: String(error) }),
    );
  }

  start(): void {
    this.loop.start(this.intervalMs);
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  async runOnce(now = new Date()): Promise<void> {
    await this.enforceTtls(now);
    await this.enforceIdleRules(now);
    await this.enforceBudgets(now);
  }

  private async enforceTtls(now: Date): Promise<void> {
    const expired = await this.db
      .selectFrom('vms')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('ttl_at', 'is not', null)
      .where('ttl_at', '<=', now.toISOString())
      .execute();
    for (const vm of expired) {
      const action = vm.ttl_action === 'stop' ? 'stop' : 'delete';
      try {
        if (action === 'delete') await this.vmService.remove(vm.id, SYSTEM);
        else if (vm.status !== 'Stopped') await this.vmService.stop(vm.id, SYSTEM);
        await this.vms.update(vm.id, { ttl_at: null, ttl_action: null });
        await this.vms.addEvent(vm.id, 'policy', `time-to-live reached: ${action}`);
        await this.events.publish({
          type: 'policy.ttl_reached',
          entityId: vm.entity_id,
          subject: { kind: 'vm', id: vm.id },
          data: { name: vm.name, action, ttlAt: vm.ttl_at },
        });
      } catch (error) {
        // Busy (another job running) or not yet placed: try again next round.
        if (!(error instanceof AppError)) throw error;
        this.logger.info('TTL action postponed', { vmId: vm.id, reason: error.message });
      }
    }
  }

  /** `idle_since` is kept by reconciliation from what the provider reports; here it is only compared. */
  private async enforceIdleRules(now: Date): Promise<void> {
    const idle = await this.db
      .selectFrom('vms')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('idle_minutes', 'is not', null)
      .where('idle_since', 'is not', null)
      .where('status', '=', 'Running')
      .execute();
    for (const vm of idle) {
      const idleMs = now.getTime() - Date.parse(vm.idle_since as string);
      if (idleMs < (vm.idle_minutes as number) * this.idleMinuteMs) continue;
      const action = vm.idle_action === 'delete' ? 'delete' : 'stop';
      try {
        if (action === 'delete') await this.vmService.remove(vm.id, SYSTEM);
        else await this.vmService.stop(vm.id, SYSTEM);
        // The rule stays for the next run of the VM; its idle count starts again when it runs.
        await this.vms.update(vm.id, { idle_since: null });
        await this.vms.addEvent(vm.id, 'policy', `GPUs idle for ${vm.idle_minutes} min: ${action}`);
        await this.events.publish({
          type: 'policy.idle',
          entityId: vm.entity_id,
          subject: { kind: 'vm', id: vm.id },
          data: { name: vm.name, action, idleMinutes: vm.idle_minutes, idleSince: vm.idle_since },
        });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        this.logger.info('idle action postponed', { vmId: vm.id, reason: error.message });
      }
    }
  }

  private async enforceBudgets(now: Date): Promise<void> {
    const month = now.toISOString().slice(0, 7);
    const groups = await this.db
      .selectFrom('resource_groups')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('budget_monthly_amount', 'is not', null)
      .execute();
    for (const group of groups) {
      const budget = group.budget_monthly_amount as number;
      const spent = await monthToDateCost(this.db, group.id, now);
      const live = await this.db
        .selectFrom('vms')
        .selectAll()
        .where('resource_group_id', '=', group.id)
        .where('deleted_at', 'is', null)
        .execute();
      const warnAt = (budget * (group.budget_warn_percent ?? 80)) / 100;
      if (spent >= warnAt && group.budget_warned_month !== month) {
        this.logger.warn('resource group budget warning', { groupId: group.id, spent, budget });
        for (const vm of live)
          await this.vms.addEvent(
            vm.id,
            'budget_warning',
            `resource group ${group.name} has spent ${spent.toFixed(2)} of ${budget}`,
          );
        await this.db.updateTable('resource_groups').set({ budget_warned_month: month }).where('id', '=', group.id).execute();
      }
      if (spent < budget || group.budget_enforced_month === month) continue;
      const action = group.budget_action ?? 'refuse';
      let postponed = false;
      for (const vm of live) {
        try {
          if (action === 'delete') await this.vmService.remove(vm.id, SYSTEM);
          else if (action === 'stop' && vm.status === 'Running') await this.vmService.stop(vm.id, SYSTEM);
          else continue;
          await this.vms.addEvent(vm.id, 'policy', `monthly budget of ${group.name} reached: ${action}`);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          postponed = true;
        }
      }
      if (!postponed) {
        await this.db.updateTable('resource_groups').set({ budget_enforced_month: month }).where('id', '=', group.id).execute();
        await this.events.publish({
          type: 'budget.exceeded',
          // Resource groups belong to the installation's one entity (they carry none of their own).
          entityId: DEFAULT_ENTITY_ID,
          subject: { kind: 'resource_group', id: group.id },
          data: { name: group.name, month, spent, budget, action, vmIds: live.map((vm) => vm.id) },
        });
      }
    }
  }
}
