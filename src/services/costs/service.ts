import type { Kysely } from 'kysely';
import type { CostReport } from '../../contract/costs.ts';
import type { Database } from '../../store/schema.ts';
import { badRequest } from '../errors.ts';
import type { CostQuery, CostService } from '../types.ts';
import { volumePricePerHour } from '../volumes/view.ts';
import { overlapHours } from './billing.ts';

/** Costs from billing segments: what each VM cost while it was billable, grouped as asked. */
export class CostServiceImpl implements CostService {
  constructor(private readonly db: Kysely<Database>) {}

  async report(query: CostQuery): Promise<CostReport> {
    const from = Date.parse(query.from);
    const to = Date.parse(query.to);
    if (Number.isNaN(from) || Number.isNaN(to)) throw badRequest('VALIDATION_ERROR', 'from and to must be RFC 3339 date-times');
    if (to <= from) throw badRequest('VALIDATION_ERROR', 'to must be after from');
    const segments = await this.db
      .selectFrom('billing_segments')
      .innerJoin('vms', 'vms.id', 'billing_segments.vm_id')
      .leftJoin('resource_groups', 'resource_groups.id', 'vms.resource_group_id')
      .leftJoin('api_keys', 'api_keys.id', 'vms.created_by_key_id')
      .select([
        'billing_segments.started_at',
        'billing_segments.ended_at',
        'billing_segments.price_amount',
        'billing_segments.currency',
        'vms.id as vm_id',
        'vms.name as vm_name',
        'vms.provider',
        'vms.resource_group_id',
        'resource_groups.name as group_name',
        'vms.created_by_key_id',
        'api_keys.name as key_name',
      ])
      .where('billing_segments.started_at', '<', new Date(to).toISOString())
      .where((eb) =>
        eb.or([eb('billing_segments.ended_at', 'is', null), eb('billing_segments.ended_at', '>', new Date(from).toISOString())]),
      )
      .execute();

    const rows = new Map<string, CostReport['rows'][number]>();
    const totals = new Map<string, number>();
    for (const s of segments) {
      const hours = overlapHours(s.started_at, s.ended_at, from, to);
      if (hours <= 0) continue;
      const amount = hours * s.price_amount;
      const [key, label] = groupKey(query.groupBy, s);
      const id = `${key}|${s.currency}`;
      const row = rows.get(id) ?? { key, label, amount: 0, currency: s.currency, hours: 0 };
      row.amount += amount;
      row.hours += hours;
      rows.set(id, row);
      totals.set(s.currency, (totals.get(s.currency) ?? 0) + amount);
    }
    // Storage bills from creation until the provider confirmed the volume deleted, attached or not.
    for (const v of await volumesBilledBetween(this.db, from, to)) {
      const perHour = volumePricePerHour(v);
      const hours = overlapHours(v.created_at, v.deleted_at, from, to);
      if (perHour === null || hours <= 0) continue;
      const amount = hours * perHour;
      const currency = v.price_currency ?? 'usd';
      const [key, label] = groupKey(query.groupBy, {
        vm_id: v.id,
        vm_name: `${v.name} (volume)`,
        provider: v.provider,
        resource_group_id: v.resource_group_id,
        group_name: v.group_name,
        created_by_key_id: v.created_by_key_id,
        key_name: v.key_name,
      });
      const id = `${key}|${currency}`;
      const row = rows.get(id) ?? { key, label, amount: 0, currency, hours: 0 };
      row.amount += amount;
      row.hours += hours;
      rows.set(id, row);
      totals.set(currency, (totals.get(currency) ?? 0) + amount);
    }
    const round = (n: number) => Math.round(n * 10_000) / 10_000;
    return {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      groupBy: query.groupBy,
      rows: [...rows.values()]
        .map((r) => ({ ...r, amount: round(r.amount), hours: round(r.hours) }))
        .sort((a, b) => b.amount - a.amount),
      total: [...totals.entries()].map(([currency, amount]) => ({ currency, amount: round(amount) })),
    };
  }
}

function groupKey(
  groupBy: CostQuery['groupBy'],
  s: {
    vm_id: string;
    vm_name: string;
    provider: string | null;
    resource_group_id: string | null;
    group_name: string | null;
    created_by_key_id: string | null;
    key_name: string | null;
  },
): [string, string] {
  switch (groupBy) {
    case 'vm':
      return [s.vm_id, s.vm_name];
    case 'provider':
      return [s.provider ?? 'none', s.provider ?? 'none'];
    case 'resourceGroup':
      return [s.resource_group_id ?? 'none', s.group_name ?? 'unassigned'];
    case 'apiKey':
      return [s.created_by_key_id ?? 'none', s.key_name ?? 'unknown key'];
  }
}

/** Month-to-date cost of a resource group (for budgets). */
export async function monthToDateCost(db: Kysely<Database>, groupId: string, now = new Date()): Promise<number> {
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const segments = await db
    .selectFrom('billing_segments')
    .innerJoin('vms', 'vms.id', 'billing_segments.vm_id')
    .select(['billing_segments.started_at', 'billing_segments.ended_at', 'billing_segments.price_amount'])
    .where('vms.resource_group_id', '=', groupId)
    .where((eb) =>
      eb.or([
        eb('billing_segments.ended_at', 'is', null),
        eb('billing_segments.ended_at', '>', new Date(monthStart).toISOString()),
      ]),
    )
    .execute();
  const compute = segments.reduce(
    (sum, s) => sum + overlapHours(s.started_at, s.ended_at, monthStart, now.getTime()) * s.price_amount,
    0,
  );
  const storage = (await volumesBilledBetween(db, monthStart, now.getTime()))
    .filter((v) => v.resource_group_id === groupId)
    .reduce(
      (sum, v) => sum + overlapHours(v.created_at, v.deleted_at, monthStart, now.getTime()) * (volumePricePerHour(v) ?? 0),
      0,
    );
  return compute + storage;
}

/** Volumes that existed at some point between `from` and `to`, with the names a cost report groups by. */
async function volumesBilledBetween(db: Kysely<Database>, from: number, to: number) {
  return db
    .selectFrom('volumes')
    .leftJoin('resource_groups', 'resource_groups.id', 'volumes.resource_group_id')
    .leftJoin('api_keys', 'api_keys.id', 'volumes.created_by_key_id')
    .select([
      'volumes.id',
      'volumes.name',
      'volumes.provider',
      'volumes.size_gb',
      'volumes.price_per_gb_month',
      'volumes.price_currency',
      'volumes.created_at',
      'volumes.deleted_at',
      'volumes.resource_group_id',
      'resource_groups.name as group_name',
      'volumes.created_by_key_id',
      'api_keys.name as key_name',
    ])
    .where('volumes.price_per_gb_month', 'is not', null)
    .where('volumes.created_at', '<', new Date(to).toISOString())
    .where((eb) => eb.or([eb('volumes.deleted_at', 'is', null), eb('volumes.deleted_at', '>', new Date(from).toISOString())]))
    .execute();
}
