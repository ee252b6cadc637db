import type { Kysely } from 'kysely';
import type { VmStatus } from '../../core/domain/types.ts';
import type { Database } from '../../store/schema.ts';

/**
 * Whether a VM in this state costs money. Providers differ on stopped machines: Verda keeps billing a
 * shut-down (`offline`) instance, so `billsWhileStopped` comes from the provider's capabilities.
 */
export function isBillable(status: VmStatus, billsWhileStopped: boolean): boolean {
  if (status === 'Running' || status === 'Starting' || status === 'Stopping') return true;
  return status === 'Stopped' && billsWhileStopped;
}

/** Open or close the VM's billing segment so that segments follow billable time exactly. */
export async function syncBillingSegment(
  db: Kysely<Database>,
  vm: { id: string; price_amount: number | null; price_currency: string | null; bills_while_stopped: number },
  status: VmStatus,
  at: string,
): Promise<void> {
  const open = await db
    .selectFrom('billing_segments')
    .select('id')
    .where('vm_id', '=', vm.id)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  const billable = isBillable(status, vm.bills_while_stopped === 1) && vm.price_amount !== null;
  if (billable && !open) {
    await db
      .insertInto('billing_segments')
      .values({
        id: crypto.randomUUID(),
        vm_id: vm.id,
        started_at: at,
        ended_at: null,
        price_amount: vm.price_amount ?? 0,
        currency: vm.price_currency ?? 'usd',
      })
      .execute();
  } else if (!billable && open) {
    await db.updateTable('billing_segments').set({ ended_at: at }).where('id', '=', open.id).execute();
  }
}

const HOUR_MS = 3_600_000;

/** Hours of a segment that fall inside [from, to). */
export function overlapHours(startedAt: string, endedAt: string | null, from: number, to: number): number {
  const start = Math.max(Date.parse(startedAt), from);
  const end = Math.min(endedAt ? Date.parse(endedAt) : Date.now(), to);
  return Math.max(0, end - start) / HOUR_MS;
}

/** A VM's billing segment, as the accrued cost is computed from it. */
export interface BillingSegmentRow {
  vm_id: string;
  started_at: string;
  ended_at: string | null;
  price_amount: number;
  currency: string;
}

/** The billing segments of these VMs, in one query. */
export async function billingSegmentsOf(db: Kysely<Database>, vmIds: string[]): Promise<BillingSegmentRow[]> {
  if (vmIds.length === 0) return [];
  return db
    .selectFrom('billing_segments')
    .select(['vm_id', 'started_at', 'ended_at', 'price_amount', 'currency'])
    .where('vm_id', 'in', vmIds)
    .execute();
}

/** Cost accrued by each VM of these segments until `nowMs`. */
export function accruedFrom(
  segments: readonly BillingSegmentRow[],
  nowMs = Date.now(),
): Map<string, { amount: number; currency: string }> {
  const result = new Map<string, { amount: number; currency: string }>();
  for (const s of segments) {
    const amount = overlapHours(s.started_at, s.ended_at, 0, nowMs) * s.price_amount;
    const prev = result.get(s.vm_id);
    result.set(s.vm_id, { amount: (prev?.amount ?? 0) + amount, currency: s.currency });
  }
  return result;
}

/** Cost accrued by each VM since it first billed, in one query for a whole page. */
export async function accruedCosts(
  db: Kysely<Database>,
  vmIds: string[],
): Promise<Map<string, { amount: number; currency: string }>> {
  return accruedFrom(await billingSegmentsOf(db, vmIds));
}
